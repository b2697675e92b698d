/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interrupt descriptor table: exceptions are reported and thrown to the
 * current guard (guard.h); interrupt vectors call the handler registered
 * for them.
 */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include <stdint.h>

/* Vectors the guest uses (exceptions occupy 0-31). */
#define VECTOR_LAPIC_TIMER 0x20
#define VECTOR_IPI_TEST 0x21
#define VECTOR_IOAPIC_TEST 0x30
#define VECTOR_DEVICE_BASE 0x40 /* virtio devices: 0x40 + index */
#define VECTOR_SPURIOUS 0xff

/* What isr.S pushes, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	/* pushed by the CPU (SDM Vol. 3A, 6.14.2 "64-Bit Mode Stack Frame") */
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*irq_handler_t)(struct trap_frame *f);

/* Fills the table (once, on the BSP). */
void idt_init(void);
/* Loads it on the calling CPU. */
void idt_load(void);
void irq_set_handler(unsigned int vector, irq_handler_t handler);
void trap_dispatch(struct trap_frame *f);

#endif
