// SPDX-License-Identifier: GPL-2.0-only
/*
 * watchdog: a test that never returns is stopped. The test points the
 * watchdog at its own guard, spins with interrupts enabled, and must be
 * thrown out by the LAPIC timer tick after about a second.
 */
#include "guard.h"
#include "io.h"
#include "runner.h"
#include "tests.h"
#include "timer.h"
#include "tsc.h"

#define LIMIT_S 1

void test_watchdog(void)
{
	uint64_t start = rdtsc(), us;
	struct guard g;
	int code;

	guard_push(&g);
	code = guard_catch(&g);
	if (code == 0) {
		watchdog_arm(&g, LIMIT_S);
		for (;;)
			cpu_relax();
	}
	guard_pop(&g);
	runner_rearm_watchdog();
	us = tsc_to_ns(rdtsc() - start) / 1000;
	if (!check(code == GUARD_TIMEOUT, "thrown with code %d", code))
		return;
	note("stopped after %lu us", us);
	check(us >= LIMIT_S * 1000000ull * 9 / 10,
	      "stopped after %lu us, before the %u s limit", us, LIMIT_S);
}
