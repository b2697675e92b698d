// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_zero_len: a data buffer of length 0 in the middle of a read. A
 * device that loops "until the buffer is full" over it never advances
 * (QEMU once looped forever mapping one: it has refused them since 2016,
 * "zero sized buffers are not allowed"); one that computes len - 1 for
 * the last byte underflows.
 *
 * vigil: add_buf (devices/virtq.c) refuses a zero-length buffer when the
 * chain is copied in: logged, DEVICE_NEEDS_RESET.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t arg)
{
	(void)arg;
	hostile_post_read(b, r, (uint64_t)r->data, 0);
}

void hostile_desc_zero_len(void)
{
	hostile_round(0, post, 0, "zero-length data buffer");
}
