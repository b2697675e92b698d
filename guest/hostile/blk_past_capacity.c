// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk_past_capacity: a read at the first sector past the end, a read of
 * two sectors from the last one, and a write past the end (virtio 1.2,
 * 5.2.6.1: the device must fail them with IOERR). A raw-file backend
 * that is not stopped here extends the file or reads what follows it.
 *
 * vigil: rw_request_ok -> sector_range_ok (devices/virtio_blk.c) checks
 * the whole range against the capacity: IOERR, logged.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

void hostile_blk_past_capacity(void)
{
	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, 0);
	struct virtio_blk b;

	if (!r || !hostile_open(&b, 0))
		return;
	hostile_refused(hostile_request(&b, r, VIRTIO_BLK_T_IN, b.capacity, 512,
					NULL),
			"read at the capacity");
	hostile_refused(hostile_request(&b, r, VIRTIO_BLK_T_IN, b.capacity - 1,
					1024, NULL),
			"read across the end");
	hostile_refused(hostile_request(&b, r, VIRTIO_BLK_T_OUT, b.capacity,
					512, NULL),
			"write at the capacity");
	hostile_recover(&b);
}
