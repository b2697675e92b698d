// SPDX-License-Identifier: GPL-2.0-only
/*
 * index_queue_sel: QueueSel is an index the guest chooses (virtio 1.2,
 * 4.2.2: it selects the queue that QueueNumMax, QueueNum, QueueReady and
 * the ring address registers apply to). Select the first queue that does
 * not exist, 0x80000000 and 0xffffffff, and touch every queue register.
 * A device that indexes its queue array with the value reads and writes
 * host memory past the array (kvmtool stored QueueSel unchecked).
 *
 * vigil stores the value as written and bounds it at every use
 * (devices/virtio_mmio.c, selected_queue): QueueNumMax and QueueReady read
 * 0, the writes are dropped with a guest_errors line, and queue 0 keeps
 * serving. The values written are those of the live queue 0, so a device
 * that applied them to the wrong queue would change nothing there.
 */
#include <linux/virtio_mmio.h>

#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

#define MAX_PROBED_QUEUES 64

/* How many queues: the first index whose QueueNumMax reads 0. */
static uint32_t count_queues(const struct virtio_blk *b)
{
	uint32_t n;

	for (n = 0; n < MAX_PROBED_QUEUES; n++) {
		hostile_reg_write(b, VIRTIO_MMIO_QUEUE_SEL, n);
		if (hostile_reg_read(b, VIRTIO_MMIO_QUEUE_NUM_MAX) == 0)
			break;
	}
	return n;
}

static bool queue_absent(const struct virtio_blk *b)
{
	return hostile_reg_read(b, VIRTIO_MMIO_QUEUE_NUM_MAX) == 0 &&
	       hostile_reg_read(b, VIRTIO_MMIO_QUEUE_READY) == 0;
}

static void attack(struct virtio_blk *b, uint32_t sel)
{
	const struct virtq *vq = &b->vq;
	bool absent;

	hostile_reg_write(b, VIRTIO_MMIO_QUEUE_SEL, sel);
	absent = queue_absent(b);
	hostile_reg_write(b, VIRTIO_MMIO_QUEUE_NUM, vq->size);
	hostile_ring_regs(b, (uint64_t)vq->desc, (uint64_t)vq->avail,
			  (uint64_t)vq->used);
	hostile_reg_write(b, VIRTIO_MMIO_QUEUE_READY, 1);
	absent = absent && queue_absent(b);
	hostile_outcome("%s", absent ? "ignored" : "accepted");
	check(absent,
	      "QueueSel 0x%x: a queue that does not exist took the "
	      "writes",
	      sel);
}

void hostile_index_queue_sel(void)
{
	struct virtio_blk b;
	uint32_t nq;

	if (!hostile_open(&b, 0))
		return;
	nq = count_queues(&b);
	note("%u queue(s)", nq);
	attack(&b, nq);
	attack(&b, 0x80000000u);
	attack(&b, 0xffffffffu);
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_SEL, 0);
	check(hostile_reg_read(&b, VIRTIO_MMIO_QUEUE_READY) == 1,
	      "queue 0 is no longer ready");
	hostile_still_works(&b);
	hostile_recover(&b);
}
