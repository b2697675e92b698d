// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/virtio_slot.h"

#include <errno.h>
#include <linux/virtio_mmio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/layout.h"
#include "lib/log.h"

/* A valid QueueNotify that no ioeventfd caught: hand it to the I/O thread. */
static void virtio_slot_notify(void *opaque, unsigned int q)
{
	struct virtio_slot *slot = opaque;
	uint64_t one = 1;

	if (q < slot->kind->ops->num_queues &&
	    write(slot->queue[q].fd, &one, sizeof(one)) < 0)
		log_error("%s: queue %u eventfd: %s", slot->name, q,
			  strerror(errno));
}

static void virtio_slot_interrupt(void *opaque)
{
	struct virtio_slot *slot = opaque;
	uint64_t one = 1;

	if (write(slot->irq_fd, &one, sizeof(one)) < 0)
		log_error("%s: irqfd: %s", slot->name, strerror(errno));
}

/*
 * On the I/O thread, after a pass that served a queue: arm the timer if
 * the device waits. Only then: a device's wait is as old as its last pass,
 * and once the driver stops the queue (QueueReady = 0, FAILED) no pass
 * runs, so re-arming with that stale wait after every skipped pass would
 * wake this thread forever, as often as the guest arranged.
 */
static void virtio_slot_arm_timer(struct virtio_slot *slot, bool served)
{
	uint64_t ns = served && slot->kind->wait_ns ?
			      slot->kind->wait_ns(slot->dev) :
			      0;
	struct itimerspec its = { .it_value = timespec_from_ns(ns) };

	if (ns && timerfd_settime(slot->timer_fd, 0, &its, NULL) < 0)
		log_error("%s: timerfd: %s", slot->name, strerror(errno));
}

/*
 * Serve queue q; whether it was served. A pass that stopped at the
 * device's budget writes the queue's eventfd again, so the rest is served
 * after the I/O thread's other ready events; once the driver stops the
 * queue no pass runs, and none is asked for.
 */
static bool virtio_slot_serve(struct virtio_slot *slot, unsigned int q)
{
	enum virtio_pass pass = virtio_mmio_process_queue(&slot->mmio, q);

	if (pass == VIRTIO_PASS_MORE)
		virtio_slot_notify(slot, q);
	return pass != VIRTIO_PASS_NONE;
}

static void virtio_slot_serve_all(struct virtio_slot *slot)
{
	bool served = false;

	for (unsigned int q = 0; q < slot->kind->ops->num_queues; q++)
		served |= virtio_slot_serve(slot, q);
	virtio_slot_arm_timer(slot, served);
}

