/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU state. Each CPU points its GS base at its own struct cpu, so
 * this_cpu() is one load from %gs:0 wherever it runs.
 */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_CPUS 8

struct guard;

struct cpu {
	struct cpu *self;     /* %gs:0 */
	unsigned int index;   /* 0 = the bootstrap processor */
	uint32_t apic_id;     /* from the MADT */
	struct guard *guard;  /* innermost guarded region */
	volatile bool online; /* set by the CPU itself once in C */
	/* Work the BSP hands over (smp.c): fn(arg), then done = seq. */
	void (*volatile work_fn)(void *arg);
	void *volatile work_arg;
	volatile uint64_t work_seq;
	volatile uint64_t work_done;
	uint32_t spins; /* cpu_relax() calls, for its periodic exit */
};

extern struct cpu cpus[MAX_CPUS];

/* Makes @cpu the calling CPU's struct cpu. */
void cpu_set_current(struct cpu *cpu);

static inline struct cpu *this_cpu(void)
{
	struct cpu *cpu;

	asm volatile("movq %%gs:0, %0" : "=r"(cpu));
	return cpu;
}

#endif
