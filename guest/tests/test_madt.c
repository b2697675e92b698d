// SPDX-License-Identifier: GPL-2.0-only
/*
 * madt: the MADT parses; it lists as many enabled local APICs as the VM
 * has vCPUs (cpus=N), the bootstrap processor's among them; its LAPIC
 * address is the one IA32_APIC_BASE reports; it has an I/O APIC.
 */
#include "cmdline.h"
#include "platform.h"
#include "runner.h"
#include "tests.h"

static void note_contents(const struct madt_info *m)
{
	unsigned int i;

	note("local APIC at 0x%x, flags 0x%x, %u of %u processors enabled",
	     m->lapic_addr, m->flags, m->ncpus, m->ncpus_listed);
	for (i = 0; i < m->ncpus && i < MAX_CPUS; i++)
		note("cpu %u: APIC ID %u", i, m->apic_ids[i]);
	for (i = 0; i < m->nioapics; i++)
		note("I/O APIC %u at 0x%x, GSI base %u", m->ioapics[i].id,
		     m->ioapics[i].addr, m->ioapics[i].gsi_base);
	for (i = 0; i < m->noverrides; i++)
		note("ISA IRQ %u -> GSI %u, flags 0x%x", m->overrides[i].source,
		     m->overrides[i].gsi, m->overrides[i].flags);
}

static bool lists_apic_id(const struct madt_info *m, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < m->ncpus && i < MAX_CPUS; i++) {
		if (m->apic_ids[i] == id)
			return true;
	}
	return false;
}

void test_madt(void)
{
	const struct madt_info *m = &platform.madt;
	uint64_t want_cpus = param_u64("cpus", 0);

	if (!check(platform.have_madt, "no usable MADT"))
		return;
	note_contents(m);
	check(!m->problem, "MADT: %s", m->problem);
	if (want_cpus)
		check(m->ncpus == want_cpus,
		      "MADT lists %u enabled CPUs, cpus=%lu", m->ncpus,
		      want_cpus);
	else
		note("no cpus= on the command line: count not compared");
	check(lists_apic_id(m, platform.bsp_apic_id),
	      "the BSP's APIC ID %u is not in the MADT", platform.bsp_apic_id);
	check(platform.lapic_ok, "IA32_APIC_BASE: APIC off or in x2APIC mode");
	check(m->lapic_addr == platform.lapic_base,
	      "MADT LAPIC address 0x%x, IA32_APIC_BASE 0x%lx", m->lapic_addr,
	      platform.lapic_base);
	check(m->nioapics >= 1, "no I/O APIC in the MADT");
}
