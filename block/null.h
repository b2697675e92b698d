/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The null-co backend, like QEMU's: a drive of size= bytes with no storage.
 * Writes are discarded; reads return zeroes (read-zeroes=on, the default) or
 * leave the caller's buffers untouched (read-zeroes=off, for benchmarks
 * only). latency-ns= makes every request sleep, which keeps requests in
 * flight long enough for tests of reset during I/O.
 */
#ifndef VIGIL_BLOCK_NULL_H
#define VIGIL_BLOCK_NULL_H

#include "block/block.h"

/* Called by block_open with a parsed spec; fills everything but desc. */
int null_co_open(const struct block_spec *s, struct block_backend **out,
		 char *err, size_t errlen);

#endif
