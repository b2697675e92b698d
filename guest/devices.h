/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-mmio devices of the machine, as two lists: what the DSDT
 * describes (LNRO0005 devices) and what the command line names with
 * virtio_mmio.device=SIZE@BASE:IRQ (Firecracker, kvmtool).
 */
#ifndef GUEST_DEVICES_H
#define GUEST_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_MMIO_DEVICES 16

struct mmio_device {
	uint64_t base;
	uint64_t size;
	uint32_t gsi;
	bool level;	 /* level-triggered (else edge) */
	bool active_low; /* else active high */
	char name[5];	 /* AML device name, "" from the command line */
	int64_t uid;	 /* _UID, -1 if none */
};

struct device_list {
	unsigned int n;
	struct mmio_device dev[MAX_MMIO_DEVICES];
	const char *problem; /* parse error, or NULL */
};

/* Finds them (once; later calls return the same lists). */
void devices_discover(void);
const struct device_list *devices_from_dsdt(void);
const struct device_list *devices_from_cmdline(void);
/* The devices a driver should use: the DSDT's, else the command line's. */
const struct device_list *devices_all(void);

/* One virtio_mmio.device= value; false if malformed. */
bool devices_parse_cmdline_entry(const char *s, struct mmio_device *d);

#endif
