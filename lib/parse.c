// SPDX-License-Identifier: GPL-2.0-only
#include "lib/parse.h"

#include <errno.h>

/* Digits from s; *end is the first non-digit. */
static int parse_digits(const char *s, uint64_t *v, const char **end)
{
	uint64_t n = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(n, 10, &n) ||
		    __builtin_add_overflow(n, (uint64_t)(*p - '0'), &n))
			return -ERANGE;
	if (p == s)
		return -EINVAL;
	*v = n;
	*end = p;
	return 0;
}

int parse_u64(const char *s, uint64_t *v)
{
	const char *end;
	int r = parse_digits(s, v, &end);

	return r ? r : *end ? -EINVAL : 0;
}

static int suffix_shift(char c)
{
	switch (c) {
	case 'K':
	case 'k':
		return 10;
	case 'M':
	case 'm':
		return 20;
	case 'G':
	case 'g':
		return 30;
	case 'T':
	case 't':
		return 40;
	default:
		return -1;
	}
}

int parse_size(const char *s, unsigned int bare_shift, uint64_t *bytes)
{
	const char *end;
	uint64_t n;
	int shift = (int)bare_shift;
	int r = parse_digits(s, &n, &end);

	if (r)
		return r;
	if (*end) {
		shift = suffix_shift(*end);
		if (shift < 0 || end[1])
			return -EINVAL;
	}
	if (n > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = n << shift;
	return 0;
}
