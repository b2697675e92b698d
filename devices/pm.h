/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine's power-management ports: how a guest powers off, resets or
 * ends a test run. Each group of ports is one ops table on the PIO bus:
 *
 *   ACPI_SLEEP_CONTROL_PORT  ACPI hardware-reduced sleep control register:
 *                            SLP_EN with SLP_TYP == ACPI_S5_SLP_TYP powers
 *                            off; other sleep types are not supported and
 *                            ignored. Reads 0.
 *   ACPI_SLEEP_STATUS_PORT   sleep status: reads 0 (WAK_STS clear: the
 *                            machine never sleeps, so never wakes); writes
 *                            ignored.
 *   ACPI_RESET_PORT          reset register: ACPI_RESET_VALUE resets.
 *   I8042_COMMAND_PORT       i8042 command 0xfe (pulse the reset line)
 *                            resets; other commands are ignored. Reads a
 *                            status of 0: no data waiting and ready for a
 *                            command, so a driver's wait loops end at once
 *                            and its probe, never answered, gives up.
 *   I8042_DATA_PORT          reads 0; writes ignored.
 *   DEBUG_EXIT_PORT          QEMU isa-debug-exit (4 ports, accesses of 1, 2
 *                            or 4 bytes at the first): writing V ends the
 *                            run with exit status ((V << 1) | 1) & 0xff, as
 *                            exit() would truncate it, so only V's low 7
 *                            bits matter. Reads 0.
 *
 * The devices do not stop anything themselves: they report a pm_event to
 * the VMM's handler, which stops the vCPUs and exits from main. Accesses of
 * the wrong width or at an unknown offset are logged under -d guest_errors
 * and ignored. The devices hold no mutable state, hence no lock.
 */
#ifndef VIGIL_PM_H
#define VIGIL_PM_H

#include "devices/bus.h"

#define I8042_DATA_PORT 0x60u
#define DEBUG_EXIT_NR_PORTS 4u

enum pm_event {
	PM_POWEROFF,   /* status 0 */
	PM_RESET,      /* status 0 */
	PM_DEBUG_EXIT, /* status: the exit status, 0..255 */
};

struct pm_handler {
	/*
	 * Called on the vCPU thread that made the request, with no device
	 * lock held; possibly from several vCPUs at once and more than once
	 * (a guest may repeat the request before it is stopped).
	 */
	void (*event)(void *opaque, enum pm_event ev, unsigned int status);
	void *opaque;
};

struct pm {
	struct pm_handler handler;
};

/* handler is copied. -EINVAL when it has no event callback. */
int pm_init(struct pm *pm, const struct pm_handler *h);
/*
 * Register every window above on the PIO bus. Returns 0 or bus_register()'s
 * negative errno; on error some windows may already be registered.
 */
int pm_register(struct pm *pm, struct bus *pio);

#endif
