/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port-I/O and MMIO dispatch. A device registers a window [base, base+len)
 * with an ops table; a vCPU exit is routed to the window that contains the
 * access, with the offset into the window and the access width. The device
 * validates offset and width itself (they are guest-controlled) and owns its
 * locking: vCPU threads call these ops concurrently.
 *
 * An access no window claims reads as all-ones and is logged under -d unimp.
 */
#ifndef VIGIL_BUS_H
#define VIGIL_BUS_H

#include <stdbool.h>
#include <stdint.h>

struct bus_ops {
	/* size is 1, 2, 4 or 8; the result is zero-extended little-endian. */
	uint64_t (*read)(void *opaque, uint64_t offset, unsigned int size);
	void (*write)(void *opaque, uint64_t offset, unsigned int size,
		      uint64_t value);
};

struct bus_window {
	uint64_t base;
	uint64_t len;
	const struct bus_ops *ops;
	void *opaque;
	const char *name;
};

#define BUS_MAX_WINDOWS 32

struct bus {
	const char *name; /* "pio" or "mmio", for log lines */
	struct bus_window windows[BUS_MAX_WINDOWS];
	unsigned int nr_windows;
};

void bus_init(struct bus *bus, const char *name);
/* -EINVAL on empty/overflowing/overlapping windows, -ENOSPC when full. */
int bus_register(struct bus *bus, uint64_t base, uint64_t len,
		 const struct bus_ops *ops, void *opaque, const char *name);
/*
 * Dispatch an access of size bytes (1..8) at addr. data is the exit's byte
 * buffer, little-endian. Returns false when no window claims the access
 * (reads then fill data with 0xff).
 */
bool bus_read(const struct bus *bus, uint64_t addr, void *data,
	      unsigned int size);
bool bus_write(const struct bus *bus, uint64_t addr, const void *data,
	       unsigned int size);

#endif
