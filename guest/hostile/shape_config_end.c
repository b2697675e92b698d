// SPDX-License-Identifier: GPL-2.0-only
/*
 * shape_config_end: the device-specific configuration space starts at
 * 0x100 and is as long as the device's config structure (virtio-blk:
 * struct virtio_blk_config). Read it with 1-, 2-, 4- and 8-byte accesses,
 * aligned and not, up to the end of the register window and across it;
 * write the capacity's bytes and past the end. A device that copies
 * "offset, size" out of its config struct without a bound reads host
 * memory behind the struct into the guest (an information leak) or
 * writes over it.
 *
 * vigil: config_access_ok (devices/virtio_mmio.c) allows 1-, 2- and 4-byte
 * naturally aligned accesses inside config_size and nothing else; the
 * rest read 0 and are logged. The config space is read-only for
 * virtio-blk (no config_write): the capacity cannot change.
 */
#include <linux/virtio_mmio.h>

#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

/* Densely swept: the config structure and what follows it. */
#define DENSE_END 0x80

static const unsigned int widths[] = { 1, 2, 4, 8 };

/* The 8 capacity bytes read one by one: what every width must agree on. */
static uint64_t capacity_bytewise(uint64_t cfg)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		v |= hostile_mmio_read(cfg + i, 1) << (8 * i);
	return v;
}

static unsigned int sweep(uint64_t cfg, uint64_t len)
{
	unsigned int off, i, n = 0;

	for (off = 0; off < len; off++) {
		for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
			if (off + widths[i] > len && off < DENSE_END)
				continue;
			if (off >= DENSE_END && off % 16 && off < len - 8)
				continue;
			(void)hostile_mmio_read(cfg + off, widths[i]);
			n++;
		}
	}
	return n;
}

void hostile_shape_config_end(void)
{
	struct virtio_blk b;
	uint64_t cfg, len, cap, cap16, cap32;
	unsigned int n;

	if (!hostile_open(&b, 0))
		return;
	cfg = b.mmio.base + VIRTIO_MMIO_CONFIG;
	len = b.mmio.desc->size - VIRTIO_MMIO_CONFIG;
	cap = capacity_bytewise(cfg);
	cap16 = 0;
	for (n = 0; n < 4; n++)
		cap16 |= hostile_mmio_read(cfg + 2 * n, 2) << (16 * n);
	cap32 = hostile_mmio_read(cfg, 4) | hostile_mmio_read(cfg + 4, 4) << 32;
	check(cap == b.capacity && cap16 == cap && cap32 == cap,
	      "capacity by bytes 0x%lx, words 0x%lx, dwords 0x%lx, driver "
	      "0x%lx",
	      cap, cap16, cap32, b.capacity);
	n = sweep(cfg, len);
	/* Across the end of the window: the VMM sees two halves. */
	(void)hostile_mmio_read(cfg + len - 2, 4);
	/* Writes: the capacity, unaligned, and past the config. */
	hostile_mmio_write(cfg, 1, 0xff);
	hostile_mmio_write(cfg + 4, 4, 0xffffffff);
	hostile_mmio_write(cfg + 1, 2, 0xffff);
	hostile_mmio_write(cfg, 8, ~0ull);
	hostile_mmio_write(cfg + len - 4, 4, 0xffffffff);
	cap = capacity_bytewise(cfg);
	note("%u reads over 0x%lx bytes of config window", n + 1, len);
	hostile_outcome("%s",
			cap == b.capacity ? "ignored" : "capacity-changed");
	check(cap == b.capacity, "capacity changed to 0x%lx", cap);
	hostile_still_works(&b);
	hostile_recover(&b);
}
