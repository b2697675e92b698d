// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_ind_oversized: indirect tables of the wrong size: nine entries on
 * a queue of eight (a chain longer than the queue, virtio 1.2, 2.7.5.3.1),
 * a length of 24 (one and a half descriptors) and a length of 0. A
 * device that sizes its walk as len / 16 reads half a descriptor past the
 * table, or divides by a zero-length table's entry count.
 *
 * vigil: walk_indirect (devices/virtq.c) wants a non-zero multiple of 16
 * and at most queue-size entries: logged, DEVICE_NEEDS_RESET. (QEMU
 * accepts tables up to its own maximum of 1024 entries.)
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

#define ENTRIES (HOSTILE_QUEUE_SIZE + 1)

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t len)
{
	struct vring_desc *t = alloc(ENTRIES * sizeof(*t), 16);
	uint16_t i;

	if (!t)
		return;
	/* A valid read of 7 sectors, one buffer each: nine entries. */
	t[0] = (struct vring_desc){ (uint64_t)&r->hdr, sizeof(r->hdr),
				    VRING_DESC_F_NEXT, 1 };
	for (i = 1; i < ENTRIES - 1; i++)
		t[i] = (struct vring_desc){ (uint64_t)r->data + 512 * (i - 1),
					    512,
					    VRING_DESC_F_WRITE |
						    VRING_DESC_F_NEXT,
					    (uint16_t)(i + 1) };
	t[ENTRIES - 1] = (struct vring_desc){ (uint64_t)&r->status, 1,
					      VRING_DESC_F_WRITE, 0 };
	hostile_desc(b, 0, (uint64_t)t, (uint32_t)len, VRING_DESC_F_INDIRECT,
		     0);
	hostile_post(b, 0);
}

void hostile_desc_ind_oversized(void)
{
	uint64_t features = 1ull << VIRTIO_RING_F_INDIRECT_DESC;

	hostile_round(features, post, ENTRIES * sizeof(struct vring_desc),
		      "indirect table of 9 on a queue of 8");
	hostile_round(features, post, 24, "indirect table of 24 bytes");
	hostile_round(features, post, 0, "indirect table of 0 bytes");
}
