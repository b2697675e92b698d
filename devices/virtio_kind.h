/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A kind of virtio device, as the machine sees it: the option that adds
 * one, how to build one from that option's argument, its device-ops table
 * for the transport, and what it must do before a snapshot. Each kind's
 * table lives in its device's own file (virtio_blk_kind in virtio_blk.c);
 * the machine puts each device it builds in a slot (vmm/virtio_slot.h),
 * which does the wiring every kind shares.
 */
#ifndef VIGIL_VIRTIO_KIND_H
#define VIGIL_VIRTIO_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct virtio_dev_ops;

struct virtio_kind {
	const char *name;   /* "blk": device names, messages */
	const char *option; /* "drive": --drive SPEC adds one */
	const char *usage;  /* the option's lines in --help */
	bool arg_optional;  /* --rng alone, or --rng=SPEC */
	const struct virtio_dev_ops *ops;
	/*
	 * Check the option's argument without acting on it (--dump-acpi
	 * builds no device but refuses what vigil would): 0, or a negative
	 * errno with a reason in err.
	 */
	int (*check_spec)(const char *spec, char *err, size_t errlen);
	/*
	 * Build a device from the option's argument (untrusted: the user's).
	 * index numbers the devices of this kind from 0; name ("virtio-blk0")
	 * outlives the device. NULL with a one-line reason in err.
	 */
	void *(*create)(const char *spec, unsigned int index, const char *name,
			char *err, size_t errlen);
	void (*destroy)(void *dev);
	/*
	 * Before a snapshot: make what the device completed durable. 0 or a
	 * negative errno. NULL when there is nothing to do.
	 */
	int (*quiesce)(void *dev);
	/*
	 * Nanoseconds until the device wants its queues served again with
	 * no notification (a rate limit that has refilled), or 0. NULL:
	 * never. Called on the I/O thread, outside the device lock.
	 */
	uint64_t (*wait_ns)(void *dev);
	/* System calls the I/O thread makes for this kind (vmm/sandbox.c). */
	const int *io_syscalls;
	unsigned int nr_io_syscalls;
};

#endif
