// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk_sector_overflow: requests whose end overflows: two sectors from
 * 2^64 - 1 (sector + count wraps to 1) and one sector at 2^55 (sector *
 * 512 wraps to byte 0, so an unchecked backend reads sector 0). Both pass
 * a check written as "sector + count <= capacity" or made on bytes.
 *
 * vigil: sector_range_ok (devices/virtio_blk.c) never adds or multiplies
 * before comparing: sector <= capacity and count <= capacity - sector.
 * IOERR, logged.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

void hostile_blk_sector_overflow(void)
{
	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, 0);
	struct virtio_blk b;

	if (!r || !hostile_open(&b, 0))
		return;
	hostile_refused(hostile_request(&b, r, VIRTIO_BLK_T_IN, ~0ull, 1024,
					NULL),
			"two sectors from 2^64 - 1");
	hostile_refused(hostile_request(&b, r, VIRTIO_BLK_T_IN, 1ull << 55, 512,
					NULL),
			"one sector at 2^55");
	hostile_recover(&b);
}
