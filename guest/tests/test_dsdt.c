// SPDX-License-Identifier: GPL-2.0-only
/*
 * dsdt: the AML reader finds the LNRO0005 (virtio-mmio) devices in the
 * DSDT with their windows and interrupts, and each window answers with the
 * virtio-mmio magic value (virtio 1.2, 4.2.2). Devices named on the command
 * line (virtio_mmio.device=) parse, and match a DSDT device when there is
 * one. With mmio_devs=N, exactly N devices must be found.
 */
#include <linux/virtio_mmio.h>

#include "cmdline.h"
#include "devices.h"
#include "io.h"
#include "platform.h"
#include "runner.h"
#include "tests.h"

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt", little-endian */

static void check_window(const struct mmio_device *d)
{
	uint32_t magic, version, id;

	if (!check(d->size >= VIRTIO_MMIO_CONFIG && d->base < 0x100000000ull &&
			   d->base + d->size <= 0x100000000ull,
		   "window 0x%lx+0x%lx: not a usable virtio-mmio window",
		   d->base, d->size))
		return;
	magic = mmio_read32(d->base + VIRTIO_MMIO_MAGIC_VALUE);
	version = mmio_read32(d->base + VIRTIO_MMIO_VERSION);
	id = mmio_read32(d->base + VIRTIO_MMIO_DEVICE_ID);
	note("  magic 0x%x, version %u, device ID %u", magic, version, id);
	check(magic == VIRTIO_MMIO_MAGIC, "window 0x%lx: magic 0x%x", d->base,
	      magic);
}

static void note_device(const char *from, const struct mmio_device *d)
{
	note("%s %s uid %ld: window 0x%lx+0x%lx, GSI %u %s %s", from,
	     d->name[0] ? d->name : "-", (long)d->uid, d->base, d->size, d->gsi,
	     d->level ? "level" : "edge",
	     d->active_low ? "active-low" : "active-high");
}

static bool in_dsdt(const struct device_list *dsdt, const struct mmio_device *d)
{
	unsigned int i;

	for (i = 0; i < dsdt->n; i++) {
		if (dsdt->dev[i].base == d->base &&
		    dsdt->dev[i].size == d->size && dsdt->dev[i].gsi == d->gsi)
			return true;
	}
	return false;
}

void test_dsdt(void)
{
	const struct device_list *dsdt = devices_from_dsdt();
	const struct device_list *cmd = devices_from_cmdline();
	uint64_t expected = param_u64("mmio_devs", UINT64_MAX);
	unsigned int i;

	if (platform.acpi)
		check(!dsdt->problem, "DSDT: %s", dsdt->problem);
	note("%u LNRO0005 device(s) in the DSDT, %u on the command line",
	     dsdt->n, cmd->n);
	for (i = 0; i < dsdt->n; i++) {
		note_device("DSDT", &dsdt->dev[i]);
		check(dsdt->dev[i].gsi != UINT32_MAX, "%s: no interrupt",
		      dsdt->dev[i].name);
		check_window(&dsdt->dev[i]);
	}
	check(!cmd->problem, "command line: %s", cmd->problem);
	for (i = 0; i < cmd->n; i++) {
		note_device("cmdline", &cmd->dev[i]);
		if (dsdt->n)
			check(in_dsdt(dsdt, &cmd->dev[i]),
			      "virtio_mmio.device at 0x%lx is not in the DSDT",
			      cmd->dev[i].base);
		else
			check_window(&cmd->dev[i]);
	}
	if (expected != UINT64_MAX)
		check(devices_all()->n == expected,
		      "found %u virtio-mmio devices, mmio_devs=%lu",
		      devices_all()->n, expected);
}
