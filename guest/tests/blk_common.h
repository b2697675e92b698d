/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the blk_* tests share: opening the device the command line selects
 * (blk=N, default 0) and the data pattern they write and check.
 */
#ifndef GUEST_TESTS_BLK_COMMON_H
#define GUEST_TESTS_BLK_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_blk.h"

#define BLK_QUEUE_SIZE 128

/* Opens device blk=N; on failure records why (check) and returns false. */
bool blk_open_selected(struct virtio_blk *b);
/* Fills @len bytes for @sector onwards with a pattern unique to both. */
void blk_fill(void *buf, uint64_t sector, uint32_t len, uint32_t seed);
/* Checks @buf holds blk_fill(sector, seed), or zeroes with
 * blk_data=zeroes (a read-zeroes null-co backend discards writes). */
bool blk_verify(const void *buf, uint64_t sector, uint32_t len, uint32_t seed,
		const char *what);

#endif
