// SPDX-License-Identifier: GPL-2.0-only
/*
 * FADT fields (ACPI 6.5, Table 5.9): Flags at byte 112, RESET_REG at 116,
 * RESET_VALUE at 128, SLEEP_CONTROL_REG at 244 and SLEEP_STATUS_REG at 256
 * (FADT revision 5 and later; older, shorter tables have neither). Flag
 * bits: Table 5.10, RESET_REG_SUP bit 10, HW_REDUCED_ACPI bit 20. The
 * table comes from the VMM: a field is read only if the table holds it.
 */
#include "acpi.h"
#include "fadt.h"
#include "io.h"
#include "print.h"
#include "string.h"

#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_SLEEP_CONTROL_REG 244
#define FADT_SLEEP_STATUS_REG 256
#define FADT_FLAG_RESET_REG_SUP (1u << 10)
#define FADT_FLAG_HW_REDUCED_ACPI (1u << 20)

/* Copies @len bytes at @offset if the table is that long. */
static bool field(const struct acpi_header *h, uint32_t offset, void *out,
		  uint32_t len)
{
	if (h->length < offset + len)
		return false;
	memcpy(out, (const uint8_t *)h + offset, len);
	return true;
}

const char *fadt_read(struct fadt_info *f)
{
	const struct acpi_header *h = acpi_find("FACP");
	uint32_t flags = 0;

	memset(f, 0, sizeof(*f));
	if (!h)
		return "no FADT (FACP) with a good checksum";
	if (!field(h, FADT_FLAGS, &flags, 4))
		return "FADT too short for Flags";
	f->hw_reduced = flags & FADT_FLAG_HW_REDUCED_ACPI;
	f->reset_supported = flags & FADT_FLAG_RESET_REG_SUP;
	field(h, FADT_RESET_REG, &f->reset_reg, sizeof(f->reset_reg));
	field(h, FADT_RESET_VALUE, &f->reset_value, 1);
	field(h, FADT_SLEEP_CONTROL_REG, &f->sleep_control,
	      sizeof(f->sleep_control));
	field(h, FADT_SLEEP_STATUS_REG, &f->sleep_status,
	      sizeof(f->sleep_status));
	return NULL;
}

/* The access width in bytes: Access Size if given, else the register's
 * bit width (5.2.3.2: 0 means "undefined (legacy reasons)"). */
static unsigned int gas_width(const struct acpi_gas *g)
{
	if (g->access_size >= 1 && g->access_size <= 4)
		return 1u << (g->access_size - 1);
	switch (g->bit_width) {
	case 8:
		return 1;
	case 16:
		return 2;
	case 32:
		return 4;
	case 64:
		return 8;
	default:
		return 0;
	}
}

const char *gas_write(const struct acpi_gas *g, uint64_t value)
{
	unsigned int width = gas_width(g);

	if (!g->address)
		return "register address 0";
	if (!width || g->bit_offset >= 64)
		return "register width undefined";
	value <<= g->bit_offset;
	if (g->space_id == ACPI_GAS_IO) {
		if (g->address > 0xffff || width == 8)
			return "I/O register out of range";
		if (width == 1)
			outb((uint16_t)g->address, (uint8_t)value);
		else if (width == 2)
			outw((uint16_t)g->address, (uint16_t)value);
		else
			outl((uint16_t)g->address, (uint32_t)value);
		return NULL;
	}
	if (g->space_id != ACPI_GAS_MEMORY)
		return "neither memory nor I/O space";
	/* Only the low 4 GiB are mapped (uncached from 3 GiB: MMIO). */
	if (g->address >= 0x100000000ull - width)
		return "memory register above 4 GiB";
	if (width == 1)
		*(volatile uint8_t *)g->address = (uint8_t)value;
	else if (width == 2)
		*(volatile uint16_t *)g->address = (uint16_t)value;
	else if (width == 4)
		*(volatile uint32_t *)g->address = (uint32_t)value;
	else
		*(volatile uint64_t *)g->address = value;
	return NULL;
}

const char *gas_describe(const struct acpi_gas *g)
{
	static char buf[48];
	const char *space = "space?";

	if (g->space_id == ACPI_GAS_IO)
		space = "I/O";
	else if (g->space_id == ACPI_GAS_MEMORY)
		space = "memory";
	snprintf(buf, sizeof(buf), "%s 0x%lx", space, g->address);
	return buf;
}
