// SPDX-License-Identifier: GPL-2.0-only
#include "devices/pm.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/layout.h"
#include "lib/log.h"

/* ACPI 6.4, 4.8.3.7 Sleep Control Register: SLP_EN and SLP_TYPx. */
#define ACPI_SLP_EN (1u << 5)
#define ACPI_SLP_TYP_SHIFT 2
#define ACPI_SLP_TYP_MASK 0x7u
/* The i8042 command that pulses the CPU reset line. */
#define I8042_CMD_RESET_CPU 0xfeu

/* The ACPI registers are one window, indexed by their port numbers. */
#define ACPI_NR_PORTS 3u
_Static_assert(ACPI_SLEEP_STATUS_PORT == ACPI_SLEEP_CONTROL_PORT + 1 &&
		       ACPI_RESET_PORT == ACPI_SLEEP_CONTROL_PORT + 2,
	       "ACPI ports must be contiguous");

static void pm_event(struct pm *pm, enum pm_event ev, unsigned int status)
{
	pm->handler.event(pm->handler.opaque, ev, status);
}

static void bad_access(const char *dev, const char *what, uint64_t offset,
		       unsigned int size)
{
	guest_error("%s: %u-byte %s at offset 0x%llx ignored", dev, size, what,
		    (unsigned long long)offset);
}

static void acpi_write_sleep_control(struct pm *pm, uint8_t val)
{
	unsigned int typ = (val >> ACPI_SLP_TYP_SHIFT) & ACPI_SLP_TYP_MASK;

	if (!(val & ACPI_SLP_EN))
		return;
	if (typ == ACPI_S5_SLP_TYP)
		pm_event(pm, PM_POWEROFF, 0);
	else
		log_unimp("acpi: sleep type %u not supported", typ);
}

static uint64_t acpi_read(void *opaque, uint64_t offset, unsigned int size)
{
	(void)opaque;
	if (size != 1 || offset >= ACPI_NR_PORTS)
		bad_access("acpi", "read", offset, size);
	/* Sleep control and reset are write-only; no wake ever happened. */
	return 0;
}

static void acpi_write(void *opaque, uint64_t offset, unsigned int size,
		       uint64_t value)
{
	struct pm *pm = opaque;

	if (size != 1 || offset >= ACPI_NR_PORTS) {
		bad_access("acpi", "write", offset, size);
		return;
	}
	switch (ACPI_SLEEP_CONTROL_PORT + offset) {
	case ACPI_SLEEP_CONTROL_PORT:
		acpi_write_sleep_control(pm, (uint8_t)value);
		break;
	case ACPI_SLEEP_STATUS_PORT:
		/* WAK_STS is write-1-to-clear and never set. */
		break;
	default: /* ACPI_RESET_PORT */
		if (value == ACPI_RESET_VALUE)
			pm_event(pm, PM_RESET, 0);
		else
			guest_error("acpi: reset register value 0x%x is not "
				    "0x%x; ignored",
				    (unsigned int)value, ACPI_RESET_VALUE);
		break;
	}
}

static uint64_t i8042_read(void *opaque, uint64_t offset, unsigned int size)
{
	(void)opaque;
	if (size != 1 || offset != 0)
		bad_access("i8042", "read", offset, size);
	/* Status: OBF and IBF clear. Data: nothing was ever queued. */
	return 0;
}

static void i8042_write_data(void *opaque, uint64_t offset, unsigned int size,
			     uint64_t value)
{
	(void)opaque;
	if (size != 1 || offset != 0) {
		bad_access("i8042", "data write", offset, size);
		return;
	}
	log_unimp("i8042: data 0x%x ignored", (unsigned int)value);
}

static void i8042_write_command(void *opaque, uint64_t offset,
				unsigned int size, uint64_t value)
{
	struct pm *pm = opaque;

	if (size != 1 || offset != 0) {
		bad_access("i8042", "command write", offset, size);
		return;
	}
	if (value == I8042_CMD_RESET_CPU)
		pm_event(pm, PM_RESET, 0);
	else
		log_unimp("i8042: command 0x%x ignored", (unsigned int)value);
}

static bool debug_exit_access_valid(uint64_t offset, unsigned int size)
{
	return offset == 0 && (size == 1 || size == 2 || size == 4);
}

static uint64_t debug_exit_read(void *opaque, uint64_t offset,
				unsigned int size)
{
	(void)opaque;
	if (!debug_exit_access_valid(offset, size))
		bad_access("debug-exit", "read", offset, size);
	return 0;
}

static void debug_exit_write(void *opaque, uint64_t offset, unsigned int size,
			     uint64_t value)
{
	struct pm *pm = opaque;

	if (!debug_exit_access_valid(offset, size)) {
		bad_access("debug-exit", "write", offset, size);
		return;
	}
	/* V's bits above bit 6 shift out of the 8-bit status. */
	pm_event(pm, PM_DEBUG_EXIT, ((value << 1) | 1) & 0xff);
}

static const struct bus_ops acpi_ops = {
	.read = acpi_read,
	.write = acpi_write,
};

static const struct bus_ops i8042_data_ops = {
	.read = i8042_read,
	.write = i8042_write_data,
};

static const struct bus_ops i8042_command_ops = {
	.read = i8042_read,
	.write = i8042_write_command,
};

static const struct bus_ops debug_exit_ops = {
	.read = debug_exit_read,
	.write = debug_exit_write,
};

int pm_init(struct pm *pm, const struct pm_handler *h)
{
	if (!h || !h->event)
		return -EINVAL;
	pm->handler = *h;
	return 0;
}

int pm_register(struct pm *pm, struct bus *pio)
{
	static const struct {
		uint64_t base;
		uint64_t len;
		const struct bus_ops *ops;
		const char *name;
	} windows[] = {
		{ ACPI_SLEEP_CONTROL_PORT, ACPI_NR_PORTS, &acpi_ops, "acpi" },
		{ I8042_DATA_PORT, 1, &i8042_data_ops, "i8042-data" },
		{ I8042_COMMAND_PORT, 1, &i8042_command_ops, "i8042-command" },
		{ DEBUG_EXIT_PORT, DEBUG_EXIT_NR_PORTS, &debug_exit_ops,
		  "debug-exit" },
	};

	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		int ret = bus_register(pio, windows[i].base, windows[i].len,
				       windows[i].ops, pm, windows[i].name);

		if (ret)
			return ret;
	}
	return 0;
}
