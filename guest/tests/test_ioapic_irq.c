// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioapic_irq: a device interrupt travels UART -> I/O APIC -> local APIC ->
 * IDT. Enabling the UART's "transmitter holding register empty" interrupt
 * (PC16550D, IER bit 1) while the transmitter is idle raises ISA IRQ 4 at
 * once; the MADT says which I/O APIC input (GSI) that is and how it is
 * triggered. The handler reads IIR, which acknowledges the interrupt.
 */
#include <linux/serial_reg.h>

#include "idt.h"
#include "io.h"
#include "ioapic.h"
#include "lapic.h"
#include "platform.h"
#include "runner.h"
#include "serial.h"
#include "tests.h"
#include "tsc.h"

static volatile unsigned int irqs;
static volatile uint8_t iir_seen;
static volatile uint64_t arrival_tsc;

static void uart_irq(struct trap_frame *f)
{
	(void)f;
	arrival_tsc = rdtsc();
	iir_seen = serial_read_iir();
	serial_set_ier(0); /* one is enough: stop the source */
	irqs++;
	lapic_eoi();
}

static void note_ioapics(void)
{
	uint32_t id, version, gsi_base;
	unsigned int i, pins;

	for (i = 0; ioapic_describe(i, &id, &version, &gsi_base, &pins); i++)
		note("I/O APIC %u: ID %u, version 0x%x, GSIs %u-%u", i, id,
		     version & 0xff, gsi_base, gsi_base + pins - 1);
}

void test_ioapic_irq(void)
{
	uint16_t flags;
	uint32_t gsi = madt_isa_gsi(&platform.madt, SERIAL_ISA_IRQ, &flags);
	struct ioapic_route route = {
		.vector = VECTOR_IOAPIC_TEST,
		.dest_apic_id = platform.bsp_apic_id,
		.level = (flags & MPS_TRIGGER_MASK) == MPS_TRIGGER_LEVEL,
		.active_low = (flags & MPS_POLARITY_MASK) == MPS_POLARITY_LOW,
	};
	uint64_t start, end;

	note_ioapics();
	note("UART: ISA IRQ %u -> GSI %u, %s", SERIAL_ISA_IRQ, gsi,
	     route.level ? "level" : "edge");
	irqs = 0;
	irq_set_handler(VECTOR_IOAPIC_TEST, uart_irq);
	if (!check(ioapic_route(gsi, &route), "no I/O APIC input for GSI %u",
		   gsi))
		return;
	start = rdtsc();
	serial_set_ier(UART_IER_THRI);
	end = start + ns_to_tsc(1000000000ull);
	while (!irqs && (int64_t)(rdtsc() - end) < 0)
		wait_for_interrupt();
	serial_set_ier(0);
	ioapic_mask(gsi);
	irq_set_handler(VECTOR_IOAPIC_TEST, NULL);
	if (!check(irqs == 1, "%u UART interrupts arrived, expected 1", irqs))
		return;
	note("interrupt after %lu us", tsc_to_ns(arrival_tsc - start) / 1000);
	check((iir_seen & UART_IIR_ID) == UART_IIR_THRI,
	      "IIR 0x%x in the handler: THRI not pending", iir_seen);
}
