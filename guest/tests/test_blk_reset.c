// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk_reset: device blk=N works again after the driver resets it (virtio
 * 1.2, 2.4 "Device Reset"; 4.2.2.1: writing 0 to Status resets the device,
 * which must then read back 0). Data written before the reset reads back
 * after it; then the device is reset with eight reads in flight, and must
 * still initialise and serve requests. With blk_data=zeroes, reads must
 * return zeroes instead (a read-zeroes null-co backend).
 */
#include "alloc.h"
#include "blk_common.h"
#include "runner.h"
#include "tests.h"

#define CHUNK 4096u
#define CHUNK_SECTORS (CHUNK / SECTOR_SIZE)
#define IN_FLIGHT 8

static bool write_chunk(struct virtio_blk *b, uint64_t sector, uint32_t seed)
{
	uint8_t *buf = alloc(CHUNK, 4096);
	int status;

	blk_fill(buf, sector, CHUNK, seed);
	status = virtio_blk_rw(b, VIRTIO_BLK_T_OUT, sector, buf, CHUNK);
	return check(status == VIRTIO_BLK_S_OK, "write at %lu: status %d",
		     sector, status);
}

static bool read_chunk(struct virtio_blk *b, uint64_t sector, uint32_t seed,
		       const char *what)
{
	uint8_t *buf = alloc(CHUNK, 4096);
	int status;

	status = virtio_blk_rw(b, VIRTIO_BLK_T_IN, sector, buf, CHUNK);
	if (!check(status == VIRTIO_BLK_S_OK, "%s: read at %lu: status %d",
		   what, sector, status))
		return false;
	return blk_verify(buf, sector, CHUNK, seed, what);
}

static bool reset(struct virtio_blk *b, const char *when)
{
	uint8_t status;

	virtio_blk_close(b);
	status = virtio_mmio_status(&b->mmio);
	return check(status == 0, "status 0x%x after reset %s", status, when);
}

static bool reopen(struct virtio_blk *b, const char *when)
{
	if (!blk_open_selected(b))
		return false;
	return check(!b->vq.broken, "broken queue %s", when);
}

/* Queues IN_FLIGHT reads and kicks, without waiting for any. */
static void start_reads(struct virtio_blk *b)
{
	uint8_t *buf = alloc(IN_FLIGHT * CHUNK, 4096);
	struct virtq_buf seg;
	struct blk_req *r;
	unsigned int i;

	for (i = 0; i < IN_FLIGHT; i++) {
		r = alloc(sizeof(*r), 16);
		seg = (struct virtq_buf){ buf + i * CHUNK, CHUNK };
		check(virtio_blk_submit(b, r, VIRTIO_BLK_T_IN,
					i * CHUNK_SECTORS % b->capacity, &seg,
					1),
		      "queue full at request %u", i);
	}
	virtio_blk_kick(b);
}

void test_blk_reset(void)
{
	struct virtio_blk b;

	if (!blk_open_selected(&b))
		return;
	if (!check(!b.read_only && b.capacity >= 4 * CHUNK_SECTORS,
		   "needs a writable device of 16 KiB or more (%lu sectors%s)",
		   b.capacity, b.read_only ? ", read-only" : "") ||
	    !write_chunk(&b, CHUNK_SECTORS, 7) || !reset(&b, "after I/O") ||
	    !reopen(&b, "after reset") ||
	    !read_chunk(&b, CHUNK_SECTORS, 7, "written before the reset") ||
	    !write_chunk(&b, 2 * CHUNK_SECTORS, 8) ||
	    !read_chunk(&b, 2 * CHUNK_SECTORS, 8, "written after the reset"))
		goto out;
	start_reads(&b);
	if (!reset(&b, "with requests in flight") ||
	    !reopen(&b, "after a reset in flight") ||
	    !read_chunk(&b, CHUNK_SECTORS, 7, "after a reset in flight") ||
	    !write_chunk(&b, 3 * CHUNK_SECTORS, 9) ||
	    !read_chunk(&b, 3 * CHUNK_SECTORS, 9, "written after it"))
		goto out;
	note("I/O works after a reset, and after one with %u reads in flight",
	     IN_FLIGHT);
out:
	virtio_blk_close(&b);
}
