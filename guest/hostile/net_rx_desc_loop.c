// SPDX-License-Identifier: GPL-2.0-only
/*
 * net_rx_desc_loop: receive chains that never end (virtio 1.2, 2.7.5.2
 * forbids loops): all eight descriptors of the table linked in a ring,
 * 0 -> 1 -> ... -> 7 -> 0, then a descriptor that is its own next; every
 * buffer device-writable, so the loop is the only fault. The peer sends
 * a frame each time. A device that sums the chain's room without a bound
 * spins on its I/O thread for good, with the frame never delivered and
 * every other device of the VMM stalled behind it.
 *
 * vigil: walk_table (devices/virtq.c) takes at most queue-size steps over
 * the table; one more is a repeat, logged as a descriptor loop, and
 * virtio_net_process_rx returns the error: the receive queue is broken
 * and the device reports DEVICE_NEEDS_RESET. With that check removed,
 * add_buf's bound ("chain longer than queue size 8") stops both rounds
 * instead and test_hostile.py misses the loop's log line.
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void round_(uint16_t last, const char *what)
{
	uint8_t *p = alloc(HOSTILE_QUEUE_SIZE * HOSTILE_NET_BUF, 64);
	struct virtio_net n;
	uint32_t used = 0;
	uint16_t i;

	if (!check(p, "no memory") || !hostile_net_open(&n, 0))
		return;
	/* Descriptors 0..last, each to the next, the last back to 0. */
	for (i = 0; i <= last; i++)
		hostile_net_desc(&n, HOSTILE_NET_RX, i,
				 (uint64_t)(p + i * HOSTILE_NET_BUF),
				 HOSTILE_NET_BUF,
				 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
				 (uint16_t)(i == last ? 0 : i + 1));
	hostile_net_outcome(hostile_net_rx_round(&n, &used), used, what);
	hostile_net_recover(&n);
}

void hostile_net_rx_desc_loop(void)
{
	round_(HOSTILE_QUEUE_SIZE - 1, "ring of all 8 descriptors");
	round_(0, "descriptor 0 -> 0");
}
