// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk_short_header: a request whose device-readable part is 8 bytes,
 * half a header (virtio 1.2, 5.2.6: type, reserved, sector). A device
 * that reads a struct's worth from the first buffer takes the sector from
 * the next 8 bytes of guest memory - whatever they are - or from past the
 * end of RAM.
 *
 * vigil: parse_request (devices/virtio_blk.c) counts the readable bytes
 * across the whole chain and copies the header only when there are 16:
 * logged, DEVICE_NEEDS_RESET (there is no request to answer).
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t arg)
{
	const struct hostile_seg segs[] = {
		{ (uint64_t)&r->hdr, 8, 0 },
		{ (uint64_t)r->data, 512, VRING_DESC_F_WRITE },
		{ (uint64_t)&r->status, 1, VRING_DESC_F_WRITE },
	};

	(void)arg;
	hostile_chain(b, segs, 3);
}

void hostile_blk_short_header(void)
{
	hostile_round(0, post, 0, "8-byte request header");
}
