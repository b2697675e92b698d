/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-mmio transport, modern interface only (virtio 1.2, 4.2.2:
 * Version 2). A device is driven through these calls in the order of
 * 3.1.1 "Driver Requirements: Device Initialization":
 *
 *	virtio_mmio_probe -> virtio_mmio_negotiate -> virtio_mmio_setup_queue
 *	-> virtio_mmio_driver_ok ... virtio_mmio_reset
 */
#ifndef GUEST_VIRTIO_MMIO_H
#define GUEST_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "devices.h"

struct virtq;

struct virtio_mmio {
	uint64_t base;
	const struct mmio_device *desc; /* where it was found */
	uint32_t device_id;
	uint32_t vendor_id;
	uint64_t device_features;
	uint64_t features; /* negotiated */
	/* Completion by interrupt: virtio_mmio_use_interrupts(). */
	bool irq_mode;
	unsigned int vector;
	volatile unsigned int irqs; /* interrupts taken */
};

/* The @n-th modern (version 2) device with @device_id among
 * devices_all(), or NULL: found by ID, wherever it sits. */
const struct mmio_device *virtio_mmio_find(uint32_t device_id, unsigned int n);
/* Checks the magic value and version 2; false (with *why) otherwise. */
bool virtio_mmio_probe(struct virtio_mmio *vm, const struct mmio_device *d,
		       const char **why);
/* Reset, ACKNOWLEDGE, DRIVER, features: @wanted & offered, which must
 * include @required; FEATURES_OK must stick. */
bool virtio_mmio_negotiate(struct virtio_mmio *vm, uint64_t wanted,
			   uint64_t required, const char **why);
/* Gives queue @index the rings of @vq; false if the device has no such
 * queue, it is already live, or it is smaller than vq->size. */
bool virtio_mmio_setup_queue(struct virtio_mmio *vm, unsigned int index,
			     const struct virtq *vq, const char **why);
/* Sizes @vq to @size, halved until QueueNumMax allows it, allocates its
 * rings with interrupts off and gives it queue @index. */
bool virtio_mmio_create_queue(struct virtio_mmio *vm, unsigned int index,
			      struct virtq *vq, uint16_t size, bool event_idx,
			      const char **why);
uint32_t virtio_mmio_queue_num_max(struct virtio_mmio *vm, unsigned int index);
void virtio_mmio_driver_ok(struct virtio_mmio *vm);
uint8_t virtio_mmio_status(struct virtio_mmio *vm);
/* Writes 0 to Status and waits for the device to read back 0. */
bool virtio_mmio_reset(struct virtio_mmio *vm);
void virtio_mmio_notify(struct virtio_mmio *vm, unsigned int queue);
/* Reads InterruptStatus and acknowledges those bits. */
uint32_t virtio_mmio_ack_interrupt(struct virtio_mmio *vm);
/* Completion by interrupt on @vector (32..255), the device's line routed
 * through the I/O APIC to the bootstrap processor: each interrupt is
 * acknowledged at the device and counted in irqs, and @vq asks for them. */
bool virtio_mmio_use_interrupts(struct virtio_mmio *vm, struct virtq *vq,
				unsigned int vector);
/* Reset the device and, if it used interrupts, mask and release its line. */
void virtio_mmio_close(struct virtio_mmio *vm);
/* Reads @len (1, 2, 4 or 8) bytes of device configuration consistently
 * (2.5.1: retried until ConfigGeneration is stable). */
uint64_t virtio_mmio_config_read(struct virtio_mmio *vm, unsigned int offset,
				 unsigned int len);
/* Copies @len bytes of device configuration from @offset, byte by byte,
 * all under one stable ConfigGeneration (a MAC address, 2.5.1). */
void virtio_mmio_config_copy(struct virtio_mmio *vm, unsigned int offset,
			     void *dst, unsigned int len);

#endif
