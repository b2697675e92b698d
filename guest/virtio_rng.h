/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-rng driver (virtio 1.2, 5.4 "Entropy Device") on the virtio-mmio
 * transport: one request queue (5.4.2) of device-writable buffers that
 * the device fills with random bytes; the used length says how many
 * (5.4.6). No feature bits and no configuration space of its own (5.4.3,
 * 5.4.4). Requests complete by polling or, after
 * virtio_rng_use_interrupts(), by sleeping until the device's interrupt.
 *
 *	struct virtio_rng r;
 *	virtio_rng_open(&r, virtio_rng_find(0), 64, &why);
 *	n = virtio_rng_read(&r, buf, 64);  // bytes written, or < 0
 *	virtio_rng_close(&r);  // reset: the device stops using our memory
 */
#ifndef GUEST_VIRTIO_RNG_H
#define GUEST_VIRTIO_RNG_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_mmio.h"
#include "virtq.h"

#define VIRTIO_ID_ENTROPY 4 /* virtio 1.2, 5 "Device Types" */
#define RNG_TIMEOUT (-1)    /* virtio_rng_read(): no answer in time */

/* One request: a device-writable buffer and what came back. */
struct rng_req {
	bool done;
	uint32_t written; /* the used length */
};

struct virtio_rng {
	struct virtio_mmio mmio;
	struct virtq vq;
};

/* The @n-th modern (version 2) entropy device among devices_all(), or
 * NULL: found by device ID, wherever it sits among the transports. */
const struct mmio_device *virtio_rng_find(unsigned int n);
bool virtio_rng_open(struct virtio_rng *r, const struct mmio_device *d,
		     uint16_t queue_size, const char **why);
void virtio_rng_close(struct virtio_rng *r);

/* Completion by interrupt on @vector (routed through the I/O APIC). */
bool virtio_rng_use_interrupts(struct virtio_rng *r, unsigned int vector);

/* Queues a request for random bytes in @nsegs writable buffers; false
 * when the ring is full. virtio_rng_kick() starts what was queued. */
bool virtio_rng_submit(struct virtio_rng *r, struct rng_req *req,
		       const struct virtq_buf *segs, unsigned int nsegs);
void virtio_rng_kick(struct virtio_rng *r);
/* One completed request, or NULL. */
struct rng_req *virtio_rng_poll(struct virtio_rng *r);
/* Waits for @req (polling or sleeping); false on timeout. */
bool virtio_rng_wait(struct virtio_rng *r, struct rng_req *req,
		     uint64_t timeout_us);
/* One synchronous request into @buf: the used length, or RNG_TIMEOUT. */
int64_t virtio_rng_read(struct virtio_rng *r, void *buf, uint32_t len);

#endif
