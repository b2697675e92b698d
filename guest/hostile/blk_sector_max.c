// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk_sector_max: read and write one sector at sector 2^64 - 1. The byte
 * offset sector * 512 wraps to 0xfffffffffffffe00; a device that checks
 * "offset + len <= size" on the wrapped values, or passes the offset to
 * the backend unchecked, reads or writes where the guest may not.
 *
 * vigil: sector_range_ok (devices/virtio_blk.c) compares sector counts,
 * not byte offsets, and without overflow: sector <= capacity and
 * count <= capacity - sector. The request completes with IOERR, logged.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

void hostile_blk_sector_max(void)
{
	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, 0);
	struct virtio_blk b;

	if (!r || !hostile_open(&b, 0))
		return;
	hostile_refused(hostile_request(&b, r, VIRTIO_BLK_T_IN, ~0ull, 512,
					NULL),
			"read at sector 2^64 - 1");
	hostile_refused(hostile_request(&b, r, VIRTIO_BLK_T_OUT, ~0ull, 512,
					NULL),
			"write at sector 2^64 - 1");
	hostile_recover(&b);
}
