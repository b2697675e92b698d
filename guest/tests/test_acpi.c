// SPDX-License-Identifier: GPL-2.0-only
/*
 * acpi: the RSDP is found (where the loader said, or by the ACPI 6.5
 * 5.2.5.1 scan), its checksums are right, and so is the checksum of the
 * root table and of every table it lists, plus the DSDT. A hardware-reduced
 * x86 machine like vigil's needs at least an FADT, a MADT and a DSDT.
 */
#include "acpi.h"
#include "runner.h"
#include "string.h"
#include "tests.h"

static void note_table(const struct acpi_table *t)
{
	note("%s at 0x%lx, %u bytes, checksum %s", t->signature, t->addr,
	     t->length, t->checksum_ok ? "ok" : "BAD");
	check(t->checksum_ok, "%s at 0x%lx: bad checksum", t->signature,
	      t->addr);
}

void test_acpi(void)
{
	const struct acpi_info *a = acpi_get_info();
	static const char *const required[] = { "FACP", "APIC", "DSDT" };
	unsigned int i;

	if (!check(a->rsdp, "no RSDP (%s)", a->rsdp_source))
		return;
	note("RSDP at 0x%lx from %s, revision %u", a->rsdp, a->rsdp_source,
	     a->revision);
	check(a->rsdp_checksum_ok, "RSDP checksum");
	if (a->revision >= 2)
		check(a->rsdp_ext_checksum_ok, "RSDP extended checksum");
	check(!a->problem, "tables: %s", a->problem);
	if (!a->root.length)
		return;
	note_table(&a->root);
	for (i = 0; i < a->ntables; i++)
		note_table(&a->tables[i]);
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		check(acpi_find(required[i]), "no valid %s table", required[i]);
}