/* On the I/O thread: the device's wait is over; serve every queue. */
static void virtio_slot_on_timer(void *opaque, uint32_t events)
{
	struct virtio_slot *slot = opaque;
	uint64_t count;

	(void)events;
	if (read(slot->timer_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_error("%s: timerfd read: %s", slot->name, strerror(errno));
	virtio_slot_serve_all(slot);
}

/* On the I/O thread: the backend has frames, or room for them. */
static void virtio_slot_on_host(void *opaque, uint32_t events)
{
	(void)events;
	virtio_slot_serve_all(opaque);
}

/* On the I/O thread: a queue's eventfd fired. */
static void virtio_slot_on_queue(void *opaque, uint32_t events)
{
	struct virtio_slot_queue *sq = opaque;
	uint64_t count;

	(void)events;
	if (read(sq->fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_error("%s: queue %u eventfd read: %s", sq->slot->name,
			  sq->q, strerror(errno));
	virtio_slot_arm_timer(sq->slot, virtio_slot_serve(sq->slot, sq->q));
}

/* QueueNotify carries the queue's index: one ioeventfd per queue. */
static int virtio_slot_wire_queue(struct virtio_slot *slot, unsigned int q,
				  struct kvm *kvm, struct io_thread *io)
{
	struct virtio_slot_queue *sq = &slot->queue[q];
	int r;

	sq->slot = slot;
	sq->q = q;
	sq->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sq->fd < 0)
		return -errno;
	r = kvm_ioeventfd_mmio(kvm, slot->base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, q,
			       sq->fd);
	if (r == 0)
		r = io_thread_add(io, sq->fd, virtio_slot_on_queue, sq);
	return r;
}

static int virtio_slot_wire(struct virtio_slot *slot, struct kvm *kvm,
			    struct bus *mmio, struct io_thread *io)
{
	int host_fd, r;

	slot->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (slot->irq_fd < 0)
		return -errno;
	r = kvm_irqfd(kvm, slot->gsi, slot->irq_fd);
	if (r == 0 && slot->kind->wait_ns) {
		slot->timer_fd = timerfd_create(CLOCK_MONOTONIC,
						TFD_CLOEXEC | TFD_NONBLOCK);
		r = slot->timer_fd < 0 ?
			    -errno :
			    io_thread_add(io, slot->timer_fd,
					  virtio_slot_on_timer, slot);
	}
	for (unsigned int q = 0; r == 0 && q < slot->kind->ops->num_queues; q++)
		r = virtio_slot_wire_queue(slot, q, kvm, io);
	host_fd = slot->kind->host_fd ? slot->kind->host_fd(slot->dev) : -1;
	/* A descriptor watched for nothing would never wake the thread. */
	if (r == 0 && host_fd >= 0 && !slot->kind->host_fd_events)
		r = -EINVAL;
	if (r == 0 && host_fd >= 0)
		r = io_thread_add_events(io, host_fd,
					 slot->kind->host_fd_events | EPOLLET,
					 virtio_slot_on_host, slot);
	if (r == 0)
		r = bus_register(mmio, slot->base, VIRTIO_MMIO_SIZE,
				 &virtio_mmio_ops, &slot->mmio, slot->name);
	return r;
}

struct virtio_slot *
virtio_slot_create(const struct virtio_kind *kind, const char *spec,
		   unsigned int kind_index, unsigned int index, struct kvm *kvm,
		   struct bus *mmio, const struct guest_mem *gm,
		   struct io_thread *io, char *err, size_t errlen)
{
	struct virtio_slot *slot = calloc(1, sizeof(*slot));
	struct virtio_mmio_host host = {
		.notify = virtio_slot_notify,
		.interrupt = virtio_slot_interrupt,
		.opaque = slot,
	};
	int r;

	if (!slot) {
		snprintf(err, errlen, "%s %u: out of memory", kind->option,
			 kind_index);
		return NULL;
	}
	slot->kind = kind;
	slot->index = index;
	slot->base = virtio_slot_window(index);
	slot->gsi = virtio_slot_gsi(index);
	slot->irq_fd = -1;
	slot->timer_fd = -1;
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		slot->queue[q].fd = -1;
	snprintf(slot->name, sizeof(slot->name), "virtio-%s%u", kind->name,
		 kind_index);
	slot->dev = kind->create(spec, kind_index, slot->name, err, errlen);
	if (!slot->dev) {
		free(slot);
		return NULL;
	}
	r = virtio_mmio_init(&slot->mmio, slot->name, kind->ops, slot->dev, gm,
			     &host);
	slot->mmio_ready = (r == 0);
	if (r == 0)
		r = virtio_slot_wire(slot, kvm, mmio, io);
	if (r < 0) {
		snprintf(err, errlen, "%s %u (%s): cannot set up: %s",
			 kind->option, kind_index, spec, strerror(-r));
		virtio_slot_destroy(slot);
		return NULL;
	}
	return slot;
}

void virtio_slot_destroy(struct virtio_slot *slot)
{
	if (!slot)
		return;
	if (slot->mmio_ready)
		virtio_mmio_destroy(&slot->mmio);
	slot->kind->destroy(slot->dev);
	if (slot->irq_fd >= 0)
		close(slot->irq_fd);
	if (slot->timer_fd >= 0)
		close(slot->timer_fd);
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		if (slot->queue[q].fd >= 0)
			close(slot->queue[q].fd);
	free(slot);
}

int virtio_slot_start(struct virtio_slot *slot, int (*on_start)(void *opaque),
		      void *opaque)
{
	int r = slot->kind->start ?
			slot->kind->start(slot->dev, on_start, opaque) :
			0;

	if (r < 0)
		log_error("%s: cannot start its threads: %s", slot->name,
			  strerror(-r));
	return r;
}

void virtio_slot_restored(struct virtio_slot *slot)
{
	if (!slot->kind->snap || !slot->kind->snap->restored)
		return;
	pthread_mutex_lock(&slot->mmio.lock);
	slot->kind->snap->restored(slot->dev);
	pthread_mutex_unlock(&slot->mmio.lock);
}

unsigned int virtio_slot_counters(struct virtio_slot *slot,
				  struct virtio_kind_counter *out,
				  unsigned int max)
{
	unsigned int n;

	if (!slot->kind->counters)
		return 0;
	pthread_mutex_lock(&slot->mmio.lock);
	n = slot->kind->counters(slot->dev, out, max);
	pthread_mutex_unlock(&slot->mmio.lock);
	return n;
}
