// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-mmio transport (virtio 1.2, 4.2 "Virtio Over MMIO"). Register
 * offsets and status bits: <linux/virtio_mmio.h>, <linux/virtio_config.h>.
 * 64-bit values (features, ring addresses) go through 32-bit registers:
 * features by a selector (DeviceFeaturesSel/DriverFeaturesSel), addresses
 * as low/high halves.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "idt.h"
#include "io.h"
#include "ioapic.h"
#include "lapic.h"
#include "platform.h"
#include "virtio_mmio.h"
#include "virtq.h"

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" (4.2.2) */
#define RESET_POLL_LIMIT 100000
#define CONFIG_READ_TRIES 100

static uint32_t rd(struct virtio_mmio *vm, uint32_t reg)
{
	return mmio_read32(vm->base + reg);
}

static void wr(struct virtio_mmio *vm, uint32_t reg, uint32_t v)
{
	mmio_write32(vm->base + reg, v);
}

static void wr64(struct virtio_mmio *vm, uint32_t low_reg, uint64_t v)
{
	wr(vm, low_reg, (uint32_t)v);
	wr(vm, low_reg + 4, (uint32_t)(v >> 32));
}

static bool fail(const char **why, const char *what)
{
	*why = what;
	return false;
}

bool virtio_mmio_probe(struct virtio_mmio *vm, const struct mmio_device *d,
		       const char **why)
{
	*vm = (struct virtio_mmio){ .base = d->base, .desc = d };
	if (d->size < VIRTIO_MMIO_CONFIG || d->base >= 0x100000000ull)
		return fail(why, "window too small or not mapped");
	if (rd(vm, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC)
		return fail(why, "no virtio magic value");
	/* Version 1 is the legacy interface (4.2.4): not spoken here. */
	if (rd(vm, VIRTIO_MMIO_VERSION) != 2)
		return fail(why, "not virtio-mmio version 2");
	vm->device_id = rd(vm, VIRTIO_MMIO_DEVICE_ID);
	vm->vendor_id = rd(vm, VIRTIO_MMIO_VENDOR_ID);
	if (vm->device_id == 0)
		return fail(why, "device ID 0: no device behind the window");
	return true;
}

const struct mmio_device *virtio_mmio_find(uint32_t device_id, unsigned int n)
{
	const struct device_list *l = devices_all();
	struct virtio_mmio vm;
	const char *why;
	unsigned int i;

	for (i = 0; i < l->n; i++) {
		if (virtio_mmio_probe(&vm, &l->dev[i], &why) &&
		    vm.device_id == device_id && n-- == 0)
			return &l->dev[i];
	}
	return NULL;
}

uint8_t virtio_mmio_status(struct virtio_mmio *vm)
{
	return (uint8_t)rd(vm, VIRTIO_MMIO_STATUS);
}

static void add_status(struct virtio_mmio *vm, uint8_t bits)
{
	wr(vm, VIRTIO_MMIO_STATUS, virtio_mmio_status(vm) | bits);
}

bool virtio_mmio_reset(struct virtio_mmio *vm)
{
	unsigned int i;

	wr(vm, VIRTIO_MMIO_STATUS, 0);
	/* 4.2.3.1.1: wait for the reset to complete. */
	for (i = 0; i < RESET_POLL_LIMIT; i++) {
		if (virtio_mmio_status(vm) == 0)
			return true;
		cpu_relax();
	}
	return false;
}

static uint64_t read_device_features(struct virtio_mmio *vm)
{
	uint64_t f;

	wr(vm, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)rd(vm, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(vm, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | rd(vm, VIRTIO_MMIO_DEVICE_FEATURES);
}

static void write_driver_features(struct virtio_mmio *vm, uint64_t f)
{
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
}

bool virtio_mmio_negotiate(struct virtio_mmio *vm, uint64_t wanted,
			   uint64_t required, const char **why)
{
	if (!virtio_mmio_reset(vm))
		return fail(why, "reset did not complete");
	add_status(vm, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	add_status(vm, VIRTIO_CONFIG_S_DRIVER);
	vm->device_features = read_device_features(vm);
	if ((vm->device_features & required) != required) {
		add_status(vm, VIRTIO_CONFIG_S_FAILED);
		return fail(why, "device lacks a required feature");
	}
	vm->features = vm->device_features & wanted;
	write_driver_features(vm, vm->features);
	add_status(vm, VIRTIO_CONFIG_S_FEATURES_OK);
	/* 3.1.1 step 6: the device may refuse the subset. */
	if (!(virtio_mmio_status(vm) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		add_status(vm, VIRTIO_CONFIG_S_FAILED);
		return fail(why, "device did not accept the features");
	}
	return true;
}

uint32_t virtio_mmio_queue_num_max(struct virtio_mmio *vm, unsigned int index)
{
	wr(vm, VIRTIO_MMIO_QUEUE_SEL, index);
	return rd(vm, VIRTIO_MMIO_QUEUE_NUM_MAX);
}

bool virtio_mmio_setup_queue(struct virtio_mmio *vm, unsigned int index,
			     const struct virtq *vq, const char **why)
{
	uint32_t max = virtio_mmio_queue_num_max(vm, index);

	/* 4.2.3.2: the queue must exist and not be in use yet. */
	if (max == 0)
		return fail(why, "no such queue");
	if (rd(vm, VIRTIO_MMIO_QUEUE_READY))
		return fail(why, "queue already ready");
	if (vq->size > max)
		return fail(why, "queue larger than QueueNumMax");
	wr(vm, VIRTIO_MMIO_QUEUE_NUM, vq->size);
	wr64(vm, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint64_t)vq->desc);
	wr64(vm, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint64_t)vq->avail);
	wr64(vm, VIRTIO_MMIO_QUEUE_USED_LOW, (uint64_t)vq->used);
	wr(vm, VIRTIO_MMIO_QUEUE_READY, 1);
	return true;
}

bool virtio_mmio_create_queue(struct virtio_mmio *vm, unsigned int index,
			      struct virtq *vq, uint16_t size, bool event_idx,
			      const char **why)
{
	uint32_t max = virtio_mmio_queue_num_max(vm, index);

	while (size > max && size > 1)
		size /= 2;
	if (!virtq_init(vq, size, event_idx))
		return fail(why, "no memory for the rings");
	virtq_disable_interrupts(vq);
	return virtio_mmio_setup_queue(vm, index, vq, why);
}

void virtio_mmio_driver_ok(struct virtio_mmio *vm)
{
	add_status(vm, VIRTIO_CONFIG_S_DRIVER_OK);
}

void virtio_mmio_notify(struct virtio_mmio *vm, unsigned int queue)
{
	wr(vm, VIRTIO_MMIO_QUEUE_NOTIFY, queue);
}

uint32_t virtio_mmio_ack_interrupt(struct virtio_mmio *vm)
{
	uint32_t status = rd(vm, VIRTIO_MMIO_INTERRUPT_STATUS);

	if (status)
		wr(vm, VIRTIO_MMIO_INTERRUPT_ACK, status);
	return status;
}

static uint64_t config_read_once(struct virtio_mmio *vm, unsigned int offset,
				 unsigned int len)
{
	uint64_t addr = vm->base + VIRTIO_MMIO_CONFIG + offset;

	switch (len) {
	case 1:
		return mmio_read8(addr);
	case 2:
		return mmio_read16(addr);
	case 4:
		return mmio_read32(addr);
	default:
		return mmio_read32(addr) | (uint64_t)mmio_read32(addr + 4)
						   << 32;
	}
}

uint64_t virtio_mmio_config_read(struct virtio_mmio *vm, unsigned int offset,
				 unsigned int len)
{
	unsigned int tries = CONFIG_READ_TRIES;
	uint32_t gen;
	uint64_t v;

	/* A device whose generation never settles gets a bounded wait. */
	do {
		gen = rd(vm, VIRTIO_MMIO_CONFIG_GENERATION);
		v = config_read_once(vm, offset, len);
	} while (gen != rd(vm, VIRTIO_MMIO_CONFIG_GENERATION) && --tries);
	return v;
}

void virtio_mmio_config_copy(struct virtio_mmio *vm, unsigned int offset,
			     void *dst, unsigned int len)
{
	unsigned int tries = CONFIG_READ_TRIES, i;
	uint8_t *out = dst;
	uint32_t gen;

	/* A device whose generation never settles gets a bounded wait. */
	do {
		gen = rd(vm, VIRTIO_MMIO_CONFIG_GENERATION);
		for (i = 0; i < len; i++)
			out[i] = (uint8_t)config_read_once(vm, offset + i, 1);
	} while (gen != rd(vm, VIRTIO_MMIO_CONFIG_GENERATION) && --tries);
}

/* Which device each vector's interrupt belongs to. */
static struct virtio_mmio *irq_owner[256];

static void virtio_mmio_interrupt(struct trap_frame *f)
{
	struct virtio_mmio *vm = irq_owner[f->vector];

	/* Acknowledge at the device first: a level-triggered line must be
	 * low again before the EOI, or the I/O APIC delivers it again. */
	if (vm) {
		virtio_mmio_ack_interrupt(vm);
		vm->irqs++;
	}
	lapic_eoi();
}

bool virtio_mmio_use_interrupts(struct virtio_mmio *vm, struct virtq *vq,
				unsigned int vector)
{
	const struct mmio_device *d = vm->desc;
	struct ioapic_route r = {
		.vector = (uint8_t)vector,
		.dest_apic_id = platform.bsp_apic_id,
		.level = d->level,
		.active_low = d->active_low,
	};

	if (vector < 32 || vector > 255)
		return false;
	irq_owner[vector] = vm;
	irq_set_handler(vector, virtio_mmio_interrupt);
	if (!ioapic_route(d->gsi, &r))
		return false;
	vm->vector = vector;
	vm->irq_mode = true;
	virtq_enable_interrupts(vq);
	return true;
}

void virtio_mmio_close(struct virtio_mmio *vm)
{
	virtio_mmio_reset(vm);
	if (vm->irq_mode) {
		ioapic_mask(vm->desc->gsi);
		irq_set_handler(vm->vector, NULL);
		irq_owner[vm->vector] = NULL;
		vm->irq_mode = false;
	}
}
