// SPDX-License-Identifier: GPL-2.0-only
/*
 * inflight_status: change Status while a read is in flight: clear bits
 * without a reset (ACKNOWLEDGE alone), then add FAILED (the driver gives
 * up, virtio 1.2, 2.1), then make another request available. A device
 * that acts on the half-cleared state, or keeps serving after FAILED,
 * runs its state machine from a state the spec does not have.
 *
 * vigil: every register write takes the device lock, so it waits for the
 * request being served (devices/virtio_mmio.c); write_status refuses to
 * clear bits (logged), accepts FAILED after draining what the drive's
 * workers hold (drain_ready_queues), and device_live() is false from then
 * on: the next request is not served until the driver resets.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

void hostile_inflight_status(void)
{
	struct hostile_req *r, *next;
	struct virtio_blk b;
	int result;
	uint32_t status;

	if (!hostile_open(&b, 0) || !(r = hostile_in_flight(&b)))
		return;
	hostile_reg_write(&b, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	status = hostile_reg_read(&b, VIRTIO_MMIO_STATUS);
	hostile_outcome("%s", status == 0xf ? "refused" : "stored");
	hostile_reg_write(&b, VIRTIO_MMIO_STATUS, 0xf | VIRTIO_CONFIG_S_FAILED);
	status = hostile_reg_read(&b, VIRTIO_MMIO_STATUS);
	note("Status 0x%x after FAILED", status);
	check(hostile_quiet(&b, r), "the device wrote after FAILED");
	next = hostile_req(VIRTIO_BLK_T_IN, 0);
	if (!next)
		return;
	{
		const struct hostile_seg segs[] = {
			{ (uint64_t)&next->hdr, sizeof(next->hdr), 0 },
			{ (uint64_t)&next->status, 1, VRING_DESC_F_WRITE },
		};

		hostile_chain(&b, segs, 2);
	}
	result = hostile_wait(&b, next, NULL);
	/* The spec leaves a FAILED device's behaviour open: recorded only. */
	hostile_outcome("%s",
			result == HOSTILE_SILENT ? "not-served" : "served");
	hostile_recover(&b);
}
