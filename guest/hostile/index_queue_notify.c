// SPDX-License-Identifier: GPL-2.0-only
/*
 * index_queue_notify: the value written to QueueNotify is a queue index
 * (virtio 1.2, 4.2.2). Notify the first queue that does not exist,
 * 0x80000000 and 0xffffffff on a live device. A device that looks the
 * queue up with the value reads a queue structure from past its array
 * and serves it. Mirrors CVE-2011-2512 (qemu-kvm: a negative Queue Notify
 * value passed a signed comparison).
 *
 * vigil: the notification the guest normally sends (0) is caught by an
 * ioeventfd; any other value exits to vigil's handler, which bounds it
 * against the device's queue count (devices/virtio_mmio.c,
 * write_queue_notify), logs it, and ignores it. The device stays live.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static const uint32_t bad_queue[] = { 1, 0x80000000u, 0xffffffffu };

void hostile_index_queue_notify(void)
{
	struct virtio_blk b;
	uint32_t status;
	unsigned int i;

	if (!hostile_open(&b, 0))
		return;
	for (i = 0; i < sizeof(bad_queue) / sizeof(bad_queue[0]); i++) {
		hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_NOTIFY, bad_queue[i]);
		status = hostile_reg_read(&b, VIRTIO_MMIO_STATUS);
		hostile_outcome("%s", status & VIRTIO_CONFIG_S_NEEDS_RESET ?
					      "needs-reset" :
					      "ignored");
	}
	hostile_still_works(&b);
	hostile_recover(&b);
}
