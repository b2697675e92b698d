/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test runner: runs the tests the command line names (tests=...) and
 * prints TAP. Inside a test:
 *
 *	check(cond, "what was expected, with %s", values);  // false: fails
 *	note("a comment, e.g. a timing: %lu ns", ns);      // "# ..."
 *	skip("why this machine cannot run it");             // "# SKIP why"
 *
 * A test passes unless a check() failed, it raised an exception, or it
 * ran past its timeout.
 */
#ifndef GUEST_RUNNER_H
#define GUEST_RUNNER_H

#include <stdbool.h>

struct test {
	const char *name;
	void (*run)(void);
	unsigned int timeout_s;
	bool by_default; /* part of the run when tests= is absent */
};

/* tests/list.c */
extern const struct test test_table[];
extern const unsigned int test_table_size;

__attribute__((format(printf, 2, 3))) bool check(bool cond, const char *fmt,
						 ...);
__attribute__((format(printf, 1, 2))) void note(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void skip(const char *fmt, ...);

/* Points the watchdog back at the runner (after a test borrowed it). */
void runner_rearm_watchdog(void);

__attribute__((noreturn)) void runner_run(void);

#endif
