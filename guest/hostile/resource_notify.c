// SPDX-License-Identifier: GPL-2.0-only
/*
 * resource_notify: a flood of queue notifications: QueueNotify 0 (the
 * live queue, empty) and then QueueNotify 1 (no such queue), each as fast
 * as the CPU can write for flood_ms= (default 500) milliseconds. A device
 * that allocates, queues or logs something per notification grows without
 * bound, or floods the host's log (the kind of guest-driven host-side
 * loop behind CVE-2019-3900, Linux vhost).
 *
 * vigil: notifications of queue 0 land on an eventfd (a counter: a
 * thousand writes wake the I/O thread once); the bad ones are bounded
 * and dropped by write_queue_notify, and guest_error is rate-limited
 * per call site (lib/log.h: LOG_RATELIMIT_BURST lines a second), so the
 * log grows by a bounded number of lines whatever the flood's length.
 */
#include <linux/virtio_mmio.h>

#include "cmdline.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static uint64_t flood(const struct virtio_blk *b, uint32_t queue)
{
	uint64_t n = 0, end = hostile_deadline_ms(param_u64("flood_ms", 500));

	while (!hostile_expired(end)) {
		hostile_reg_write(b, VIRTIO_MMIO_QUEUE_NOTIFY, queue);
		n++;
	}
	return n;
}

void hostile_resource_notify(void)
{
	struct virtio_blk b;
	uint64_t good, bad;

	if (!hostile_open(&b, 0))
		return;
	good = flood(&b, 0);
	bad = flood(&b, 1);
	note("%lu notifications of queue 0, %lu of queue 1", good, bad);
	hostile_outcome("%s", hostile_still_works(&b) ? "survived" : "broken");
	hostile_recover(&b);
}
