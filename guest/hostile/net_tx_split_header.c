// SPDX-License-Identifier: GPL-2.0-only
/*
 * net_tx_split_header: transmit chains whose 12-byte header is split over
 * descriptors, which virtio 1.2 allows with VERSION_1 (2.6.4: the device
 * must not assume any framing of the buffers): the header in three
 * 4-byte descriptors and the frame in a fourth, then 5 header bytes in
 * one descriptor and the other 7 with the frame in the next. Both must be
 * accepted and reach the peer whole, tagged "whol", seeds 1 and 2. A
 * device that takes the first descriptor for the header reads its flags
 * from the wrong bytes and sends part of the header as the frame, or
 * refuses a valid driver's frames.
 *
 * vigil: tx_check (devices/virtio_net.c) reads the header with
 * virtq_chain_read across the chain's buffers and tx_send maps the frame
 * from byte 12 of the chain (virtq_chain_map), wherever the buffers
 * split. test_hostile.py checks that the peer got both frames byte for
 * byte: with tx_check taught the "header is the first descriptor"
 * assumption (a chain whose first buffer is shorter than the header
 * dropped), the guest still sees its chains answered but neither frame
 * reaches the peer, and that check fails.
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

/* @cuts: where the chain's buffers end, the last at the frame's end. */
static void round_(const uint32_t *cuts, unsigned int n_cuts, uint8_t seed,
		   const char *what)
{
	struct virtio_net n;
	uint8_t *p = hostile_net_open_tx(&n, HOSTILE_NET_FRAME, "whol", seed);
	uint32_t used = 0, start = 0;
	unsigned int i;
	int result;

	if (!p)
		return;
	for (i = 0; i < n_cuts; i++) {
		hostile_net_desc(&n, HOSTILE_NET_TX, (uint16_t)i,
				 (uint64_t)(p + start), cuts[i] - start,
				 i + 1 < n_cuts ? VRING_DESC_F_NEXT : 0,
				 (uint16_t)(i + 1 < n_cuts ? i + 1 : 0));
		start = cuts[i];
	}
	hostile_net_post(&n, HOSTILE_NET_TX, 0);
	result = hostile_net_outcome(
		hostile_net_wait(&n, HOSTILE_NET_TX, &used), used, what);
	check(result == HOSTILE_USED && used == 0,
	      "%s: a valid transmit answered %s, used length %u", what,
	      hostile_result_name(result), used);
	hostile_net_recover(&n);
}

void hostile_net_tx_split_header(void)
{
	static const uint32_t three[] = { 4, 8, NET_HDR_LEN,
					  NET_HDR_LEN + HOSTILE_NET_FRAME };
	static const uint32_t two[] = { 5, NET_HDR_LEN + HOSTILE_NET_FRAME };

	round_(three, 4, 1, "header over three descriptors");
	round_(two, 2, 2, "header split 5 + 7, the frame with the 7");
}
