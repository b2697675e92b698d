// SPDX-License-Identifier: GPL-2.0-only
/*
 * lapic_timer: the periodic LAPIC timer (SDM Vol. 3A, "APIC Timer") that
 * drives the watchdog delivers its interrupts: TICKS of them arrive, no
 * faster than programmed (measured with the TSC). Lateness is only
 * reported: a busy host may delay a virtual timer, never hurry it.
 */
#include "io.h"
#include "lapic.h"
#include "runner.h"
#include "tests.h"
#include "timer.h"
#include "tsc.h"

#define TICKS 20
#define WAIT_LIMIT_NS 5000000000ull

void test_lapic_timer(void)
{
	uint64_t t0 = timer_ticks(), start = rdtsc();
	uint64_t limit = start + ns_to_tsc(WAIT_LIMIT_NS);
	uint64_t expected_us = TICKS * 1000000ull / TIMER_HZ;
	uint64_t ticks, us;

	while (timer_ticks() - t0 < TICKS && (int64_t)(rdtsc() - limit) < 0)
		wait_for_interrupt();
	ticks = timer_ticks() - t0;
	us = tsc_to_ns(rdtsc() - start) / 1000;
	if (!check(ticks >= TICKS, "%lu timer interrupts in %lu us", ticks, us))
		return;
	note("%u ticks in %lu us (programmed: %lu us)", TICKS, us, expected_us);
	/* The first tick may come up to one period early. */
	check(us * 10 >= (expected_us - expected_us / TICKS) * 9,
	      "%u ticks took %lu us, faster than the programmed %lu us", TICKS,
	      us, expected_us);
}
