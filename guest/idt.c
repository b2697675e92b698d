// SPDX-License-Identifier: GPL-2.0-only
/*
 * 64-bit IDT (SDM Vol. 3A, 6.14.1 "64-Bit Mode IDT"): 256 interrupt gates
 * on the entry stubs of isr.S. An interrupt gate clears IF on entry, so
 * handlers run with interrupts off.
 */
#include <stdbool.h>
#include <stddef.h>

#include "boot.h"
#include "cpu.h"
#include "exit.h"
#include "guard.h"
#include "idt.h"
#include "io.h"
#include "lapic.h"
#include "print.h"

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr; /* P, DPL, type */
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

#define GATE_INTERRUPT_64 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define ISR_STUB_SIZE 16

extern const char isr_stubs[];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler_t handlers[256];

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "22",	 "23",
	"24",  "25",  "26",  "27",  "#HV", "#VC", "#SX", "31",
};

void idt_init(void)
{
	unsigned int v;

	for (v = 0; v < 256; v++) {
		uint64_t addr = (uint64_t)(isr_stubs + v * ISR_STUB_SIZE);

		idt[v] = (struct idt_gate){
			.offset_low = (uint16_t)addr,
			.selector = BOOT_CS64,
			.type_attr = GATE_INTERRUPT_64,
			.offset_mid = (uint16_t)(addr >> 16),
			.offset_high = (uint32_t)(addr >> 32),
		};
	}
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) desc = { sizeof(idt) - 1, (uint64_t)idt };

	asm volatile("lidt %0" : : "m"(desc));
}

void irq_set_handler(unsigned int vector, irq_handler_t handler)
{
	if (vector >= 32 && vector < 256)
		handlers[vector] = handler;
}

/* Reports the exception; returns to the innermost guard if there is one. */
static void handle_exception(struct trap_frame *f)
{
	struct cpu *cpu = this_cpu();
	struct guard *g = cpu->guard;
	struct trap_info info = {
		.vector = f->vector,
		.error = f->error,
		.rip = f->rip,
		.cr2 = f->vector == 14 ? read_cr2() : 0,
	};

	printf("# cpu %u: exception %lu (%s) at rip 0x%lx, error 0x%lx, "
	       "cr2 0x%lx\n",
	       cpu->index, info.vector, exception_names[info.vector], info.rip,
	       info.error, info.cr2);
	if (g) {
		g->trap = info;
		guard_throw(g, GUARD_EXCEPTION);
	}
	if (cpu->index == 0) {
		printf("vigil-test-guest: fatal exception outside any test\n");
		vm_exit(EXIT_FAIL);
	}
	/* An application processor with nothing to return to stops. */
	for (;;)
		asm volatile("cli; hlt");
}

void trap_dispatch(struct trap_frame *f)
{
	f->vector &= 0xff; /* the stubs push it sign-extended */
	if (f->vector < 32) {
		handle_exception(f);
		return;
	}
	if (f->vector == VECTOR_SPURIOUS)
		return; /* no EOI for it (SDM Vol. 3A, "Spurious Interrupt") */
	if (handlers[f->vector]) {
		handlers[f->vector](f);
		return;
	}
	printf("# cpu %u: unexpected interrupt, vector 0x%lx\n",
	       this_cpu()->index, f->vector);
	lapic_eoi();
}
