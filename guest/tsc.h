/* SPDX-License-Identifier: GPL-2.0-only */
/* Time from the TSC, once its frequency is known. */
#ifndef GUEST_TSC_H
#define GUEST_TSC_H

#include <stdbool.h>
#include <stdint.h>

/* Finds the TSC frequency (PIT, else CPUID); false if only guessed. */
bool tsc_calibrate(void);
bool tsc_calibrated(void);
uint64_t tsc_hz(void);
/* Where tsc_hz() came from: "pit", "cpuid" or "guess". */
const char *tsc_source(void);
uint64_t tsc_to_ns(uint64_t cycles);
uint64_t ns_to_tsc(uint64_t ns);
/* Busy-waits (interrupts keep running). */
void udelay(uint64_t us);

#endif
