/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MADT (ACPI 6.5, 5.2.12): the CPUs' local APICs, the I/O APICs and
 * how ISA interrupts map onto I/O APIC inputs.
 */
#ifndef GUEST_MADT_H
#define GUEST_MADT_H

#include <stdbool.h>
#include <stdint.h>

#include "acpi.h"
#include "cpu.h"

#define MADT_MAX_IOAPICS 4
#define MADT_MAX_OVERRIDES 16
#define MADT_PCAT_COMPAT 1u /* flags: there are 8259 PICs to mask */

/* MPS INTI flags (5.2.12.5): polarity and trigger mode. */
#define MPS_POLARITY_MASK 0x3
#define MPS_POLARITY_LOW 0x3
#define MPS_TRIGGER_MASK 0xc
#define MPS_TRIGGER_LEVEL 0xc

struct madt_ioapic {
	uint8_t id;
	uint32_t addr;
	uint32_t gsi_base;
};

struct madt_override {
	uint8_t source; /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags; /* MPS INTI flags */
};

struct madt_info {
	uint32_t lapic_addr;
	uint32_t flags;
	unsigned int ncpus; /* enabled processors */
	uint32_t apic_ids[MAX_CPUS];
	unsigned int ncpus_listed; /* all processor entries */
	unsigned int nioapics;
	struct madt_ioapic ioapics[MADT_MAX_IOAPICS];
	unsigned int noverrides;
	struct madt_override overrides[MADT_MAX_OVERRIDES];
	const char *problem;
};

/* Parses @t (checksum already checked); false if it is unusable. */
bool madt_parse(const struct acpi_header *t, struct madt_info *m);
/* The GSI and MPS flags an ISA IRQ arrives on (identity unless
 * overridden: 5.2.12.5). */
uint32_t madt_isa_gsi(const struct madt_info *m, unsigned int irq,
		      uint16_t *flags);

#endif
