// SPDX-License-Identifier: GPL-2.0-only
#include "cpu.h"
#include "io.h"

#define MSR_GS_BASE 0xc0000101 /* SDM Vol. 4, Table 2-2 (IA32_GS_BASE) */

struct cpu cpus[MAX_CPUS];

void cpu_set_current(struct cpu *cpu)
{
	cpu->self = cpu;
	wrmsr(MSR_GS_BASE, (uint64_t)cpu);
}
