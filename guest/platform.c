// SPDX-License-Identifier: GPL-2.0-only
#include "acpi.h"
#include "cpu.h"
#include "ioapic.h"
#include "lapic.h"
#include "pic.h"
#include "platform.h"
#include "print.h"
#include "timer.h"
#include "tsc.h"

struct platform platform;

static void find_tables(void)
{
	const struct acpi_header *madt;

	platform.acpi =
		acpi_init(platform.boot.rsdp, platform.boot.rsdp_source);
	madt = acpi_find("APIC");
	platform.have_madt = madt && madt_parse(madt, &platform.madt);
}

static void start_interrupts(void)
{
	/* ACPI says to mask the 8259s when it reports them; masking
	 * absent ones is harmless, so do it whenever in doubt. */
	if (!platform.have_madt || (platform.madt.flags & MADT_PCAT_COMPAT))
		pic_mask_all();
	platform.lapic_ok = lapic_probe(&platform.lapic_base);
	lapic_enable();
	platform.bsp_apic_id = lapic_id();
	cpus[0].apic_id = platform.bsp_apic_id;
	ioapic_init(platform.have_madt ? &platform.madt : NULL);
}

void platform_init(unsigned int entry, uint64_t boot_structure)
{
	boot_info_read(entry, boot_structure, &platform.boot);
	find_tables();
	start_interrupts();
	tsc_calibrate();
	timer_init();
}
