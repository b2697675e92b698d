/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A drive in memory for fuzz targets that run the real virtio-blk model,
 * and the oracle they share: every buffer the device hands the backend
 * lies inside the fake guest RAM, every request inside the disk, and a
 * read-only drive is never written. A target sets fuzz_disk_ram and
 * fuzz_disk_ram_size to its RAM and opens
 *   (struct block_backend){ .ops = &fuzz_disk_ops, .size = FUZZ_DISK_SIZE }
 */
#ifndef VIGIL_TESTS_FUZZ_DISK_H
#define VIGIL_TESTS_FUZZ_DISK_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "block/block.h"
#include "tests/support/fuzz.h"

#define FUZZ_DISK_SIZE (16u * 512u)

static uint8_t fuzz_disk[FUZZ_DISK_SIZE];
static const uint8_t *fuzz_disk_ram;
static size_t fuzz_disk_ram_size;

static int fuzz_disk_rw(const struct iovec *iov, int iovcnt, uint64_t offset,
			bool write)
{
	for (int i = 0; i < iovcnt; i++) {
		uint8_t *base = iov[i].iov_base;

		CHECK_INVARIANT(iov[i].iov_len > 0);
		CHECK_INVARIANT(base >= fuzz_disk_ram &&
				iov[i].iov_len <=
					(size_t)(fuzz_disk_ram +
						 fuzz_disk_ram_size - base));
		CHECK_INVARIANT(offset <= FUZZ_DISK_SIZE &&
				iov[i].iov_len <= FUZZ_DISK_SIZE - offset);
		if (write)
			memcpy(fuzz_disk + offset, base, iov[i].iov_len);
		else
			memcpy(base, fuzz_disk + offset, iov[i].iov_len);
		offset += iov[i].iov_len;
	}
	return 0;
}

static int fuzz_disk_preadv(struct block_backend *bb, const struct iovec *iov,
			    int iovcnt, uint64_t offset)
{
	(void)bb;
	return fuzz_disk_rw(iov, iovcnt, offset, false);
}

static int fuzz_disk_pwritev(struct block_backend *bb, const struct iovec *iov,
			     int iovcnt, uint64_t offset)
{
	CHECK_INVARIANT(!bb->readonly);
	return fuzz_disk_rw(iov, iovcnt, offset, true);
}

static int fuzz_disk_flush(struct block_backend *bb)
{
	(void)bb;
	return 0;
}

static const struct block_ops fuzz_disk_ops = {
	.preadv = fuzz_disk_preadv,
	.pwritev = fuzz_disk_pwritev,
	.flush = fuzz_disk_flush,
};

#endif
