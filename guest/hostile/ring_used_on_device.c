// SPDX-License-Identifier: GPL-2.0-only
/*
 * ring_used_on_device: ring addresses that are not RAM or not aligned:
 * the used ring on the device's own register window, the descriptor
 * table just past RAM, the available ring 2 bytes below 2^64 (its end
 * wraps), and the used ring 2 bytes off its 4-byte alignment (virtio 1.2,
 * 2.7: descriptor table 16, available ring 2, used ring 4). A device that
 * accepts them writes used elements into its own registers (re-entrancy,
 * as in desc_own_window), reads and writes past RAM, or wraps.
 *
 * vigil: virtq_check_layout (devices/virtq.c) checks alignment and that
 * each whole ring lies in RAM when the driver sets QueueReady; refused,
 * it is logged and QueueReady reads 0. A correct set-up then works.
 */
#include <linux/virtio_mmio.h>

#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

/* A device that took the rings: what does a request do to it? */
static void serve_one(struct virtio_blk *b)
{
	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, 0);

	if (!r)
		return;
	virtio_mmio_driver_ok(&b->mmio);
	hostile_post_read(b, r, (uint64_t)r->data, 512);
	hostile_outcome("%s", hostile_result_name(hostile_wait(b, r, NULL)));
}

enum bad_ring { USED_ON_DEVICE, DESC_PAST_RAM, AVAIL_WRAPS, USED_MISALIGNED };

static void attack(struct virtio_blk *b, enum bad_ring bad)
{
	uint64_t desc, avail, used;
	uint32_t ready;

	if (!hostile_negotiate(b, 0) ||
	    !check(virtq_init(&b->vq, HOSTILE_QUEUE_SIZE, false), "no memory"))
		return;
	desc = (uint64_t)b->vq.desc;
	avail = (uint64_t)b->vq.avail;
	used = (uint64_t)b->vq.used;
	switch (bad) {
	case USED_ON_DEVICE:
		used = b->mmio.base;
		break;
	case DESC_PAST_RAM:
		desc = hostile_ram_end();
		break;
	case AVAIL_WRAPS:
		avail = 0xfffffffffffffffeull;
		break;
	case USED_MISALIGNED:
		used += 2;
		break;
	}
	hostile_reg_write(b, VIRTIO_MMIO_QUEUE_SEL, 0);
	hostile_reg_write(b, VIRTIO_MMIO_QUEUE_NUM, HOSTILE_QUEUE_SIZE);
	hostile_ring_regs(b, desc, avail, used);
	hostile_reg_write(b, VIRTIO_MMIO_QUEUE_READY, 1);
	ready = hostile_reg_read(b, VIRTIO_MMIO_QUEUE_READY);
	hostile_outcome("%s", ready ? "accepted" : "refused");
	check(!ready, "QueueReady took desc 0x%lx avail 0x%lx used 0x%lx", desc,
	      avail, used);
	if (ready && bad == USED_ON_DEVICE)
		serve_one(b);
	hostile_recover(b);
}

void hostile_ring_used_on_device(void)
{
	struct virtio_blk b;

	attack(&b, USED_ON_DEVICE);
	attack(&b, DESC_PAST_RAM);
	attack(&b, AVAIL_WRAPS);
	attack(&b, USED_MISALIGNED);
}
