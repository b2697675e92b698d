// SPDX-License-Identifier: GPL-2.0-only
/*
 * order_no_features_ok: the features are agreed when FEATURES_OK sticks,
 * and only then may the driver set up queues and set DRIVER_OK (virtio
 * 1.2, 3.1.1 steps 5-8). Skip FEATURES_OK: make queue 0 ready, then set
 * DRIVER_OK. A device that goes live then serves rings whose format
 * (EVENT_IDX, indirect descriptors) was never agreed, with features the
 * driver may still change.
 *
 * vigil: enable_queue refuses QueueReady before FEATURES_OK, and
 * write_status refuses a Status whose bits are out of the spec's order
 * (status_order_ok, devices/virtio_mmio.c): both are logged, QueueReady
 * reads 0 and Status keeps ACKNOWLEDGE | DRIVER.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

#define ACK_DRIVER (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER)

void hostile_order_no_features_ok(void)
{
	struct virtio_blk b;
	uint32_t ready, status;

	if (!hostile_negotiate(&b, 0) ||
	    !check(virtq_init(&b.vq, HOSTILE_QUEUE_SIZE, false), "no memory"))
		return;
	/* Back to before FEATURES_OK, with VERSION_1 written. */
	hostile_reg_write(&b, VIRTIO_MMIO_STATUS, 0);
	hostile_reg_write(&b, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	hostile_reg_write(&b, VIRTIO_MMIO_STATUS, ACK_DRIVER);
	hostile_reg_write(&b, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	hostile_reg_write(&b, VIRTIO_MMIO_DRIVER_FEATURES,
			  1u << (VIRTIO_F_VERSION_1 - 32));

	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_SEL, 0);
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_NUM, HOSTILE_QUEUE_SIZE);
	hostile_ring_regs(&b, (uint64_t)b.vq.desc, (uint64_t)b.vq.avail,
			  (uint64_t)b.vq.used);
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_READY, 1);
	ready = hostile_reg_read(&b, VIRTIO_MMIO_QUEUE_READY);
	hostile_outcome("%s", ready ? "ready" : "refused");

	hostile_reg_write(&b, VIRTIO_MMIO_STATUS,
			  ACK_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK);
	status = hostile_reg_read(&b, VIRTIO_MMIO_STATUS);
	hostile_outcome("%s", status & VIRTIO_CONFIG_S_DRIVER_OK ? "live" :
								   "refused");
	note("QueueReady %u, Status 0x%x", ready, status);
	hostile_recover(&b);
}
