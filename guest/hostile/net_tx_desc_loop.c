// SPDX-License-Identifier: GPL-2.0-only
/*
 * net_tx_desc_loop: transmit chains that never end (virtio 1.2, 2.7.5.2):
 * a header descriptor and a frame descriptor linked 0 -> 1 -> 0, then a
 * descriptor holding header and frame that is its own next. The frames
 * are tagged "loop" for test_hostile.py's peer. A device that gathers
 * the chain into an iovec or sums its length without a bound spins on its
 * I/O thread, or writes past its iovec array, or sends an endless frame.
 *
 * vigil: walk_table (devices/virtq.c) takes at most queue-size steps over
 * the table; one more is a repeat, logged as a descriptor loop, and
 * virtio_net_process_tx returns the error: the transmit queue is broken,
 * the device reports DEVICE_NEEDS_RESET and nothing is sent. With that
 * check removed, add_buf's bound ("chain longer than queue size 8") stops
 * both rounds and test_hostile.py misses the loop's log line.
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void round_(bool two, const char *what)
{
	struct virtio_net n;
	uint8_t *p = hostile_net_open_tx(&n, HOSTILE_NET_FRAME, "loop", 0);
	uint32_t used = 0;

	if (!p)
		return;
	if (two) {
		hostile_net_desc(&n, HOSTILE_NET_TX, 0, (uint64_t)p,
				 NET_HDR_LEN, VRING_DESC_F_NEXT, 1);
		hostile_net_desc(&n, HOSTILE_NET_TX, 1,
				 (uint64_t)(p + NET_HDR_LEN), HOSTILE_NET_FRAME,
				 VRING_DESC_F_NEXT, 0);
	} else {
		hostile_net_desc(&n, HOSTILE_NET_TX, 0, (uint64_t)p,
				 NET_HDR_LEN + HOSTILE_NET_FRAME,
				 VRING_DESC_F_NEXT, 0);
	}
	hostile_net_post(&n, HOSTILE_NET_TX, 0);
	hostile_net_outcome(hostile_net_wait(&n, HOSTILE_NET_TX, &used), used,
			    what);
	hostile_net_recover(&n);
}

void hostile_net_tx_desc_loop(void)
{
	round_(true, "header 0 -> frame 1 -> 0");
	round_(false, "descriptor 0 -> 0");
}
