// SPDX-License-Identifier: GPL-2.0-only
/*
 * net_queue_num_live: QueueNum 4 written for the live transmit queue of 8
 * (virtio 1.2, 4.2.2.2: QueueNum is written before the queue is ready),
 * then six frames sent one after the other, through descriptors 0..5 and
 * available slots 0..5, tagged "qnum" with seeds 10..15 for
 * test_hostile.py's peer. A device that applies the size mid-run reads
 * the rings with a mask the driver never laid them out for: it wraps the
 * available ring after four entries and sends the stale slot 0's frame
 * again, writing its used entries where the driver does not look.
 *
 * vigil: the QueueNum handler of devices/virtio_mmio.c refuses a write to
 * a ready queue ("QueueNum write 0x4 for queue 1: queue is ready") and,
 * behind it, any write once the device is in DRIVER_OK. With the first
 * check removed the second refuses it with another log line, which
 * test_hostile.py misses; with both removed the fifth used entry would
 * land in slot 0, not 4 (the outcome "applied") and the peer would get
 * seed 10 twice.
 */
#include <linux/virtio_mmio.h>

#include "alloc.h"
#include "hostile.h"
#include "io.h"
#include "runner.h"
#include "scenarios.h"

#define FRAMES 6
#define LEN (NET_HDR_LEN + HOSTILE_NET_FRAME)

/* Frame @i through descriptor and slot @i: its used entry in slot @i. */
static bool sent(struct virtio_net *n, uint8_t *p, uint16_t i)
{
	uint32_t used = 0;
	int result;

	hostile_net_frame(p + i * LEN, HOSTILE_NET_FRAME, "qnum",
			  (uint8_t)(10 + i));
	result = hostile_net_send(n, i, p + i * LEN, LEN, &used);
	if (result == HOSTILE_USED && n->tx.used->ring[i].id == i)
		return true;
	note("frame %u: %s, used slot %u holds head %u", i,
	     hostile_result_name(result), i, n->tx.used->ring[i].id);
	return false;
}

void hostile_net_queue_num_live(void)
{
	uint8_t *p = alloc(FRAMES * LEN, 64);
	struct virtio_net n;
	bool ok = true;
	uint16_t i;

	if (!check(p, "no memory") || !hostile_net_open(&n, 0))
		return;
	mmio_write32(n.mmio.base + VIRTIO_MMIO_QUEUE_SEL, HOSTILE_NET_TX);
	mmio_write32(n.mmio.base + VIRTIO_MMIO_QUEUE_NUM, 4);
	for (i = 0; i < FRAMES && ok; i++)
		ok = sent(&n, p, i);
	hostile_outcome("%s", ok ? "ignored" : "applied");
	check(ok, "QueueNum 4 took effect on the live queue");
	hostile_net_recover(&n);
}
