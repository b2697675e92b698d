// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_loop_self: a descriptor whose next is itself (0 -> 0), the
 * shortest loop. See desc_loop: a walk without a bound never ends.
 *
 * vigil: walk_table (devices/virtq.c) bounds the walk by the table size
 * and reports the loop; the device sets DEVICE_NEEDS_RESET.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t arg)
{
	(void)arg;
	r->hdr.type = VIRTIO_BLK_T_OUT;
	hostile_desc(b, 0, (uint64_t)&r->hdr, sizeof(r->hdr), VRING_DESC_F_NEXT,
		     0);
	hostile_post(b, 0);
}

void hostile_desc_loop_self(void)
{
	hostile_round(0, post, 0, "chain 0 -> 0");
}
