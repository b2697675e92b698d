// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-rng (virtio 1.2, 5.4): a request is a chain of device-writable
 * buffers (5.4.6.1: the driver MUST NOT place driver-readable buffers
 * into the queue); the device writes random bytes to their start and
 * returns how many as the used length (5.4.6). The only feature bit the
 * driver asks for is VERSION_1 (5.4.3: none of the device's own).
 */
#include <linux/virtio_config.h>

#include "alloc.h"
#include "virtio_rng.h"

#define BIT(n) (1ull << (n))
#define MAX_SEGS 16
/* vigil answers at most one second's worth of its rate late. */
#define READ_TIMEOUT_US 5000000

const struct mmio_device *virtio_rng_find(unsigned int n)
{
	return virtio_mmio_find(VIRTIO_ID_ENTROPY, n);
}

bool virtio_rng_open(struct virtio_rng *r, const struct mmio_device *d,
		     uint16_t queue_size, const char **why)
{
	*r = (struct virtio_rng){ 0 };
	if (!virtio_mmio_probe(&r->mmio, d, why))
		return false;
	if (r->mmio.device_id != VIRTIO_ID_ENTROPY) {
		*why = "not an entropy device";
		return false;
	}
	if (!virtio_mmio_negotiate(&r->mmio, BIT(VIRTIO_F_VERSION_1),
				   BIT(VIRTIO_F_VERSION_1), why))
		return false;
	/* 5.4.2: one queue, requestq, index 0. */
	if (!virtio_mmio_create_queue(&r->mmio, 0, &r->vq, queue_size, false,
				      why))
		return false;
	virtio_mmio_driver_ok(&r->mmio);
	return true;
}

bool virtio_rng_use_interrupts(struct virtio_rng *r, unsigned int vector)
{
	return virtio_mmio_use_interrupts(&r->mmio, &r->vq, vector);
}

void virtio_rng_close(struct virtio_rng *r)
{
	virtio_mmio_close(&r->mmio);
}

bool virtio_rng_submit(struct virtio_rng *r, struct rng_req *req,
		       const struct virtq_buf *segs, unsigned int nsegs)
{
	if (nsegs == 0 || nsegs > MAX_SEGS)
		return false;
	req->done = false;
	req->written = 0;
	/* Every buffer device-writable: no driver-readable part (5.4.6.1). */
	return virtq_add(&r->vq, segs, 0, nsegs, req);
}

void virtio_rng_kick(struct virtio_rng *r)
{
	virtq_publish(&r->vq);
	if (virtq_kick_needed(&r->vq))
		virtio_mmio_notify(&r->mmio, 0);
}

struct rng_req *virtio_rng_poll(struct virtio_rng *r)
{
	uint32_t len;
	struct rng_req *req = virtq_get_used(&r->vq, &len);

	if (req) {
		req->written = len;
		req->done = true;
	}
	return req;
}

/* virtio_rng_poll() as a virtq_complete_fn. */
static void *complete_one(void *r)
{
	return virtio_rng_poll(r);
}

bool virtio_rng_wait(struct virtio_rng *r, struct rng_req *req,
		     uint64_t timeout_us)
{
	return virtq_wait(&r->vq, r->mmio.irq_mode, complete_one, r, &req->done,
			  timeout_us);
}

int64_t virtio_rng_read(struct virtio_rng *r, void *buf, uint32_t len)
{
	size_t mark = alloc_mark();
	struct rng_req *req = alloc(sizeof(*req), 16);
	struct virtq_buf seg = { buf, len };
	int64_t written;

	if (!req || !virtio_rng_submit(r, req, &seg, 1))
		return RNG_TIMEOUT;
	virtio_rng_kick(r);
	if (!virtio_rng_wait(r, req, READ_TIMEOUT_US))
		return RNG_TIMEOUT; /* still the device's: keep req */
	written = req->written;
	alloc_release(mark);
	return written;
}
