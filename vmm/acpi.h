/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ACPI tables of a vigil machine: RSDP, XSDT, FADT (hardware-reduced, with
 * sleep control/status and reset registers), MADT (one local APIC per vCPU,
 * the IOAPIC) and a DSDT describing the serial port, one "LNRO0005"
 * virtio-mmio device per window (as QEMU's microvm does) and \_S5.
 */
#ifndef VIGIL_ACPI_H
#define VIGIL_ACPI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/layout.h"

struct acpi_virtio_dev {
	uint64_t base; /* MMIO window; base + size must stay below 4 GiB */
	uint32_t size;
	uint32_t gsi; /* IOAPIC input, edge-triggered (irqfd) */
};

struct acpi_config {
	unsigned int nr_cpus; /* 1..255: APIC ids 0..nr_cpus-1 */
	unsigned int nr_virtio;
	struct acpi_virtio_dev virtio[VIRTIO_MMIO_MAX];
};

/*
 * Build all tables into buf, which the guest will see at gpa_base (tables
 * point at each other by physical address; gpa_base must be 16-byte aligned
 * for the RSDP). RSDP first, at buf[0]. Returns the total length used, or
 * negative errno (-ENOSPC when buf is too small, -EINVAL for a bad config,
 * e.g. nr_cpus 0 or > 255).
 */
ssize_t acpi_build(const struct acpi_config *cfg, uint64_t gpa_base, void *buf,
		   size_t buf_size);

/*
 * Write each table as its own file into dir (created if missing): rsdp.dat,
 * xsdt.dat, facp.dat, apic.dat, dsdt.dat (raw binary tables as acpidump -b
 * would write them, so `iasl -d` and `acpiexec -b ...` work on them; iasl
 * 20200925 disassembles all but the RSDP, acpiexec loads all but the RSDP).
 * The tables are built for ACPI_TABLES_ADDR. Returns 0 or negative errno;
 * log_error names the file on failure.
 */
int acpi_dump(const struct acpi_config *cfg, const char *dir);

#endif
