// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_next_oob: a descriptor whose next is past the table: the queue
 * size (8) and 0xffff. next indexes the descriptor table; a device that
 * does not bound it reads a "descriptor" from whatever follows the table
 * in guest memory - or, for a device that keeps a host-side copy of the
 * table, from host memory past it.
 *
 * vigil: walk_table (devices/virtq.c) checks next against the table size
 * before following it: logged, DEVICE_NEEDS_RESET.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t next)
{
	hostile_desc(b, 0, (uint64_t)&r->hdr, sizeof(r->hdr), VRING_DESC_F_NEXT,
		     (uint16_t)next);
	hostile_post(b, 0);
}

void hostile_desc_next_oob(void)
{
	hostile_round(0, post, HOSTILE_QUEUE_SIZE, "next = queue size");
	hostile_round(0, post, 0xffff, "next = 0xffff");
}
