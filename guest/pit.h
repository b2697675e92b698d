/* SPDX-License-Identifier: GPL-2.0-only */
/* The 8254 programmable interval timer, as a reference clock. */
#ifndef GUEST_PIT_H
#define GUEST_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182 /* 14.31818 MHz / 12 on every PC */

/* Measures the TSC rate over @ms milliseconds of PIT time. */
bool pit_measure_tsc_hz(unsigned int ms, uint64_t *hz);

#endif
