// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk_status_only: requests whose only device-writable byte is the status
 * byte: a read whose data buffer is device-readable, a read with no data
 * at all, and a GET_ID with no room for the ID. A device that finds "the
 * data" by position writes the sector into the read-only buffer (or the
 * ID over the status byte, then the status past it).
 *
 * vigil: parse_request (devices/virtio_blk.c) splits the chain into
 * readable and writable bytes and the status is the last writable byte;
 * no_stray_data refuses readable data on a read (IOERR, logged); an empty
 * read and a GET_ID with no room complete OK, writing only the status
 * (used length 1).
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

void hostile_blk_status_only(void)
{
	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, 0);
	struct virtio_blk b;
	uint32_t len = 0;
	int result;

	if (!r || !hostile_open(&b, 0))
		return;
	{
		const struct hostile_seg segs[] = {
			{ (uint64_t)&r->hdr, sizeof(r->hdr), 0 },
			{ (uint64_t)r->data, 512, 0 },
			{ (uint64_t)&r->status, 1, VRING_DESC_F_WRITE },
		};

		r->data[0] = 0x5a;
		hostile_chain(&b, segs, 3);
		hostile_refused(hostile_wait(&b, r, NULL),
				"read into a device-readable buffer");
		check(r->data[0] == 0x5a, "the device wrote a readable buffer");
	}
	result = hostile_request(&b, r, VIRTIO_BLK_T_IN, 0, 0, &len);
	hostile_outcome("%s", hostile_result_name(result));
	check(result == VIRTIO_BLK_S_OK || result == VIRTIO_BLK_S_IOERR,
	      "read of nothing: %s", hostile_result_name(result));
	check(result != VIRTIO_BLK_S_OK || len == 1,
	      "read of nothing: used length %u", len);
	result = hostile_request(&b, r, VIRTIO_BLK_T_GET_ID, 0, 0, &len);
	hostile_outcome("%s", hostile_result_name(result));
	check(result == VIRTIO_BLK_S_OK || result == VIRTIO_BLK_S_IOERR,
	      "GET_ID with no room: %s", hostile_result_name(result));
	check(result != VIRTIO_BLK_S_OK || len == 1,
	      "GET_ID with no room: used length %u", len);
	hostile_recover(&b);
}
