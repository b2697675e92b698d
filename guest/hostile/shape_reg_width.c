// SPDX-License-Identifier: GPL-2.0-only
/*
 * shape_reg_width: the virtio-mmio registers are 32-bit, accessed 32 bits
 * wide and aligned (virtio 1.2, 4.2.2.2). Read and write every offset of
 * the register area (0x000-0x0ff) with 1-, 2- and 8-byte accesses, and
 * with 4-byte accesses at unaligned offsets: first writing zeroes (Status
 * 0 would reset, QueueReady 0 would stop the queue), then all ones. A
 * device that decodes the offset but not the width applies a byte write
 * to Status or copies 8 bytes into a 4-byte register.
 *
 * vigil: reg_access_ok (devices/virtio_mmio.c) refuses every register
 * access that is not 4 bytes at a multiple of 4, before the register
 * switch: reads return 0, writes are dropped, each is logged (rate-
 * limited). Status and QueueReady read as before and the queue serves.
 */
#include <linux/virtio_mmio.h>

#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

#define REG_AREA 0x100

static const unsigned int widths[] = { 8, 2, 1 };

static void access(uint64_t addr, unsigned int width, uint64_t value)
{
	(void)hostile_mmio_read(addr, width);
	hostile_mmio_write(addr, width, value);
}

static unsigned int sweep(const struct virtio_blk *b, uint64_t value)
{
	unsigned int off, i, n = 0;

	for (off = 0; off < REG_AREA; off++) {
		/* Unaligned 32-bit first: the log's first lines show each
		 * kind before the rate limit cuts in. */
		if (off % 4) {
			access(b->mmio.base + off, 4, value);
			n += 2;
		}
		for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
			access(b->mmio.base + off, widths[i], value);
			n += 2;
		}
	}
	return n;
}

void hostile_shape_reg_width(void)
{
	struct virtio_blk b;
	uint32_t status, ready;
	unsigned int n;

	if (!hostile_open(&b, 0))
		return;
	n = sweep(&b, 0);
	n += sweep(&b, ~0ull);
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_SEL, 0);
	status = hostile_reg_read(&b, VIRTIO_MMIO_STATUS);
	ready = hostile_reg_read(&b, VIRTIO_MMIO_QUEUE_READY);
	note("%u accesses; Status 0x%x, QueueReady %u", n, status, ready);
	hostile_outcome("%s", status == 0xf && ready == 1 ? "ignored" :
							    "state-changed");
	check(status == 0xf && ready == 1,
	      "odd-shaped accesses changed Status (0x%x) or QueueReady (%u)",
	      status, ready);
	hostile_still_works(&b);
	hostile_recover(&b);
}
