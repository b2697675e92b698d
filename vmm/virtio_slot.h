/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtio-mmio slot: one device of any kind (devices/virtio_kind.h) in MMIO
 * window `index` with interrupt line virtio_slot_gsi(index) (lib/layout.h),
 * its transport, and the eventfds that connect it to KVM (an ioeventfd per
 * queue on QueueNotify, an irqfd for its interrupt) and to the I/O thread,
 * which serves its queues.
 */
#ifndef VIGIL_VIRTIO_SLOT_H
#define VIGIL_VIRTIO_SLOT_H

#include <stdint.h>

#include "devices/bus.h"
#include "devices/virtio_kind.h"
#include "devices/virtio_mmio.h"
#include "vmm/io_thread.h"
#include "vmm/kvm.h"

struct virtio_slot;

/* What the I/O thread gets when queue q's eventfd fires. */
struct virtio_slot_queue {
	struct virtio_slot *slot;
	unsigned int q;
	int fd;
};

struct virtio_slot {
	const struct virtio_kind *kind;
	void *dev; /* the kind's device, from kind->create */
	unsigned int index;
	uint64_t base;
	unsigned int gsi;
	struct virtio_mmio mmio;
	bool mmio_ready;
	struct virtio_slot_queue queue[VIRTIO_MMIO_MAX_QUEUES];
	int irq_fd;
	int timer_fd; /* kinds with wait_ns: serve the queues again */
	char name[32];
};

/*
 * Build a device of `kind` from spec (the kind's index-th device) in
 * window `index`, and wire it to KVM, the MMIO bus and the I/O thread.
 * Returns NULL with a reason in err.
 */
struct virtio_slot *
virtio_slot_create(const struct virtio_kind *kind, const char *spec,
		   unsigned int kind_index, unsigned int index, struct kvm *kvm,
		   struct bus *mmio, const struct guest_mem *gm,
		   struct io_thread *io, char *err, size_t errlen);
void virtio_slot_destroy(struct virtio_slot *slot);
/*
 * The device's counters (its kind's counters(), under the device lock, so
 * a pass in progress is not read half-way): how many, at most max.
 */
unsigned int virtio_slot_counters(struct virtio_slot *slot,
				  struct virtio_kind_counter *out,
				  unsigned int max);
/*
 * Start the device's own threads (its kind's start()), each running
 * on_start(opaque) first: 0 or a negative errno.
 */
int virtio_slot_start(struct virtio_slot *slot, int (*on_start)(void *opaque),
		      void *opaque);
/* After a restore: the kind's snap->restored(), under the device lock. */
void virtio_slot_restored(struct virtio_slot *slot);

#endif
