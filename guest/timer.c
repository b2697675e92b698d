// SPDX-License-Identifier: GPL-2.0-only
#include <stddef.h>

#include "cpu.h"
#include "guard.h"
#include "idt.h"
#include "io.h"
#include "lapic.h"
#include "timer.h"
#include "tsc.h"

#define CALIBRATION_US 10000
/* KVM's APIC timer runs at 1 GHz; used if the measurement is absurd. */
#define FALLBACK_LAPIC_HZ (1000000000ull / 16)

static volatile uint64_t ticks;
static uint64_t lapic_hz;
static struct guard *volatile watchdog_guard;
static volatile uint64_t watchdog_deadline;

static void timer_tick(struct trap_frame *f)
{
	struct guard *g = watchdog_guard;

	(void)f;
	ticks++;
	lapic_eoi();
	if (g && ticks >= watchdog_deadline) {
		watchdog_guard = NULL;
		/* Inner guards belong to the abandoned test. */
		this_cpu()->guard = g;
		guard_throw(g, GUARD_TIMEOUT);
	}
}

void timer_init(void)
{
	uint32_t left;

	lapic_timer_oneshot_masked(0xffffffff);
	udelay(CALIBRATION_US);
	left = lapic_timer_current();
	lapic_hz = (uint64_t)(0xffffffffu - left) * (1000000 / CALIBRATION_US);
	if (lapic_hz < TIMER_HZ * 100ull)
		lapic_hz = FALLBACK_LAPIC_HZ;
	irq_set_handler(VECTOR_LAPIC_TIMER, timer_tick);
	lapic_timer_periodic(VECTOR_LAPIC_TIMER,
			     (uint32_t)(lapic_hz / TIMER_HZ));
}

uint64_t timer_ticks(void)
{
	return ticks;
}

uint64_t timer_lapic_hz(void)
{
	return lapic_hz;
}

void watchdog_arm(struct guard *g, unsigned int seconds)
{
	watchdog_deadline = ticks + (uint64_t)seconds * TIMER_HZ;
	watchdog_guard = g;
}

void watchdog_disarm(void)
{
	watchdog_guard = NULL;
}
