// SPDX-License-Identifier: GPL-2.0-only
#include "blk_common.h"
#include "cmdline.h"
#include "runner.h"
#include "select.h"
#include "string.h"

bool blk_open_selected(struct virtio_blk *b)
{
	const struct mmio_device *d =
		select_device("blk", VIRTIO_ID_BLOCK, "virtio-blk");
	const char *why = "";

	return d && check_open(virtio_blk_open(b, d, BLK_QUEUE_SIZE, &why), d,
			       "virtio-blk", &why);
}

static uint64_t pattern_word(uint64_t sector, uint32_t word, uint32_t seed)
{
	uint64_t x = sector * 0x9e3779b97f4a7c15ull ^ word ^
		     (uint64_t)seed << 32;

	x ^= x >> 29;
	return x * 0xbf58476d1ce4e5b9ull;
}

void blk_fill(void *buf, uint64_t sector, uint32_t len, uint32_t seed)
{
	uint64_t *w = buf;
	uint32_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = pattern_word(sector + i / (SECTOR_SIZE / 8),
				    i % (SECTOR_SIZE / 8), seed);
}

bool blk_verify(const void *buf, uint64_t sector, uint32_t len, uint32_t seed,
		const char *what)
{
	const char *mode = param_str("blk_data");
	bool zeroes = mode && !strcmp(mode, "zeroes");
	const uint64_t *w = buf;
	uint64_t want;
	uint32_t i;

	for (i = 0; i < len / 8; i++) {
		want = zeroes ? 0 :
				pattern_word(sector + i / (SECTOR_SIZE / 8),
					     i % (SECTOR_SIZE / 8), seed);
		if (w[i] != want)
			return check(false,
				     "%s: sector %lu byte %u: 0x%lx, expected "
				     "0x%lx",
				     what, sector + i / (SECTOR_SIZE / 8),
				     (i % (SECTOR_SIZE / 8)) * 8, w[i], want);
	}
	return true;
}
