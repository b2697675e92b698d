// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk_len_not_512: a read of 100 bytes and a write of 513 (virtio-blk
 * transfers whole 512-byte sectors, virtio 1.2, 5.2.6). A device that
 * rounds the length down transfers less than the used length claims;
 * one that rounds up writes past the guest's buffer; an O_DIRECT backend
 * fails with EINVAL in a way the device may not expect.
 *
 * vigil: rw_request_ok (devices/virtio_blk.c) refuses a data length that
 * is not a multiple of 512: IOERR, logged.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

void hostile_blk_len_not_512(void)
{
	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, 0);
	struct virtio_blk b;

	if (!r || !hostile_open(&b, 0))
		return;
	hostile_refused(hostile_request(&b, r, VIRTIO_BLK_T_IN, 0, 100, NULL),
			"read of 100 bytes");
	hostile_refused(hostile_request(&b, r, VIRTIO_BLK_T_OUT, 0, 513, NULL),
			"write of 513 bytes");
	hostile_recover(&b);
}
