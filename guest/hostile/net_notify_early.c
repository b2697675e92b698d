// SPDX-License-Identifier: GPL-2.0-only
/*
 * net_notify_early: a transmit made available and notified while both
 * queues are ready but the device is not yet live (virtio 1.2, 3.1.1: no
 * notification before DRIVER_OK; 2.1.2: the device must not use the
 * rings before it). The frame is tagged "erly" for test_hostile.py's
 * peer. A device that sends it uses rings whose features and layout the
 * driver has not confirmed: a driver that goes on to change them (or
 * fails the device) has had a frame sent from memory it still owned.
 *
 * vigil: the notification reaches the I/O thread through an ioeventfd
 * (nothing is logged) and virtio_mmio_process_queue
 * (devices/virtio_mmio.c) serves a queue only on a live device, so
 * virtio_net_process_tx never sees it. On DRIVER_OK, write_status looks
 * at the ready queues: the held frame is then sent, once, which the peer
 * checks. Without the DRIVER_OK test the frame goes before it, and the
 * guest sees "served-early".
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "tsc.h"

#define HOLD_MS 200

void hostile_net_notify_early(void)
{
	uint8_t *p = alloc(NET_HDR_LEN + HOSTILE_NET_FRAME, 64);
	struct virtio_net n;
	uint32_t used = 0;
	bool held;
	int result;

	if (!check(p, "no memory") || !hostile_net_setup(&n, 0))
		return;
	hostile_net_frame(p, HOSTILE_NET_FRAME, "erly", 3);
	hostile_net_desc(&n, HOSTILE_NET_TX, 0, (uint64_t)p,
			 NET_HDR_LEN + HOSTILE_NET_FRAME, 0, 0);
	hostile_net_post(&n, HOSTILE_NET_TX, 0);
	udelay(HOLD_MS * 1000);
	held = !virtq_has_used(&n.tx);
	hostile_outcome("%s", held ? "held" : "served-early");
	check(held, "the device sent a frame before DRIVER_OK");
	virtio_mmio_driver_ok(&n.mmio);
	virtio_mmio_notify(&n.mmio, HOSTILE_NET_TX);
	result = hostile_net_wait(&n, HOSTILE_NET_TX, &used);
	check(result == HOSTILE_USED && used == 0,
	      "after DRIVER_OK the frame was not sent: %s, used length %u",
	      hostile_result_name(result), used);
	hostile_net_recover(&n);
}
