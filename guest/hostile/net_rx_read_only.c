// SPDX-License-Identifier: GPL-2.0-only
/*
 * net_rx_read_only: receive chains that give the device something it
 * may only read: one device-readable 1526-byte buffer, then a readable
 * buffer followed by a writable one. The device must never write to a
 * device-readable buffer (virtio 1.2, 2.7.5.1) and a receive chain is
 * device-writable only (5.1.6.3). A device that fills buffers without
 * looking at VIRTQ_DESC_F_WRITE writes a frame from the network, bytes
 * an outsider chose, over memory the guest handed out for reading.
 *
 * vigil: rx_room (devices/virtio_net.c) gives a chain with any
 * device-readable buffer no room ("rx head N: buffer M is
 * device-readable"): rx_one completes it with used length 0 and the frame
 * is dropped. With that check removed the frame lands in the readable
 * buffer (virtq_chain_write does not look at the direction) and the
 * guest's check below fails.
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "string.h"

static bool untouched(const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		if (p[i] != 0x5a)
			return false;
	return true;
}

static void round_(bool writable_after, const char *what)
{
	uint8_t *p = alloc(HOSTILE_NET_BUF * 2, 64);
	struct virtio_net n;
	uint32_t used = 0;

	if (!check(p, "no memory") || !hostile_net_open(&n, 0))
		return;
	memset(p, 0x5a, HOSTILE_NET_BUF * 2);
	hostile_net_desc(&n, HOSTILE_NET_RX, 0, (uint64_t)p, HOSTILE_NET_BUF,
			 writable_after ? VRING_DESC_F_NEXT : 0, 1);
	hostile_net_desc(&n, HOSTILE_NET_RX, 1, (uint64_t)(p + HOSTILE_NET_BUF),
			 HOSTILE_NET_BUF, VRING_DESC_F_WRITE, 0);
	hostile_net_outcome(hostile_net_rx_round(&n, &used), used, what);
	check(untouched(p, HOSTILE_NET_BUF),
	      "%s: the device wrote to a device-readable buffer", what);
	hostile_net_recover(&n);
}

void hostile_net_rx_read_only(void)
{
	round_(false, "one device-readable buffer");
	round_(true, "readable then writable");
}
