// SPDX-License-Identifier: GPL-2.0-only
/*
 * AP start-up, following SDM Vol. 3A, "Typical BSP Initialization
 * Sequence" (in "MP Initialization Example"): INIT IPI, wait 10 ms,
 * STARTUP IPI, wait 200 us, a second STARTUP IPI. The STARTUP vector is
 * the page number of the real-mode trampoline (trampoline.S).
 */
#include "boot.h"
#include "idt.h"
#include "io.h"
#include "lapic.h"
#include "smp.h"
#include "string.h"
#include "tsc.h"

#define AP_STACK_SIZE 16384
#define AP_ARRIVAL_TIMEOUT_US 1000000

extern const char ap_trampoline[], ap_trampoline_end[];

/* Read by start.S (ap_start64) on the AP. */
void *ap_boot_stack;
struct cpu *ap_boot_cpu;

static uint8_t ap_stacks[MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));

static bool wait_until(volatile bool *flag, uint64_t timeout_us)
{
	uint64_t end = rdtsc() + ns_to_tsc(timeout_us * 1000);

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
		if ((int64_t)(rdtsc() - end) > 0)
			return false;
		cpu_relax();
	}
	return true;
}

struct cpu *smp_start(unsigned int index, uint32_t apic_id)
{
	struct cpu *cpu;

	if (index == 0 || index >= MAX_CPUS)
		return NULL;
	cpu = &cpus[index];
	*cpu = (struct cpu){ .index = index, .apic_id = apic_id };
	memcpy((void *)TRAMPOLINE_ADDR, ap_trampoline,
	       (uintptr_t)ap_trampoline_end - (uintptr_t)ap_trampoline);
	ap_boot_stack = ap_stacks[index] + AP_STACK_SIZE;
	ap_boot_cpu = cpu;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (!lapic_send_ipi(apic_id, ICR_INIT | ICR_LEVEL_ASSERT))
		return NULL;
	udelay(10000);
	if (!lapic_send_ipi(apic_id, ICR_STARTUP | (TRAMPOLINE_ADDR >> 12)))
		return NULL;
	udelay(200);
	if (!cpu->online &&
	    !lapic_send_ipi(apic_id, ICR_STARTUP | (TRAMPOLINE_ADDR >> 12)))
		return NULL;
	return wait_until(&cpu->online, AP_ARRIVAL_TIMEOUT_US) ? cpu : NULL;
}

bool smp_call(struct cpu *cpu, void (*fn)(void *arg), void *arg,
	      uint64_t timeout_us)
{
	uint64_t seq = cpu->work_seq + 1;
	uint64_t end = rdtsc() + ns_to_tsc(timeout_us * 1000);

	cpu->work_fn = fn;
	cpu->work_arg = arg;
	__atomic_store_n(&cpu->work_seq, seq, __ATOMIC_RELEASE);
	while (__atomic_load_n(&cpu->work_done, __ATOMIC_ACQUIRE) != seq) {
		if ((int64_t)(rdtsc() - end) > 0)
			return false;
		cpu_relax();
	}
	return true;
}

void smp_stop(struct cpu *cpu)
{
	lapic_send_ipi(cpu->apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
	cpu->online = false;
}

void ap_main(struct cpu *cpu)
{
	uint64_t seq;

	cpu_set_current(cpu);
	idt_load();
	lapic_enable();
	__atomic_store_n(&cpu->online, true, __ATOMIC_RELEASE);
	for (;;) {
		seq = __atomic_load_n(&cpu->work_seq, __ATOMIC_ACQUIRE);
		if (seq == cpu->work_done) {
			cpu_relax();
			continue;
		}
		cpu->work_fn(cpu->work_arg);
		__atomic_store_n(&cpu->work_done, seq, __ATOMIC_RELEASE);
	}
}
