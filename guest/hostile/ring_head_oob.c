// SPDX-License-Identifier: GPL-2.0-only
/*
 * ring_head_oob: an available-ring entry (a chain's head) that is not a
 * descriptor index: the queue size (8) and 0xffff. A device that indexes
 * the descriptor table with it reads past the table; one that keeps
 * per-head state in an array of queue-size entries writes past that.
 *
 * vigil: virtq_pop_chain (devices/virtq.c) checks the head against the
 * queue size before using it: logged, DEVICE_NEEDS_RESET.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t head)
{
	(void)r;
	hostile_post(b, (uint16_t)head);
}

void hostile_ring_head_oob(void)
{
	hostile_round(0, post, HOSTILE_QUEUE_SIZE, "head = queue size");
	hostile_round(0, post, 0xffff, "head = 0xffff");
}
