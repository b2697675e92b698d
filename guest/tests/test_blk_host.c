// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk tests whose data the host prepares or checks afterwards, on
 * device blk=N (virtio 1.2, 5.2):
 *
 * blk_verify      reads verify_sectors sectors (default 2048) from
 *                 verify_sector (default 0) and checks the host's pattern:
 *                 the 64-bit little-endian word at byte offset O of the
 *                 disk holds verify_seed + O / 8 (verify_seed default 0).
 * blk_flush_hold  writes blk_fill(sector S, seed 5) over hold_bytes
 *                 (default 64 KiB) from hold_sector S (default 0), FLUSHes
 *                 (VIRTIO_BLK_F_FLUSH must be offered), prints
 *                 "# blk_flush_hold: flushed" and waits to be killed.
 * blk_ro          the device offers VIRTIO_BLK_F_RO (5.2.3); a write of
 *                 4 KiB at sector 0 completes with VIRTIO_BLK_S_IOERR
 *                 (5.2.6.2: the device must not write); reads still work.
 */
#include "alloc.h"
#include "blk_common.h"
#include "cmdline.h"
#include "hold.h"
#include "runner.h"
#include "string.h"
#include "tests.h"

#define CHUNK (32u << 10)
#define HOLD_SEED 5
#define RO_BYTES 4096u

static bool check_host_pattern(const uint64_t *w, uint64_t sector, uint32_t len,
			       uint64_t seed)
{
	uint64_t first = sector * (SECTOR_SIZE / 8), i;

	for (i = 0; i < len / 8; i++) {
		if (w[i] != seed + first + i)
			return check(false,
				     "sector %lu byte %lu: 0x%lx, expected "
				     "0x%lx",
				     sector + i / (SECTOR_SIZE / 8),
				     i % (SECTOR_SIZE / 8) * 8, w[i],
				     seed + first + i);
	}
	return true;
}

void test_blk_verify(void)
{
	uint64_t sector = param_u64("verify_sector", 0);
	uint64_t count = param_u64("verify_sectors", 2048);
	uint64_t seed = param_u64("verify_seed", 0), done = 0, n;
	uint8_t *buf = alloc(CHUNK, 4096);
	struct virtio_blk b;
	int status;

	if (!blk_open_selected(&b))
		return;
	if (!check(sector <= b.capacity && count <= b.capacity - sector,
		   "verify_sector=%lu verify_sectors=%lu: past capacity %lu",
		   sector, count, b.capacity))
		goto out;
	while (done < count) {
		n = count - done < CHUNK / SECTOR_SIZE ? count - done :
							 CHUNK / SECTOR_SIZE;
		status = virtio_blk_rw(&b, VIRTIO_BLK_T_IN, sector + done, buf,
				       (uint32_t)n * SECTOR_SIZE);
		if (!check(status == VIRTIO_BLK_S_OK, "read at %lu: status %d",
			   sector + done, status) ||
		    !check_host_pattern((const uint64_t *)buf, sector + done,
					(uint32_t)n * SECTOR_SIZE, seed))
			goto out;
		done += n;
	}
	note("%lu sectors from %lu hold the host's pattern (seed %lu)", count,
	     sector, seed);
out:
	virtio_blk_close(&b);
}

void test_blk_flush_hold(void)
{
	uint64_t sector = param_u64("hold_sector", 0);
	uint64_t bytes = param_u64("hold_bytes", 64 << 10);
	struct virtio_blk b;
	uint8_t *buf;
	int status;

	if (!blk_open_selected(&b))
		return;
	if (!check(bytes && bytes % SECTOR_SIZE == 0 && bytes <= CHUNK * 8 &&
			   sector <= b.capacity &&
			   bytes / SECTOR_SIZE <= b.capacity - sector,
		   "hold_sector=%lu hold_bytes=%lu on %lu sectors", sector,
		   bytes, b.capacity) ||
	    !check(virtio_blk_has(&b, VIRTIO_BLK_F_FLUSH),
		   "VIRTIO_BLK_F_FLUSH not offered"))
		goto out;
	buf = alloc(bytes, 4096);
	blk_fill(buf, sector, (uint32_t)bytes, HOLD_SEED);
	status = virtio_blk_rw(&b, VIRTIO_BLK_T_OUT, sector, buf,
			       (uint32_t)bytes);
	if (!check(status == VIRTIO_BLK_S_OK, "write: status %d", status))
		goto out;
	status = virtio_blk_rw(&b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
	if (check(status == VIRTIO_BLK_S_OK, "flush: status %d", status))
		hold_until_stopped("blk_flush_hold: flushed");
out:
	virtio_blk_close(&b);
}

void test_blk_ro(void)
{
	uint8_t *out = alloc(RO_BYTES, 4096), *in = alloc(RO_BYTES, 4096);
	struct virtio_blk b;
	int status;

	if (!blk_open_selected(&b))
		return;
	if (!check(b.read_only, "VIRTIO_BLK_F_RO not offered") ||
	    !check(b.capacity >= RO_BYTES / SECTOR_SIZE, "capacity %lu",
		   b.capacity))
		goto out;
	blk_fill(out, 0, RO_BYTES, 6);
	status = virtio_blk_rw(&b, VIRTIO_BLK_T_OUT, 0, out, RO_BYTES);
	check(status == VIRTIO_BLK_S_IOERR, "write: status %d, expected IOERR",
	      status);
	status = virtio_blk_rw(&b, VIRTIO_BLK_T_IN, 0, in, RO_BYTES);
	if (check(status == VIRTIO_BLK_S_OK, "read: status %d", status))
		check(memcmp(in, out, RO_BYTES) != 0,
		      "the refused write reached the disk");
	check(!b.vq.broken, "the device returned a bad used entry");
out:
	virtio_blk_close(&b);
}
