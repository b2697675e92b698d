// SPDX-License-Identifier: GPL-2.0-only
/*
 * ring_avail_jump: the driver advances avail->idx by one per chain it
 * makes available, and can have at most queue-size chains outstanding.
 * Set it to queue size + 1 with no new entries, and (on a fresh device)
 * to 0xffff, one step backwards. A device that serves "idx - last" chains
 * consumes ring entries the driver never wrote, again and again (CVE-
 * 2016-5403: QEMU allocated a request per bogus entry until it ran out of
 * memory).
 *
 * vigil: read_avail_idx (devices/virtq.c) reads avail->idx once per pass
 * and refuses a jump of more than the queue size (a step back wraps to a
 * huge one): logged, DEVICE_NEEDS_RESET.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t idx)
{
	(void)r;
	__atomic_store_n(&b->vq.avail->idx, (uint16_t)idx, __ATOMIC_RELEASE);
	virtio_mmio_notify(&b->mmio, 0);
}

void hostile_ring_avail_jump(void)
{
	hostile_round(0, post, HOSTILE_QUEUE_SIZE + 1, "avail idx + 9");
	hostile_round(0, post, 0xffff, "avail idx - 1");
}
