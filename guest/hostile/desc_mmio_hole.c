// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_mmio_hole: a read whose data buffer lies in the MMIO hole below
 * 4 GiB (at 3 GiB, its start, and at 3.5 GiB): no RAM there. A device
 * that "DMAs" through the VMM's physical address space instead of RAM
 * turns the read into writes to whatever device lives at the address
 * (CVE-2021-3748: QEMU virtio-net, a use-after-free when a descriptor's
 * address was not RAM).
 *
 * vigil: guest_mem holds only RAM regions, so gm_range_valid refuses the
 * buffer when the chain is copied in (devices/virtq.c, add_buf): logged,
 * DEVICE_NEEDS_RESET.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t addr)
{
	hostile_post_read(b, r, addr, 512);
}

void hostile_desc_mmio_hole(void)
{
	hostile_round(0, post, 0xc0000000ull, "buffer at 3 GiB");
	hostile_round(0, post, 0xe0000000ull, "buffer at 3.5 GiB");
}
