// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk_status_ro: the status descriptor without VIRTQ_DESC_F_WRITE: after
 * a writable data buffer, and as the only buffer after the header. The
 * device must write the status; it may not write a buffer the driver
 * marked read-only. A device that writes "the last byte of the chain"
 * without looking at the flag writes into read-only memory the guest may
 * be using (or that is read-only on the host side, shared between VMs).
 *
 * vigil: add_buf (devices/virtq.c) refuses a readable buffer after a
 * writable one when the chain is copied in; parse_request
 * (devices/virtio_blk.c) refuses a chain with no writable byte. Both are
 * logged, and the device sets DEVICE_NEEDS_RESET: there is nowhere to
 * write a status.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t data)
{
	struct hostile_seg segs[] = {
		{ (uint64_t)&r->hdr, sizeof(r->hdr), 0 },
		{ (uint64_t)r->data, 512, VRING_DESC_F_WRITE },
		{ (uint64_t)&r->status, 1, 0 },
	};

	if (data) {
		hostile_chain(b, segs, 3);
	} else {
		segs[1] = segs[2];
		hostile_chain(b, segs, 2);
	}
}

void hostile_blk_status_ro(void)
{
	hostile_round(0, post, 1, "read-only status after writable data");
	hostile_round(0, post, 0, "read-only status, nothing writable");
}
