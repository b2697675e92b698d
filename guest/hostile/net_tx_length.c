// SPDX-License-Identifier: GPL-2.0-only
/*
 * net_tx_length: transmit chains whose frame no NIC would send: 1515
 * bytes, one more than the 1500-byte MTU and the Ethernet header allow,
 * then a 13-byte runt, shorter than an Ethernet header. Each is a plain
 * header and frame in one device-readable buffer, tagged "long" and
 * "runt" for test_hostile.py's peer. A device that passes the length on
 * hands its backend a frame larger than the MTU it advertised (a buffer
 * sized by the MTU overflows, a switch drops it or worse) or one without
 * an Ethernet header to route by.
 *
 * vigil: tx_check (devices/virtio_net.c) refuses a chain whose frame is
 * outside 14..MTU + 14 bytes ("tx head N: M bytes, not a header and
 * 14..1514 frame bytes"): it is completed with used length 0 and never
 * reaches the backend. With that check removed both frames reach the
 * peer, which test_hostile.py checks never sees a frame outside
 * 14..1514 bytes.
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void round_(uint32_t len, const char *tag)
{
	struct virtio_net n;
	uint8_t *p = hostile_net_open_tx(&n, len, tag, 0);
	uint32_t used = 0;
	int result;

	if (!p)
		return;
	result = hostile_net_send(&n, 0, p, NET_HDR_LEN + len, &used);
	hostile_net_outcome(result, used, tag);
	check(result != HOSTILE_USED || used == 0,
	      "%u-byte frame: used length %u for a transmit", len, used);
	hostile_net_recover(&n);
}

void hostile_net_tx_length(void)
{
	round_(ETH_HLEN + 1500 + 1, "long");
	round_(ETH_HLEN - 1, "runt");
}
