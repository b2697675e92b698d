// SPDX-License-Identifier: GPL-2.0-only
/*
 * net_rx_zero_len: receive chains with a device-writable buffer of
 * length 0: one alone, then a whole 1526-byte buffer followed by one.
 * The peer sends a frame each time. A device that fills "until the
 * buffer is full" never advances on it; one that computes len - 1 for a
 * buffer's last byte underflows and writes anywhere; one that skips it
 * and counts it as room hands the guest a chain it cannot account for.
 *
 * vigil: add_buf (devices/virtq.c) refuses a zero-length buffer when the
 * chain is popped ("head N: buffer M has length 0"): the receive queue is
 * broken and the device reports DEVICE_NEEDS_RESET. With that check
 * removed, gm_range_valid refuses the empty range as "outside guest RAM"
 * and test_hostile.py misses the zero-length log lines; with both
 * removed the first round would complete "empty" (rx_one finds no room)
 * and the second deliver the frame: other outcome words.
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void round_(bool data_first, const char *what)
{
	uint8_t *p = alloc(HOSTILE_NET_BUF * 2, 64);
	struct virtio_net n;
	uint32_t used = 0;
	uint16_t i = 0;
	int result;

	if (!check(p, "no memory") || !hostile_net_open(&n, 0))
		return;
	if (data_first)
		hostile_net_desc(&n, HOSTILE_NET_RX, i++, (uint64_t)p,
				 HOSTILE_NET_BUF,
				 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	hostile_net_desc(&n, HOSTILE_NET_RX, i, (uint64_t)(p + HOSTILE_NET_BUF),
			 0, VRING_DESC_F_WRITE, 0);
	result = hostile_net_outcome(hostile_net_rx_round(&n, &used), used,
				     what);
	check(result != HOSTILE_USED ||
		      used <= (data_first ? HOSTILE_NET_BUF : 0),
	      "%s: used length %u past the chain's room", what, used);
	hostile_net_recover(&n);
}

void hostile_net_rx_zero_len(void)
{
	round_(false, "one zero-length writable buffer");
	round_(true, "1526 bytes, then a zero-length buffer");
}
