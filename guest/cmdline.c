// SPDX-License-Identifier: GPL-2.0-only
#include "cmdline.h"
#include "print.h"
#include "string.h"

#define MAX_WORDS 64

static char text[CMDLINE_MAX];	/* as given, for printing */
static char words[CMDLINE_MAX]; /* the same, NUL-separated */
static const char *word[MAX_WORDS];
static unsigned int nwords;
static bool truncated;

void cmdline_parse(const char *s, size_t max)
{
	size_t limit = max < CMDLINE_MAX - 1 ? max : CMDLINE_MAX - 1;
	size_t n = strnlen(s, limit);
	size_t i;

	truncated = n == limit && n < max && s[n] != '\0';
	memcpy(text, s, n);
	text[n] = '\0';
	memcpy(words, text, n + 1);
	nwords = 0;
	for (i = 0; i < n; i++) {
		if (words[i] == ' ' || words[i] == '\t' || words[i] == '\n') {
			words[i] = '\0';
		} else if ((i == 0 || words[i - 1] == '\0') &&
			   nwords < MAX_WORDS) {
			word[nwords++] = &words[i];
		}
	}
}

const char *cmdline_text(void)
{
	return text;
}

bool cmdline_truncated(void)
{
	return truncated;
}

/* The value of word @w if its key is @key, else NULL. */
static const char *match(const char *w, const char *key)
{
	size_t len = strlen(key);

	if (strncmp(w, key, len))
		return NULL;
	if (w[len] == '=')
		return w + len + 1;
	return w[len] == '\0' ? w + len : NULL;
}

const char *param_nth(const char *key, unsigned int n)
{
	unsigned int i;
	const char *v;

	for (i = 0; i < nwords; i++) {
		v = match(word[i], key);
		if (v && n-- == 0)
			return v;
	}
	return NULL;
}

const char *param_str(const char *key)
{
	const char *last = NULL, *v;
	unsigned int i;

	for (i = 0; i < nwords; i++) {
		v = match(word[i], key);
		if (v)
			last = v;
	}
	return last;
}

bool param_is(const char *key, const char *value)
{
	const char *v = param_str(key);

	return v && strcmp(v, value) == 0;
}

uint64_t param_u64(const char *key, uint64_t def)
{
	const char *s = param_str(key), *end;
	uint64_t v;

	if (!s)
		return def;
	if (!parse_size(s, &end, &v) || *end) {
		printf("# cmdline: %s=%s is not a number, using %lu\n", key, s,
		       def);
		return def;
	}
	return v;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

bool parse_u64(const char *s, const char **end, uint64_t *v)
{
	unsigned int base = 10;
	uint64_t n = 0;
	const char *p = s;
	int d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (digit_value(*p) >= (int)base)
		return false;
	for (; (d = digit_value(*p)) < (int)base; p++) {
		if (__builtin_mul_overflow(n, base, &n) ||
		    __builtin_add_overflow(n, (uint64_t)d, &n))
			return false;
	}
	*v = n;
	*end = p;
	return true;
}

bool parse_size(const char *s, const char **end, uint64_t *v)
{
	unsigned int shift = 0;
	uint64_t n;

	if (!parse_u64(s, end, &n))
		return false;
	switch (**end) {
	case 'G':
	case 'g':
		shift = 30;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'K':
	case 'k':
		shift = 10;
		break;
	default:
		break;
	}
	if (shift) {
		if (n > (UINT64_MAX >> shift))
			return false;
		n <<= shift;
		(*end)++;
	}
	*v = n;
	return true;
}
