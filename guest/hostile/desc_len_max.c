// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_len_max: a data buffer of length 0xffffffff at a valid address in
 * RAM. A device that trusts the length maps or copies 4 GiB from there,
 * past the end of guest RAM (CVE-2016-7422: QEMU's virtqueue_map_desc
 * with a large length; OpenBSD vmd read and wrote past its buffers with
 * guest-chosen lengths).
 *
 * vigil: add_buf (devices/virtq.c) checks [addr, addr + len) with
 * gm_range_valid: logged, DEVICE_NEEDS_RESET.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t arg)
{
	(void)arg;
	hostile_post_read(b, r, (uint64_t)r->data, 0xffffffffu);
}

void hostile_desc_len_max(void)
{
	hostile_round(0, post, 0, "4 GiB buffer");
}
