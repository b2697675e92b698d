/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The bootstrap processor's periodic LAPIC timer: a tick count, and the
 * watchdog that ends a test which runs past its time limit.
 */
#ifndef GUEST_TIMER_H
#define GUEST_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define TIMER_HZ 100

struct guard;

/* Measures the LAPIC timer against the TSC and starts the tick. */
void timer_init(void);
uint64_t timer_ticks(void);
/* LAPIC timer input clock after the divider, in Hz (measured). */
uint64_t timer_lapic_hz(void);
/* After @seconds, throw GUARD_TIMEOUT to @g from the tick interrupt. */
void watchdog_arm(struct guard *g, unsigned int seconds);
void watchdog_disarm(void);

#endif
