/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Starting application processors with INIT-SIPI-SIPI and running
 * functions on them. A started AP waits in a loop for work.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"

/* Starts CPU @index with local APIC @apic_id; NULL if it never arrived. */
struct cpu *smp_start(unsigned int index, uint32_t apic_id);
/* Runs fn(arg) on @cpu and waits for it; false on timeout. */
bool smp_call(struct cpu *cpu, void (*fn)(void *arg), void *arg,
	      uint64_t timeout_us);
/* Sends INIT: the CPU stops and waits for a STARTUP IPI again. */
void smp_stop(struct cpu *cpu);

/* The AP's entry from start.S. */
__attribute__((noreturn)) void ap_main(struct cpu *cpu);

#endif
