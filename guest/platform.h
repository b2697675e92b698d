/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What start-up found out about the machine, for the tests to check:
 * boot information, ACPI tables, the MADT, interrupt controllers, clocks.
 * Start-up never fails on a missing piece; the test for it does.
 */
#ifndef GUEST_PLATFORM_H
#define GUEST_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "boot_info.h"
#include "madt.h"

struct platform {
	struct boot_info boot;
	bool acpi;	/* an RSDP was found */
	bool have_madt; /* and a MADT that parsed */
	struct madt_info madt;
	bool lapic_ok; /* xAPIC enabled in IA32_APIC_BASE */
	uint64_t lapic_base;
	uint32_t bsp_apic_id;
};

extern struct platform platform;

/* Everything up to enabling interrupts; called once by guest_main. */
void platform_init(unsigned int entry, uint64_t boot_structure);

#endif
