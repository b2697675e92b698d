// SPDX-License-Identifier: GPL-2.0-only
/*
 * net_rx_short: receive chains too short for what the device must write
 * (virtio 1.2, 5.1.6.3.1: every buffer holds a whole header, without
 * MRG_RXBUF the header and a whole frame): an 8-byte buffer, less than
 * the 12-byte struct virtio_net_hdr_v1, first without MRG_RXBUF and then
 * with it; then, without it, a header and 20 bytes for a 60-byte frame.
 * The peer sends a 60-byte frame each time. A device that writes the
 * header before it looks at the room writes past the buffer into
 * whatever the guest keeps there; one that cuts the frame short hands the
 * guest's stack a truncated frame as a whole one.
 *
 * vigil: rx_one (devices/virtio_net.c) compares the chain's room
 * (rx_room) with the header and the frame before writing anything, and
 * rx_merge refuses a merged buffer smaller than a header ("rx head N: M
 * bytes, less than a header"): the chain is completed with used length 0
 * and a guest_errors line, and the frame is dropped. With the room check
 * removed from rx_one, virtq_chain_write fails past the chain's end, the
 * queue breaks (needs-reset, not "empty") and the log line is missing.
 */
#include <linux/virtio_net.h>

#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "string.h"

#define CANARY 64u

static void round_(uint64_t features, uint32_t len, const char *what)
{
	uint8_t *p = alloc(len + CANARY, 64);
	struct virtio_net n;
	uint32_t used = 0, i;
	int result;

	if (!check(p, "no memory") || !hostile_net_open(&n, features))
		return;
	memset(p, 0xa5, len + CANARY);
	hostile_net_desc(&n, HOSTILE_NET_RX, 0, (uint64_t)p, len,
			 VRING_DESC_F_WRITE, 0);
	result = hostile_net_outcome(hostile_net_rx_round(&n, &used), used,
				     what);
	check(result != HOSTILE_USED || used == 0,
	      "%s: used length %u: a frame cut short", what, used);
	for (i = 0; i < CANARY; i++)
		if (p[len + i] != 0xa5) {
			check(false, "%s: written past the %u-byte buffer",
			      what, len);
			break;
		}
	hostile_net_recover(&n);
}

void hostile_net_rx_short(void)
{
	round_(0, 8, "8 bytes without MRG_RXBUF");
	round_(1ull << VIRTIO_NET_F_MRG_RXBUF, 8, "8 bytes with MRG_RXBUF");
	round_(0, NET_HDR_LEN + 20, "a header and 20 bytes");
}
