// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/blk_device.h"

#include <errno.h>
#include <linux/virtio_mmio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/layout.h"
#include "vmm/log.h"

/* A valid QueueNotify that no ioeventfd caught: hand it to the I/O thread. */
static void blk_device_notify(void *opaque, unsigned int queue)
{
	struct blk_device *d = opaque;
	uint64_t one = 1;

	if (queue < BLK_DEVICE_QUEUES &&
	    write(d->queue_fd[queue], &one, sizeof(one)) < 0)
		log_error("%s: queue %u eventfd: %s", d->name, queue,
			  strerror(errno));
}

static void blk_device_interrupt(void *opaque)
{
	struct blk_device *d = opaque;
	uint64_t one = 1;

	if (write(d->irq_fd, &one, sizeof(one)) < 0)
		log_error("%s: irqfd: %s", d->name, strerror(errno));
}

/* On the I/O thread: queue 0's eventfd fired. */
static void blk_device_on_queue(void *opaque, uint32_t events)
{
	struct blk_device *d = opaque;
	uint64_t count;

	(void)events;
	if (read(d->queue_fd[0], &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_error("%s: queue eventfd read: %s", d->name,
			  strerror(errno));
	virtio_mmio_process_queue(&d->mmio, 0);
}

static int blk_device_wire(struct blk_device *d, struct kvm *kvm,
			   struct bus *mmio, struct io_thread *io)
{
	int r;

	d->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->queue_fd[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->irq_fd < 0 || d->queue_fd[0] < 0)
		return -errno;
	r = kvm_irqfd(kvm, d->gsi, d->irq_fd);
	if (r == 0)
		r = kvm_ioeventfd_mmio(kvm, d->base + VIRTIO_MMIO_QUEUE_NOTIFY,
				       4, 0, d->queue_fd[0]);
	if (r == 0)
		r = io_thread_add(io, d->queue_fd[0], blk_device_on_queue, d);
	if (r == 0)
		r = bus_register(mmio, d->base, VIRTIO_MMIO_SIZE,
				 &virtio_mmio_ops, &d->mmio, d->name);
	return r;
}

struct blk_device *blk_device_create(const char *spec, unsigned int index,
				     struct kvm *kvm, struct bus *mmio,
				     const struct guest_mem *gm,
				     struct io_thread *io, char *err,
				     size_t errlen)
{
	struct virtio_mmio_host host = {
		.notify = blk_device_notify,
		.interrupt = blk_device_interrupt,
	};
	struct blk_device *d = calloc(1, sizeof(*d));
	int r;

	if (!d) {
		snprintf(err, errlen, "drive %u: out of memory", index);
		return NULL;
	}
	d->index = index;
	d->base = VIRTIO_MMIO_BASE + index * VIRTIO_MMIO_SIZE;
	d->gsi = VIRTIO_IRQ_BASE + index;
	d->irq_fd = d->queue_fd[0] = -1;
	snprintf(d->name, sizeof(d->name), "virtio-blk%u", index);
	snprintf(d->serial, sizeof(d->serial), "vigil%u", index);
	host.opaque = d;
	r = block_open(spec, &d->bb, err, errlen);
	if (r < 0) {
		free(d);
		return NULL;
	}
	r = virtio_blk_init(&d->blk, d->bb, d->name, d->serial);
	if (r == 0)
		r = virtio_mmio_init(&d->mmio, d->name, &virtio_blk_dev_ops,
				     &d->blk, gm, &host);
	d->mmio_ready = (r == 0);
	if (r == 0)
		r = blk_device_wire(d, kvm, mmio, io);
	if (r < 0) {
		snprintf(err, errlen, "drive %u (%s): cannot set up: %s", index,
			 spec, strerror(-r));
		blk_device_destroy(d);
		return NULL;
	}
	return d;
}

void blk_device_destroy(struct blk_device *d)
{
	if (!d)
		return;
	if (d->mmio_ready)
		virtio_mmio_destroy(&d->mmio);
	block_close(d->bb);
	if (d->irq_fd >= 0)
		close(d->irq_fd);
	if (d->queue_fd[0] >= 0)
		close(d->queue_fd[0]);
	free(d);
}
