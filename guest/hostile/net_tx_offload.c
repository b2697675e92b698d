// SPDX-License-Identifier: GPL-2.0-only
/*
 * net_tx_offload: transmit headers that ask for offloads the driver
 * never negotiated (virtio 1.2, 5.1.6.2.1: without VIRTIO_NET_F_CSUM the
 * driver must not set NEEDS_CSUM, without a GSO feature gso_type must be
 * NONE): flags NEEDS_CSUM with csum_start 34 and csum_offset 16, then
 * gso_type TCPV4 with gso_size 1448. The frames are tagged "csum" and
 * "gso4" for test_hostile.py's peer. A device that acts on them has its
 * backend finish a checksum at offsets the guest chose (a write past the
 * frame) or cut one frame into segments by a size it never agreed to; one
 * that passes them on sends frames whose checksum is wrong.
 *
 * vigil: tx_check (devices/virtio_net.c) copies the header once and
 * refuses any flags or gso_type ("tx head N: flags 0x1 gso_type 0 not
 * negotiated"): the chain is completed with used length 0 and the frame
 * never reaches the backend. With that check removed both frames reach
 * the peer and test_hostile.py's check that they never do fails.
 */
#include <linux/virtio_net.h>

#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void round_(uint8_t flags, uint8_t gso_type, const char *tag)
{
	struct virtio_net n;
	uint8_t *p = hostile_net_open_tx(&n, HOSTILE_NET_FRAME, tag, 0);
	struct virtio_net_hdr_v1 *h = (struct virtio_net_hdr_v1 *)p;
	uint32_t used = 0;
	int result;

	if (!p)
		return;
	h->flags = flags;
	h->gso_type = gso_type;
	h->csum_start = 34;
	h->csum_offset = 16;
	h->gso_size = gso_type ? 1448 : 0;
	result = hostile_net_send(&n, 0, p, NET_HDR_LEN + HOSTILE_NET_FRAME,
				  &used);
	hostile_net_outcome(result, used, tag);
	hostile_net_recover(&n);
}

void hostile_net_tx_offload(void)
{
	round_(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, "csum");
	round_(0, VIRTIO_NET_HDR_GSO_TCPV4, "gso4");
}
