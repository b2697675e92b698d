// SPDX-License-Identifier: GPL-2.0-only
/*
 * order_queue_after_ok: once the device is live the driver must not
 * change a queue's size or rings (virtio 1.2, 4.2.3.2: the queue is
 * configured before DRIVER_OK; 4.2.2.3: not while QueueReady is 1). Write
 * QueueNum 4 and the addresses of another set of rings, and QueueReady 1
 * again, to the live queue 0; then stop it (QueueReady 0) and try to
 * start it again. A device that applies the writes serves from rings the
 * driver is not using (or half-moved ones: the addresses are written
 * 32 bits at a time), with indices that no longer match them.
 *
 * vigil: configurable_queue (devices/virtio_mmio.c) takes queue
 * configuration only for an existing queue that is not ready, before
 * DRIVER_OK; write_queue_ready refuses QueueReady 1 after DRIVER_OK. The
 * first writes are logged and ignored (requests keep completing on the
 * original rings); the stopped queue stays stopped until reset.
 */
#include <linux/virtio_mmio.h>

#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

void hostile_order_queue_after_ok(void)
{
	struct virtio_blk b;
	struct virtq other;
	uint32_t ready;

	if (!hostile_open(&b, 0) ||
	    !check(virtq_init(&other, 4, false), "no memory"))
		return;
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_SEL, 0);
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_NUM, 4);
	hostile_ring_regs(&b, (uint64_t)other.desc, (uint64_t)other.avail,
			  (uint64_t)other.used);
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_READY, 1);
	hostile_outcome("%s", hostile_still_works(&b) ? "ignored" : "applied");

	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_READY, 0);
	ready = hostile_reg_read(&b, VIRTIO_MMIO_QUEUE_READY);
	check(ready == 0, "QueueReady reads %u after writing 0", ready);
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_READY, 1);
	ready = hostile_reg_read(&b, VIRTIO_MMIO_QUEUE_READY);
	hostile_outcome("%s", ready ? "restarted" : "refused");
	hostile_recover(&b);
}
