/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port I/O, memory-mapped I/O, MSRs and the few privileged instructions the
 * guest uses, as inline functions. MMIO accessors are volatile and single
 * instructions: a device register must be read exactly once per call.
 */
#ifndef GUEST_IO_H
#define GUEST_IO_H

#include <stdint.h>

#include "cpu.h"

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint8_t mmio_read8(uint64_t addr)
{
	return *(volatile uint8_t *)addr;
}

static inline uint16_t mmio_read16(uint64_t addr)
{
	return *(volatile uint16_t *)addr;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write8(uint64_t addr, uint8_t v)
{
	*(volatile uint8_t *)addr = v;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr"
		     :
		     : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	asm volatile("cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(subleaf));
}

static inline void irq_enable(void)
{
	asm volatile("sti" : : : "memory");
}

static inline void irq_disable(void)
{
	asm volatile("cli" : : : "memory");
}

static inline uint64_t irq_save(void)
{
	uint64_t flags;

	asm volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void irq_restore(uint64_t flags)
{
	asm volatile("pushq %0; popfq" : : "r"(flags) : "memory", "cc");
}

/* Wait for an interrupt with interrupts enabled: sti takes effect after
 * the next instruction, so none can slip in between (SDM "STI"). */
static inline void wait_for_interrupt(void)
{
	asm volatile("sti; hlt" : : : "memory");
}

/*
 * One turn of a spin loop. Every SPIN_EXIT_EVERY turns on a CPU, a CPUID
 * too: a VM exit that KVM handles itself, unnoticeable on real KVM. It
 * ends any stretch for which the nested host's emulator holds its kernel's
 * timer interrupt back while this guest runs without exiting
 * (docs/testing.md, "A timer that stops while a guest spins"): without
 * it, a guest spinning until a tick comes could wait for ever, and the
 * nested host with it. Needs this_cpu(): each CPU's first C sets it.
 */
#define SPIN_EXIT_EVERY 16384u

static inline void cpu_relax(void)
{
	struct cpu *cpu = this_cpu();
	uint32_t regs[4];

	asm volatile("pause" : : : "memory");
	if (++cpu->spins % SPIN_EXIT_EVERY == 0)
		cpuid(0, 0, regs);
}

static inline void barrier(void)
{
	asm volatile("" : : : "memory");
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("movq %%cr2, %0" : "=r"(v));
	return v;
}

#endif
