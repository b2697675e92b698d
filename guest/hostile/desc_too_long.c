// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_too_long: a chain longer than the queue (the driver must not make
 * one, indirect descriptors included: virtio 1.2, 2.7.5.3.1). Without a
 * loop, only an indirect table can make the chain longer: seven ring
 * descriptors and an indirect table of two, nine buffers on a queue of
 * eight. A device that sizes its copy of a chain (or its iovec array) by
 * the queue size and appends without a check writes past it.
 *
 * vigil: add_buf (devices/virtq.c) refuses the buffer that would make the
 * chain longer than the queue: logged, DEVICE_NEEDS_RESET.
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

#define DIRECT (HOSTILE_QUEUE_SIZE - 1)

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t arg)
{
	struct vring_desc *t = alloc(2 * sizeof(*t), 16);
	uint16_t i;

	(void)arg;
	if (!t)
		return;
	hostile_desc(b, 0, (uint64_t)&r->hdr, sizeof(r->hdr), VRING_DESC_F_NEXT,
		     1);
	for (i = 1; i < DIRECT; i++)
		hostile_desc(b, i, (uint64_t)r->data + 512 * (i - 1), 512,
			     VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
			     (uint16_t)(i + 1));
	t[0] = (struct vring_desc){ (uint64_t)r->data + 512 * (DIRECT - 1), 512,
				    VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1 };
	t[1] = (struct vring_desc){ (uint64_t)&r->status, 1, VRING_DESC_F_WRITE,
				    0 };
	hostile_desc(b, DIRECT, (uint64_t)t, 2 * sizeof(*t),
		     VRING_DESC_F_INDIRECT, 0);
	hostile_post(b, 0);
}

void hostile_desc_too_long(void)
{
	hostile_round(1ull << VIRTIO_RING_F_INDIRECT_DESC, post, 0,
		      "nine buffers on a queue of eight");
}
