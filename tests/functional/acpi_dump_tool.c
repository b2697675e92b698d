// SPDX-License-Identifier: GPL-2.0-only
/*
 * acpi-dump-tool DIR NR_CPUS NR_VIRTIO: write vigil's ACPI tables for a
 * machine with NR_CPUS vCPUs and NR_VIRTIO virtio-mmio devices (windows and
 * IRQs laid out as lib/layout.h says) into DIR, through acpi_dump(). The
 * functional test test_acpi_tools.py checks them with ACPICA's iasl and
 * acpiexec.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/layout.h"
#include "vmm/acpi.h"

static int parse_count(const char *s, unsigned long max, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct acpi_config cfg = { 0 };
	unsigned int i;

	if (argc != 4 || parse_count(argv[2], 1000, &cfg.nr_cpus) ||
	    parse_count(argv[3], VIRTIO_MMIO_MAX, &cfg.nr_virtio)) {
		fprintf(stderr, "usage: %s DIR NR_CPUS NR_VIRTIO(0..%u)\n",
			argv[0], VIRTIO_MMIO_MAX);
		return 2;
	}
	for (i = 0; i < cfg.nr_virtio; i++) {
		cfg.virtio[i].base = VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_SIZE;
		cfg.virtio[i].size = VIRTIO_MMIO_SIZE;
		cfg.virtio[i].gsi = VIRTIO_IRQ_BASE + i;
	}
	return acpi_dump(&cfg, argv[1]) ? 1 : 0;
}
