// SPDX-License-Identifier: GPL-2.0-only
/*
 * inflight_queue_off: stop the queue (QueueReady 0) while a read is in
 * flight, then notify it with a new request. The driver reads QueueReady
 * back to know the device has stopped using the queue (virtio 1.2,
 * 4.2.2); after that the rings are the driver's. A device that flips a
 * flag but lets the running request complete, or serves the stopped
 * queue on the next notification, writes into rings the driver is
 * tearing down.
 *
 * vigil: write_queue_ready takes the device lock, so it waits for the
 * request being served, and drains the queue: a request on one of the
 * drive's workers completes before QueueReady reads 0 (drain_queue);
 * virtio_mmio_process_queue serves only ready queues
 * (devices/virtio_mmio.c). Nothing is written after QueueReady
 * reads 0, and the new request is not served (the notification is
 * logged: queue not ready). The device is usable again after a reset.
 */
#include <linux/virtio_mmio.h>

#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

void hostile_inflight_queue_off(void)
{
	struct hostile_req *r, *next;
	struct virtio_blk b;
	int result;
	uint32_t ready;
	bool quiet;

	if (!hostile_open(&b, 0) || !(r = hostile_in_flight(&b)))
		return;
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_SEL, 0);
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_READY, 0);
	ready = hostile_reg_read(&b, VIRTIO_MMIO_QUEUE_READY);
	check(ready == 0, "QueueReady reads %u after writing 0", ready);
	quiet = hostile_quiet(&b, r);
	hostile_outcome("%s", quiet ? "quiet" : "wrote-after");
	check(quiet, "the device wrote after the queue was stopped");
	next = hostile_req(VIRTIO_BLK_T_IN, 0);
	if (!next)
		return;
	{
		const struct hostile_seg segs[] = {
			{ (uint64_t)&next->hdr, sizeof(next->hdr), 0 },
			{ (uint64_t)&next->status, 1, VRING_DESC_F_WRITE },
		};

		/* Descriptors 0-1 again: the stopped queue holds no request. */
		hostile_chain(&b, segs, 2);
	}
	result = hostile_wait(&b, next, NULL);
	hostile_outcome("%s",
			result == HOSTILE_SILENT ? "not-served" : "served");
	check(result == HOSTILE_SILENT, "a stopped queue served a request: %s",
	      hostile_result_name(result));
	hostile_recover(&b);
}
