/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One --drive as the machine sees it: the block backend, the virtio-blk
 * device model, its virtio-mmio transport in one MMIO window, and the
 * eventfds that connect it to KVM (ioeventfd for QueueNotify, irqfd for its
 * interrupt) and to the I/O thread.
 */
#ifndef VIGIL_BLK_DEVICE_H
#define VIGIL_BLK_DEVICE_H

#include <stdint.h>

#include "block/block.h"
#include "devices/bus.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_mmio.h"
#include "vmm/io_thread.h"
#include "vmm/kvm.h"

#define BLK_DEVICE_QUEUES 1u

struct blk_device {
	unsigned int index;
	uint64_t base; /* MMIO window */
	unsigned int gsi;
	struct block_backend *bb;
	struct virtio_blk blk;
	struct virtio_mmio mmio;
	bool mmio_ready;
	int queue_fd[BLK_DEVICE_QUEUES];
	int irq_fd;
	char name[32];
	char serial[24];
};

/*
 * Open spec, build the device for window `index` and wire it to KVM, the
 * MMIO bus and the I/O thread. Returns NULL with a reason in err.
 */
struct blk_device *blk_device_create(const char *spec, unsigned int index,
				     struct kvm *kvm, struct bus *mmio,
				     const struct guest_mem *gm,
				     struct io_thread *io, char *err,
				     size_t errlen);
void blk_device_destroy(struct blk_device *d);

#endif
