/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A split virtqueue, driver side (virtio 1.2, 2.7 "Split Virtqueues"):
 * descriptor table, available ring (driver -> device) and used ring
 * (device -> driver), with optional VIRTIO_F_EVENT_IDX suppression.
 *
 *	virtq_add(vq, bufs, n_out, n_in, token);  // one chain per request
 *	virtq_publish(vq);                       // make them available
 *	if (virtq_kick_needed(vq)) notify the device;
 *	while ((token = virtq_get_used(vq, &len))) ...;
 *	// or virtq_wait(): that loop until a request's done flag is set
 */
#ifndef GUEST_VIRTQ_H
#define GUEST_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_ring.h>

#define VIRTQ_MAX_SIZE 256

struct virtq_buf {
	void *addr; /* identity mapped: also the physical address */
	uint32_t len;
};

struct virtq {
	uint16_t size; /* a power of two */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	bool event_idx;
	bool broken; /* the device returned a bad used entry */
	uint16_t free_head;
	uint16_t num_free;
	uint16_t avail_idx;	/* next avail->idx to publish */
	uint16_t kicked_idx;	/* avail->idx at the last kick decision */
	uint16_t last_used_idx; /* used entries consumed so far */
	void **tokens;		/* per head descriptor */
};

/* Allocates the rings (alloc.h); false if out of memory or bad size. */
bool virtq_init(struct virtq *vq, uint16_t size, bool event_idx);
/* Chains @n_out device-readable then @n_in device-writable buffers;
 * false if the ring has too few free descriptors. @token (not NULL) is
 * what virtq_get_used() gives back for this chain. */
bool virtq_add(struct virtq *vq, const struct virtq_buf *bufs,
	       unsigned int n_out, unsigned int n_in, void *token);
void virtq_publish(struct virtq *vq);
/* Whether the device wants a notification for what was published. */
bool virtq_kick_needed(struct virtq *vq);
/* The token of the next completed chain (and bytes written), or NULL. */
void *virtq_get_used(struct virtq *vq, uint32_t *len);
bool virtq_has_used(const struct virtq *vq);
/* Completes one used chain (the driver's own bookkeeping): its token, or
 * NULL when the device has finished nothing more. */
typedef void *virtq_complete_fn(void *owner);
/* Calls @complete until *@done turns true, spinning or, with @sleep (the
 * device's interrupt routed), halting while nothing is used; false after
 * @timeout_us or once the queue is broken. */
bool virtq_wait(struct virtq *vq, bool sleep, virtq_complete_fn *complete,
		void *owner, const bool *done, uint64_t timeout_us);
/* Ask for an interrupt on the next completion, or for none. */
void virtq_enable_interrupts(struct virtq *vq);
void virtq_disable_interrupts(struct virtq *vq);

#endif
