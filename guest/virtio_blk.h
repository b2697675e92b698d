/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk driver (virtio 1.2, 5.2 "Block Device") on the virtio-mmio
 * transport, one request queue. Requests complete by polling or, after
 * virtio_blk_use_interrupts(), by sleeping until the device's interrupt.
 *
 *	struct virtio_blk b;
 *	virtio_blk_open(&b, dev, 128, &why);
 *	virtio_blk_rw(&b, VIRTIO_BLK_T_IN, sector, buf, 4096);  // status
 *	virtio_blk_close(&b);  // reset: the device stops using our memory
 */
#ifndef GUEST_VIRTIO_BLK_H
#define GUEST_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/virtio_blk.h>

#include "virtio_mmio.h"
#include "virtq.h"

#define VIRTIO_ID_BLOCK 2 /* virtio 1.2, 5 "Device Types" */
#define SECTOR_SIZE 512
#define BLK_STATUS_TIMEOUT (-1) /* virtio_blk_rw(): no completion in time */

struct blk_req {
	struct virtio_blk_outhdr hdr; /* device-readable */
	uint8_t status;		      /* device-writable */
	bool done;
	uint32_t written; /* bytes the device says it wrote */
};

struct virtio_blk {
	struct virtio_mmio mmio;
	struct virtq vq;
	uint64_t capacity; /* in 512-byte sectors */
	uint32_t blk_size; /* 0 if not offered */
	uint32_t seg_max;  /* 0 if not offered */
	uint32_t size_max; /* 0 if not offered */
	bool read_only;
};

/* The @n-th modern (version 2) virtio-blk device (device ID 2) among
 * devices_all(), or NULL. */
const struct mmio_device *virtio_blk_find(unsigned int n);
bool virtio_blk_open(struct virtio_blk *b, const struct mmio_device *d,
		     uint16_t queue_size, const char **why);
void virtio_blk_close(struct virtio_blk *b);
bool virtio_blk_has(const struct virtio_blk *b, unsigned int feature);

/* Completion by interrupt on @vector (routed through the I/O APIC). */
bool virtio_blk_use_interrupts(struct virtio_blk *b, unsigned int vector);

/* Queues one request: header, @nsegs data buffers (read by the device
 * for OUT, written for IN/GET_ID), status. Call virtio_blk_kick() to
 * start what was queued. */
bool virtio_blk_submit(struct virtio_blk *b, struct blk_req *r, uint32_t type,
		       uint64_t sector, const struct virtq_buf *segs,
		       unsigned int nsegs);
void virtio_blk_kick(struct virtio_blk *b);
/* One completed request, or NULL. */
struct blk_req *virtio_blk_poll(struct virtio_blk *b);
/* Waits for @r (polling or sleeping); false on timeout. */
bool virtio_blk_wait(struct virtio_blk *b, struct blk_req *r,
		     uint64_t timeout_us);
/* One synchronous request: the virtio status (VIRTIO_BLK_S_*), or
 * BLK_STATUS_TIMEOUT; *written (if not NULL) gets the used length. */
int virtio_blk_request(struct virtio_blk *b, uint32_t type, uint64_t sector,
		       const struct virtq_buf *segs, unsigned int nsegs,
		       uint32_t *written);
/* The same on one buffer (none if @buf is NULL). */
int virtio_blk_rw(struct virtio_blk *b, uint32_t type, uint64_t sector,
		  void *buf, uint32_t len);

#endif
