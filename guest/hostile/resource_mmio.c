// SPDX-License-Identifier: GPL-2.0-only
/*
 * resource_mmio: a flood of bad register accesses for flood_ms= (default
 * 500) milliseconds: writes to the read-only MagicValue, byte reads of
 * Status, config reads past the end, and queue writes for a queue that
 * does not exist. Each is one exit to the VMM and one guest_errors event.
 * A VMM that logs every one fills the host's disk at the guest's pace (a
 * guest-controlled amplification: one instruction, one log line).
 *
 * vigil: every guest_error call site is rate-limited (lib/log.h,
 * log_mask_rl: LOG_RATELIMIT_BURST lines a second, then one "suppressed"
 * count): test_hostile.py checks the log stays a few hundred lines while
 * the guest makes a hundred thousand bad accesses. The device is not
 * disturbed.
 */
#include <linux/virtio_mmio.h>

#include "cmdline.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

void hostile_resource_mmio(void)
{
	struct virtio_blk b;
	uint64_t n = 0, end, cfg_end;

	if (!hostile_open(&b, 0))
		return;
	cfg_end = b.mmio.base + b.mmio.desc->size - 4;
	end = hostile_deadline_ms(param_u64("flood_ms", 500));
	while (!hostile_expired(end)) {
		hostile_reg_write(&b, VIRTIO_MMIO_MAGIC_VALUE, 0);
		(void)hostile_mmio_read(b.mmio.base + VIRTIO_MMIO_STATUS, 1);
		(void)hostile_mmio_read(cfg_end, 4);
		hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_SEL, 7);
		hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_NUM, 8);
		n += 5;
	}
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_SEL, 0);
	note("%lu bad accesses", n);
	hostile_outcome("%s", hostile_still_works(&b) ? "survived" : "broken");
	hostile_recover(&b);
}
