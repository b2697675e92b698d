// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-mmio device discovery. ACPI: each device is a DSDT Device with
 * _HID "LNRO0005" (the ID Linux's virtio_mmio driver matches), a
 * Memory32Fixed window and an Interrupt. Command line: Linux
 * Documentation/admin-guide/kernel-parameters.txt, virtio_mmio.device=
 * <size>@<baseaddr>:<irq>[:<id>], size with an optional K/M/G suffix.
 */
#include "acpi.h"
#include "aml.h"
#include "cmdline.h"
#include "devices.h"
#include "string.h"

#define VIRTIO_MMIO_HID "LNRO0005"

static struct device_list from_dsdt, from_cmdline;
static bool discovered;

bool devices_parse_cmdline_entry(const char *s, struct mmio_device *d)
{
	uint64_t size, base, irq, id;
	const char *p;

	*d = (struct mmio_device){ .uid = -1 };
	if (!parse_size(s, &p, &size) || *p != '@' ||
	    !parse_u64(p + 1, &p, &base) || *p != ':' ||
	    !parse_u64(p + 1, &p, &irq))
		return false;
	/* The optional platform-device id is accepted and ignored. */
	if (*p == ':' && !parse_u64(p + 1, &p, &id))
		return false;
	if (*p || size == 0 || base + size < base || irq > UINT32_MAX)
		return false;
	d->base = base;
	d->size = size;
	d->gsi = (uint32_t)irq;
	/* Linux registers these as edge-triggered, active-high IRQs. */
	return true;
}

static void discover_cmdline(void)
{
	const char *s;
	unsigned int i;

	for (i = 0; (s = param_nth("virtio_mmio.device", i)); i++) {
		if (from_cmdline.n == MAX_MMIO_DEVICES) {
			from_cmdline.problem = "too many virtio_mmio.device=";
			return;
		}
		if (!devices_parse_cmdline_entry(
			    s, &from_cmdline.dev[from_cmdline.n])) {
			from_cmdline.problem = "malformed virtio_mmio.device=";
			continue;
		}
		from_cmdline.n++;
	}
}

static void discover_dsdt(void)
{
	const struct acpi_header *dsdt = acpi_find("DSDT");

	if (!dsdt) {
		from_dsdt.problem = "no DSDT";
		return;
	}
	from_dsdt.problem = aml_find_devices((const uint8_t *)(dsdt + 1),
					     dsdt->length - sizeof(*dsdt),
					     VIRTIO_MMIO_HID, &from_dsdt);
}

void devices_discover(void)
{
	if (discovered)
		return;
	discovered = true;
	discover_dsdt();
	discover_cmdline();
}

const struct device_list *devices_from_dsdt(void)
{
	devices_discover();
	return &from_dsdt;
}

const struct device_list *devices_from_cmdline(void)
{
	devices_discover();
	return &from_cmdline;
}

const struct device_list *devices_all(void)
{
	devices_discover();
	return from_dsdt.n ? &from_dsdt : &from_cmdline;
}
