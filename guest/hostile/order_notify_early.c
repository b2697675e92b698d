// SPDX-License-Identifier: GPL-2.0-only
/*
 * order_notify_early: the driver must not notify before DRIVER_OK, and
 * the device must not use the rings before it (virtio 1.2, 3.1.1, 2.1.2).
 * Notify before the queue is ready, then make a request available and
 * notify while the queue is ready but the device not yet live. A device
 * that serves it reads rings whose features and layout were never
 * confirmed, or reads a queue whose addresses are still zero.
 *
 * vigil: the notification reaches the I/O thread (an ioeventfd, so no
 * register handler runs and nothing is logged) and
 * virtio_mmio_process_queue (devices/virtio_mmio.c) does nothing unless
 * the device is live and the queue ready. On DRIVER_OK, write_status
 * looks at the ready queues: the held request then completes.
 */
#include <linux/virtio_config.h>

#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "tsc.h"

#define HOLD_MS 200

void hostile_order_notify_early(void)
{
	struct blk_req *r = alloc(sizeof(*r), 16);
	void *buf = alloc(HOSTILE_DATA_SIZE, 4096);
	struct virtq_buf seg = { buf, HOSTILE_DATA_SIZE };
	struct virtio_blk b;
	const char *why = "";
	bool held, ok;

	if (!r || !buf || !hostile_negotiate(&b, 0))
		return;
	virtio_mmio_notify(&b.mmio, 0);
	if (!check(virtq_init(&b.vq, HOSTILE_QUEUE_SIZE, false), "no memory"))
		return;
	virtq_disable_interrupts(&b.vq);
	/* why is set by the call: call first, then report. */
	ok = virtio_mmio_setup_queue(&b.mmio, 0, &b.vq, &why);
	if (!check(ok, "queue 0: %s", why))
		return;
	if (!check(virtio_blk_submit(&b, r, VIRTIO_BLK_T_IN, 0, &seg, 1),
		   "cannot queue the request"))
		return;
	virtio_blk_kick(&b);
	udelay(HOLD_MS * 1000);
	held = !virtq_has_used(&b.vq);
	hostile_outcome("%s", held ? "held" : "served-early");
	check(held, "the device served a request before DRIVER_OK");
	virtio_mmio_driver_ok(&b.mmio);
	virtio_blk_kick(&b);
	ok = virtio_blk_wait(&b, r, HOSTILE_WAIT_MS * 1000) &&
	     r->status == VIRTIO_BLK_S_OK;
	check(ok, "after DRIVER_OK the request did not complete (status %u)",
	      r->status);
	hostile_recover(&b);
}
