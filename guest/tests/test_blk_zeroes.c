// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk_zeroes: what a read from a null-co drive (device blk=N) leaves in
 * a buffer the guest filled with a pattern first. blk_zeroes=on (the
 * default, and vigil's and QEMU's default for null-co): zeroes, so the
 * guest never sees stale memory; blk_zeroes=off (read-zeroes=off): the
 * buffer is untouched. Both with one segment and with three, and the
 * request must succeed with the used length counting data and status
 * (virtio 1.2, 2.7.8) when zeroes are written.
 */
#include "alloc.h"
#include "blk_common.h"
#include "cmdline.h"
#include "runner.h"
#include "string.h"
#include "tests.h"

#define BYTES 4096u
#define SEED 9

static void read_over_pattern(struct virtio_blk *b, bool zeroes,
			      unsigned int nsegs)
{
	uint8_t *buf = alloc(BYTES, 4096), *want = alloc(BYTES, 4096);
	struct virtq_buf segs[3];
	uint32_t written = 0, i;
	int status;

	blk_fill(buf, 0, BYTES, SEED);
	memcpy(want, buf, BYTES);
	if (zeroes)
		memset(want, 0, BYTES);
	for (i = 0; i < nsegs; i++) {
		segs[i].addr = buf + i * SECTOR_SIZE;
		segs[i].len = i + 1 == nsegs ? BYTES - i * SECTOR_SIZE :
					       SECTOR_SIZE;
	}
	status = virtio_blk_request(b, VIRTIO_BLK_T_IN, 8, segs, nsegs,
				    &written);
	if (!check(status == VIRTIO_BLK_S_OK, "read (%u segments): status %d",
		   nsegs, status))
		return;
	if (zeroes)
		check(written == BYTES + 1, "read: used length %u", written);
	for (i = 0; i < BYTES && buf[i] == want[i]; i++)
		;
	check(i == BYTES, "read (%u segments): byte %u is 0x%x, expected 0x%x",
	      nsegs, i, i < BYTES ? buf[i] : 0, i < BYTES ? want[i] : 0);
}

void test_blk_zeroes(void)
{
	const char *mode = param_str("blk_zeroes");
	bool zeroes = !mode || strcmp(mode, "off");
	struct virtio_blk b;

	if (!blk_open_selected(&b))
		return;
	note("expecting %s", zeroes ? "zeroes" : "the buffer untouched");
	read_over_pattern(&b, zeroes, 1);
	read_over_pattern(&b, zeroes, 3);
	check(!b.vq.broken, "the device returned a bad used entry");
	virtio_blk_close(&b);
}
