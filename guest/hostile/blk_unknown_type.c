// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk_unknown_type: request types that are not defined, or not for this
 * device: 0x5a5a5a5a, 0xffffffff, and 2 (VIRTIO_BLK_T_SCSI_CMD, legacy
 * only). A device that dispatches through a table indexed by the type
 * jumps through memory past it; one that treats "not IN" as "OUT" writes
 * the guest's buffers to the disk.
 *
 * vigil: blk_prepare (devices/virtio_blk.c) switches on the four types it
 * implements; anything else completes with UNSUPP (virtio 1.2, 5.2.6.1),
 * logged.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static const uint32_t bad_type[] = { 0x5a5a5a5au, 0xffffffffu,
				     VIRTIO_BLK_T_SCSI_CMD };

void hostile_blk_unknown_type(void)
{
	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, 0);
	struct virtio_blk b;
	unsigned int i;

	if (!r || !hostile_open(&b, 0))
		return;
	for (i = 0; i < sizeof(bad_type) / sizeof(bad_type[0]); i++)
		hostile_refused(hostile_request(&b, r, bad_type[i], 0, 0, NULL),
				"unknown request type");
	hostile_recover(&b);
}
