// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_loop: a chain 0 -> 1 -> 0 that never ends (a chain ends at the
 * first descriptor without VIRTQ_DESC_F_NEXT, virtio 1.2, 2.7.5). A
 * device that follows next without a bound spins forever on the I/O
 * thread, or grows its copy of the chain until it overflows.
 *
 * vigil: walk_table (devices/virtq.c) takes at most queue-size steps over
 * a table of queue-size descriptors; one more is a repeat, logged as a
 * descriptor loop, and the device reports DEVICE_NEEDS_RESET.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

/* Both descriptors device-readable: the loop is the only fault. */
static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t arg)
{
	(void)arg;
	r->hdr.type = VIRTIO_BLK_T_OUT;
	hostile_desc(b, 0, (uint64_t)&r->hdr, sizeof(r->hdr), VRING_DESC_F_NEXT,
		     1);
	hostile_desc(b, 1, (uint64_t)r->data, 512, VRING_DESC_F_NEXT, 0);
	hostile_post(b, 0);
}

void hostile_desc_loop(void)
{
	hostile_round(0, post, 0, "chain 0 -> 1 -> 0");
}
