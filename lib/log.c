// SPDX-License-Identifier: GPL-2.0-only
#include "lib/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"

static unsigned int log_mask_enabled;
static FILE *log_file; /* NULL means stderr */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct {
	const char *name;
	unsigned int mask;
} log_names[] = {
	{ "guest_errors", LOG_GUEST_ERROR },
	{ "unimp", LOG_UNIMP },
	{ "trace", LOG_TRACE },
};

int log_parse_mask(const char *spec, unsigned int *mask)
{
	char buf[256];
	char *save = NULL;
	size_t len = strlen(spec);

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, spec, len + 1);
	*mask = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
			if (!strcmp(tok, log_names[i].name))
				break;
		if (i == sizeof(log_names) / sizeof(log_names[0]))
			return -EINVAL;
		*mask |= log_names[i].mask;
	}
	return 0;
}

void log_set_mask(unsigned int mask)
{
	__atomic_store_n(&log_mask_enabled, mask, __ATOMIC_RELAXED);
}

bool log_enabled(unsigned int mask)
{
	return __atomic_load_n(&log_mask_enabled, __ATOMIC_RELAXED) & mask;
}

int log_set_file(const char *path)
{
	FILE *f = fopen(path, "ae");

	if (!f)
		return -errno;
	/*
	 * Unbuffered, like stderr: a buffered stream would fstat() and
	 * malloc() its buffer at the first line, which may come from a thread
	 * whose seccomp filter forbids both. The lock keeps lines whole.
	 */
	setvbuf(f, NULL, _IONBF, 0);
	pthread_mutex_lock(&log_lock);
	if (log_file)
		fclose(log_file);
	log_file = f;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	pthread_mutex_unlock(&log_lock);
}

static void escape_controls(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
}

/*
 * Write one line: prefix, the message, a newline; in one write, so that a
 * line stays whole. A message carries names and strings from guests and
 * files (a property name from a snapshot, a device spec): its control
 * characters (C0, DEL) become '?', so that none can move the cursor,
 * retitle the terminal or start a fake line. Called with log_lock held.
 */
static __attribute__((format(printf, 3, 0))) void
log_write_line(FILE *out, const char *prefix, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX + 1];
	/* prefix is one of ours, a few bytes: it fits. */
	size_t n = (size_t)snprintf(line, LOG_LINE_MAX, "%s", prefix);
	int len = vsnprintf(line + n, LOG_LINE_MAX - n, fmt, ap);

	n += len < 0 ? 0 : (size_t)len;
	if (n >= LOG_LINE_MAX) { /* cut: say so */
		n = LOG_LINE_MAX - 1;
		line[n - 1] = line[n - 2] = line[n - 3] = '.';
	}
	escape_controls(line, n);
	line[n++] = '\n';
	fwrite(line, 1, n, out);
}

/* One "vigil: ..." line on stderr, whole even with several threads. */
static __attribute__((format(printf, 1, 0))) void log_stderr(const char *fmt,
							     va_list ap)
{
	pthread_mutex_lock(&log_lock);
	log_write_line(stderr, "vigil: ", fmt, ap);
	pthread_mutex_unlock(&log_lock);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_stderr(fmt, ap);
	va_end(ap);
}

/*
 * Not an error, but something the user should know (a guest reset, a
 * benchmark-only option), on the same channel as errors: stderr.
 */
void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_stderr(fmt, ap);
	va_end(ap);
}

/* Called with log_lock held. Returns false when this line must be dropped. */
static bool ratelimit_allow(struct log_ratelimit *rl, FILE *out)
{
	uint64_t now = clock_monotonic_ns();

	if (now - rl->window_start_ns >= NS_PER_SEC) {
		if (rl->suppressed)
			fprintf(out,
				"vigil: %llu similar messages suppressed\n",
				(unsigned long long)rl->suppressed);
		rl->window_start_ns = now;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed >= LOG_RATELIMIT_BURST) {
		/* Say so at once: a burst that stops now gets no summary. */
		if (rl->suppressed++ == 0)
			fprintf(out, "vigil: rate limit: dropping similar "
				     "messages for up to 1 s\n");
		return false;
	}
	rl->printed++;
	return true;
}

void log_masked(unsigned int mask, struct log_ratelimit *rl, const char *fmt,
		...)
{
	va_list ap;
	FILE *out;

	if (!log_enabled(mask))
		return;
	va_start(ap, fmt);
	pthread_mutex_lock(&log_lock);
	out = log_file ? log_file : stderr;
	if (!rl || ratelimit_allow(rl, out))
		log_write_line(out, "", fmt, ap);
	pthread_mutex_unlock(&log_lock);
	va_end(ap);
}
