// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs each selected test inside a guard (guard.h) with the watchdog
 * armed, and prints one TAP line per test (TAP 13: "ok N name",
 * "not ok N name # reason", "ok N name # SKIP reason", plan "1..N"). Ends
 * the run through the debug-exit port: 0 if nothing failed, else 1.
 */
#include <stdarg.h>

#include "alloc.h"
#include "cmdline.h"
#include "cpu.h"
#include "exit.h"
#include "guard.h"
#include "hostile/table.h"
#include "print.h"
#include "runner.h"
#include "string.h"
#include "timer.h"

#define MAX_SELECTED 32
#define NAME_MAX 32

static struct {
	bool failed;
	bool skipped;
	char reason[160];
} result;

static struct guard runner_guard;
static unsigned int current_timeout_s;
static char selected[MAX_SELECTED][NAME_MAX];
static unsigned int nselected;

static void set_reason(const char *fmt, va_list ap)
{
	if (!result.reason[0])
		vsnprintf(result.reason, sizeof(result.reason), fmt, ap);
}

bool check(bool cond, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (cond)
		return true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# FAIL: %s\n", msg);
	if (!result.failed)
		snprintf(result.reason, sizeof(result.reason), "%s", msg);
	result.failed = true;
	return false;
}

void note(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# %s\n", msg);
}

void skip(const char *fmt, ...)
{
	va_list ap;

	result.skipped = true;
	va_start(ap, fmt);
	set_reason(fmt, ap);
	va_end(ap);
}

static const struct test *find_test(const char *name)
{
	unsigned int i;

	for (i = 0; i < test_table_size; i++) {
		if (!strcmp(test_table[i].name, name))
			return &test_table[i];
	}
	for (i = 0; i < hostile_table_size; i++) {
		if (!strcmp(hostile_table[i].name, name))
			return &hostile_table[i];
	}
	return NULL;
}

/* tests=a,b,c; without it, every by_default test. */
static void select_tests(void)
{
	const char *s = param_str("tests"), *comma;
	unsigned int i;
	size_t len;

	for (i = 0; !s && i < test_table_size; i++) {
		if (test_table[i].by_default && nselected < MAX_SELECTED)
			snprintf(selected[nselected++], NAME_MAX, "%s",
				 test_table[i].name);
	}
	while (s && *s && nselected < MAX_SELECTED) {
		comma = strchr(s, ',');
		len = comma ? (size_t)(comma - s) : strlen(s);
		if (len) {
			if (len >= NAME_MAX)
				len = NAME_MAX - 1;
			memcpy(selected[nselected], s, len);
			selected[nselected++][len] = '\0';
		}
		s = comma ? comma + 1 : NULL;
	}
}

static void explain_throw(int code)
{
	const struct trap_info *t = &runner_guard.trap;

	result.failed = true;
	if (code == GUARD_TIMEOUT)
		snprintf(result.reason, sizeof(result.reason),
			 "timeout after %u s", current_timeout_s);
	else
		snprintf(result.reason, sizeof(result.reason),
			 "exception %lu at rip 0x%lx, error 0x%lx", t->vector,
			 t->rip, t->error);
}

/* Prints the TAP line; returns false if the test failed. */
static bool report(unsigned int n, const char *name)
{
	if (result.failed) {
		printf("not ok %u %s # %s\n", n, name, result.reason);
		return false;
	}
	if (result.skipped)
		printf("ok %u %s # SKIP %s\n", n, name, result.reason);
	else
		printf("ok %u %s\n", n, name);
	return true;
}

void runner_rearm_watchdog(void)
{
	watchdog_arm(&runner_guard, current_timeout_s);
}

static bool run_one(unsigned int n, const char *name)
{
	const struct test *t = find_test(name);
	size_t mark = alloc_mark();
	int code;

	memset(&result, 0, sizeof(result));
	if (!t) {
		check(false, "no such test");
		return report(n, name);
	}
	guard_push(&runner_guard);
	code = guard_catch(&runner_guard);
	if (code == 0) {
		current_timeout_s =
			(unsigned int)param_u64("timeout", t->timeout_s);
		runner_rearm_watchdog();
		t->run();
	} else {
		explain_throw(code);
	}
	watchdog_disarm();
	guard_pop(&runner_guard);
	alloc_release(mark);
	return report(n, name);
}

void runner_run(void)
{
	unsigned int i, failed = 0;

	select_tests();
	printf("1..%u\n", nselected);
	for (i = 0; i < nselected; i++) {
		if (!run_one(i + 1, selected[i]))
			failed++;
	}
	printf("# %u tests, %u failed\n", nselected, failed);
	printf("vigil-test-guest: %s\n", failed ? "FAIL" : "PASS");
	vm_exit(failed ? EXIT_FAIL : EXIT_PASS);
}
