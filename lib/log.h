/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging. Two kinds of message:
 *  - errors of vigil itself or of its inputs (bad option, bad image):
 *    log_error(), always printed, one line naming the thing and the value;
 *  - things a guest did: guest_error() / log_unimp(), printed only when the
 *    user asked with -d guest_errors / -d unimp, and rate-limited per call
 *    site so that a hostile guest cannot flood the host's log.
 */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_mask {
	LOG_GUEST_ERROR = 1u << 0, /* -d guest_errors */
	LOG_UNIMP = 1u << 1,	   /* -d unimp */
	LOG_TRACE = 1u << 2,	   /* -d trace: device-level tracing */
};

/*
 * Every line is written whole, with its control characters (C0, DEL) as
 * '?': messages carry strings from guests and files. A line longer than
 * this is cut, ending in "...".
 */
#define LOG_LINE_MAX 1024u

/* At most this many lines per call site per second; the rest are counted. */
#define LOG_RATELIMIT_BURST 10

struct log_ratelimit {
	uint64_t window_start_ns;
	unsigned int printed;
	uint64_t suppressed;
};

/* Parse "guest_errors,unimp" into a mask. Returns -EINVAL on unknown names. */
int log_parse_mask(const char *spec, unsigned int *mask);
void log_set_mask(unsigned int mask);
bool log_enabled(unsigned int mask);
/* Send masked logs to PATH instead of stderr (-D). Returns negative errno. */
int log_set_file(const char *path);
void log_close(void);

void log_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), nonnull(1)));
void log_info(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), nonnull(1)));

void log_masked(unsigned int mask, struct log_ratelimit *rl, const char *fmt,
		...) __attribute__((format(printf, 3, 4), nonnull(3)));

/* One rate-limit state per call site. */
#define log_mask_rl(mask, ...)                                      \
	do {                                                        \
		static struct log_ratelimit log_rl__;               \
		if (log_enabled(mask))                              \
			log_masked((mask), &log_rl__, __VA_ARGS__); \
	} while (0)

#define guest_error(...) log_mask_rl(LOG_GUEST_ERROR, __VA_ARGS__)
#define log_unimp(...) log_mask_rl(LOG_UNIMP, __VA_ARGS__)

#endif
