// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_own_window: a read whose data buffer is the device's own register
 * window. A device whose DMA goes through the VMM's address space writes
 * the read's data into its own registers - Status 0 (a reset) and
 * QueueNotify 0 among them - while it is still serving the request: the
 * re-entrancy behind CVE-2021-3750 (QEMU EHCI) and CVE-2021-20255 (QEMU
 * eepro100).
 *
 * vigil: the window is not RAM, so gm_range_valid refuses the buffer
 * when the chain is copied in (devices/virtq.c, add_buf): logged,
 * DEVICE_NEEDS_RESET. No device code can reach an MMIO window through a
 * guest address.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t arg)
{
	(void)arg;
	hostile_post_read(b, r, b->mmio.base, 512);
}

void hostile_desc_own_window(void)
{
	hostile_round(0, post, 0, "buffer on the device's own registers");
}
