/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny TAP producer for the C tests. Each CHECK is one TAP line; a test
 * program ends with `return tap_done();` which prints the plan and returns
 * non-zero when anything failed. meson runs these with protocol: 'tap'.
 *
 *   CHECK(gm_read(&gm, 0, buf, 4), "read at the start of RAM");
 */
#ifndef VIGIL_TAP_H
#define VIGIL_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static unsigned int tap_count;
static unsigned int tap_failed;

static inline __attribute__((format(printf, 4, 5))) bool
tap_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%sok %u - ", ok ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok) {
		printf(" # at %s:%d", file, line);
		tap_failed++;
	}
	putchar('\n');
	fflush(stdout);
	return ok;
}

#define CHECK(cond, ...) tap_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* A test that cannot run here: counted as passed, with the reason. */
static inline void tap_skip(const char *what, const char *why)
{
	tap_count++;
	printf("ok %u - %s # SKIP %s\n", tap_count, what, why);
	fflush(stdout);
}

/* The whole program cannot run here: an empty plan with the reason. */
static inline int tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	return 0;
}

/* Lines of the file at path that hold needle (a test's log): 0 if none. */
static inline unsigned int tap_count_lines(const char *path, const char *needle)
{
	char line[512];
	unsigned int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static inline int tap_done(void)
{
	printf("1..%u\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
