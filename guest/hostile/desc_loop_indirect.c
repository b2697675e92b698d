// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_loop_indirect: an indirect table (VIRTIO_RING_F_INDIRECT_DESC,
 * virtio 1.2, 2.7.5.3) whose entries loop 0 -> 1 -> 0. The table lives
 * in guest RAM, outside the ring: a device that bounds the walk of the
 * ring's table but not that of an indirect one spins here.
 *
 * vigil: walk_table (devices/virtq.c) walks an indirect table with the
 * same bound, its own size, and logs "descriptor loop in indirect table";
 * the device sets DEVICE_NEEDS_RESET.
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

#define TABLE_SIZE 4

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t arg)
{
	struct vring_desc *t = alloc(TABLE_SIZE * sizeof(*t), 16);

	(void)arg;
	if (!t)
		return;
	r->hdr.type = VIRTIO_BLK_T_OUT;
	t[0] = (struct vring_desc){ (uint64_t)&r->hdr, sizeof(r->hdr),
				    VRING_DESC_F_NEXT, 1 };
	t[1] = (struct vring_desc){ (uint64_t)r->data, 512, VRING_DESC_F_NEXT,
				    0 };
	hostile_desc(b, 0, (uint64_t)t, TABLE_SIZE * sizeof(*t),
		     VRING_DESC_F_INDIRECT, 0);
	hostile_post(b, 0);
}

void hostile_desc_loop_indirect(void)
{
	hostile_round(1ull << VIRTIO_RING_F_INDIRECT_DESC, post, 0,
		      "indirect table 0 -> 1 -> 0");
}
