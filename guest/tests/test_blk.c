// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-blk driver against a device (virtio 1.2, 5.2), selected with
 * blk=N:
 *
 * blk_probe  initialisation (3.1.1): VERSION_1 negotiated, EVENT_IDX too
 *            when offered, the queue live, DRIVER_OK; capacity equal to
 *            blk_capacity= (bytes) when given; reset reads back 0.
 * blk_rw     polled requests: GET_ID (equal to blk_serial= when given);
 *            4 KiB written and read back at the start, middle and end;
 *            multi-segment writes and reads; FLUSH when offered; reads at
 *            and across the end fail with IOERR (5.2.6.1); used lengths
 *            count exactly the bytes written (2.7.8). With blk_data=zeroes
 *            reads must return zeroes (a read-zeroes null-co backend).
 * blk_irq    the same kind of requests completed by the device's interrupt
 *            (I/O APIC -> IDT), eight in flight at once.
 */
#include "alloc.h"
#include "blk_common.h"
#include "cmdline.h"
#include "idt.h"
#include "runner.h"
#include "string.h"
#include "tests.h"

#define CHUNK 4096u
#define CHUNK_SECTORS (CHUNK / SECTOR_SIZE)
#define IRQ_BATCH 8

static void note_device(const struct virtio_blk *b)
{
	note("virtio-blk at 0x%lx: %lu sectors (%lu MiB)%s, features "
	     "offered 0x%lx, negotiated 0x%lx, queue %u",
	     b->mmio.base, b->capacity, b->capacity >> 11,
	     b->read_only ? ", read-only" : "", b->mmio.device_features,
	     b->mmio.features, b->vq.size);
	if (b->blk_size || b->seg_max || b->size_max)
		note("blk_size %u, seg_max %u, size_max %u", b->blk_size,
		     b->seg_max, b->size_max);
}

void test_blk_probe(void)
{
	uint64_t want = param_u64("blk_capacity", 0);
	struct virtio_blk b;
	uint8_t status;

	if (!blk_open_selected(&b))
		return;
	note_device(&b);
	status = virtio_mmio_status(&b.mmio);
	check((status & 0x0f) == 0x0f && !(status & 0xc0),
	      "status 0x%x after DRIVER_OK", status);
	check(virtio_blk_has(&b, VIRTIO_F_VERSION_1), "VERSION_1 not agreed");
	if (b.mmio.device_features & (1ull << VIRTIO_RING_F_EVENT_IDX))
		check(b.vq.event_idx, "EVENT_IDX offered but not used");
	if (want)
		check(b.capacity * SECTOR_SIZE == want,
		      "capacity %lu bytes, blk_capacity=%lu",
		      b.capacity * SECTOR_SIZE, want);
	virtio_blk_close(&b);
	status = virtio_mmio_status(&b.mmio);
	check(status == 0, "status 0x%x after reset", status);
}

static void check_get_id(struct virtio_blk *b)
{
	const char *want = param_str("blk_serial");
	char *id = alloc(VIRTIO_BLK_ID_BYTES + 1, 8);
	int status;

	status = virtio_blk_rw(b, VIRTIO_BLK_T_GET_ID, 0, id,
			       VIRTIO_BLK_ID_BYTES);
	if (status == VIRTIO_BLK_S_OK)
		note("GET_ID: \"%s\"", id);
	if (want)
		check(status == VIRTIO_BLK_S_OK && !strcmp(id, want),
		      "GET_ID: status %d, \"%s\", expected \"%s\"", status, id,
		      want);
	else
		check(status == VIRTIO_BLK_S_OK ||
			      status == VIRTIO_BLK_S_UNSUPP,
		      "GET_ID: status %d", status);
}

/* Writes a pattern at @sector in @nsegs pieces, reads it back whole. */
static void write_read(struct virtio_blk *b, uint64_t sector,
		       unsigned int nsegs, uint32_t seed)
{
	static const uint32_t split[] = { SECTOR_SIZE, 2 * SECTOR_SIZE,
					  CHUNK - 3 * SECTOR_SIZE };
	uint8_t *out = alloc(CHUNK, 4096), *in = alloc(CHUNK, 4096);
	struct virtq_buf segs[3];
	uint32_t written = 0, off = 0;
	unsigned int i;
	int status;

	blk_fill(out, sector, CHUNK, seed);
	for (i = 0; i < nsegs; i++) {
		segs[i].addr = out + off;
		segs[i].len = i + 1 == nsegs ? CHUNK - off : split[i];
		off += segs[i].len;
	}
	status = virtio_blk_request(b, VIRTIO_BLK_T_OUT, sector, segs, nsegs,
				    &written);
	check(status == VIRTIO_BLK_S_OK && written == 1,
	      "write at %lu (%u segments): status %d, used len %u", sector,
	      nsegs, status, written);
	memset(in, 0xa5, CHUNK);
	for (i = 0; i < nsegs; i++)
		segs[i].addr = in + ((uint8_t *)segs[i].addr - out);
	status = virtio_blk_request(b, VIRTIO_BLK_T_IN, sector, segs, nsegs,
				    &written);
	if (check(status == VIRTIO_BLK_S_OK && written == CHUNK + 1,
		  "read at %lu: status %d, used len %u", sector, status,
		  written))
		blk_verify(in, sector, CHUNK, seed, "read back");
}

static void check_past_end(struct virtio_blk *b)
{
	uint8_t *buf = alloc(2 * SECTOR_SIZE, 512);
	int at_end, across;

	at_end = virtio_blk_rw(b, VIRTIO_BLK_T_IN, b->capacity, buf,
			       SECTOR_SIZE);
	across = virtio_blk_rw(b, VIRTIO_BLK_T_IN, b->capacity - 1, buf,
			       2 * SECTOR_SIZE);
	check(at_end == VIRTIO_BLK_S_IOERR, "read at capacity: status %d",
	      at_end);
	check(across == VIRTIO_BLK_S_IOERR, "read across the end: status %d",
	      across);
}

void test_blk_rw(void)
{
	struct virtio_blk b;
	uint32_t written = 0;
	int status;

	if (!blk_open_selected(&b))
		return;
	check_get_id(&b);
	if (b.capacity < 3 * CHUNK_SECTORS) {
		check(false, "capacity %lu sectors: too small", b.capacity);
	} else if (b.read_only) {
		note("read-only device: no writes");
	} else {
		write_read(&b, 0, 1, 1);
		write_read(&b, b.capacity / 2 & ~7ull, 3, 2);
		write_read(&b, b.capacity - CHUNK_SECTORS, 2, 3);
	}
	if (virtio_blk_has(&b, VIRTIO_BLK_F_FLUSH)) {
		status = virtio_blk_request(&b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0,
					    &written);
		check(status == VIRTIO_BLK_S_OK && written == 1,
		      "flush: status %d, used len %u", status, written);
	}
	check_past_end(&b);
	check(!b.vq.broken, "the device returned a bad used entry");
	virtio_blk_close(&b);
}

void test_blk_irq(void)
{
	struct blk_req *req[IRQ_BATCH];
	struct virtq_buf seg;
	struct virtio_blk b;
	uint8_t *buf;
	unsigned int i;
	bool done;

	if (!blk_open_selected(&b))
		return;
	if (!check(virtio_blk_use_interrupts(&b, VECTOR_DEVICE_BASE),
		   "GSI %u: no I/O APIC input", b.mmio.desc->gsi))
		goto out;
	if (!b.read_only && b.capacity >= CHUNK_SECTORS)
		write_read(&b, 0, 1, 4);
	buf = alloc(IRQ_BATCH * CHUNK, 4096);
	for (i = 0; i < IRQ_BATCH; i++) {
		req[i] = alloc(sizeof(*req[i]), 16);
		seg = (struct virtq_buf){ buf + i * CHUNK, CHUNK };
		check(virtio_blk_submit(&b, req[i], VIRTIO_BLK_T_IN,
					i * CHUNK_SECTORS % b.capacity, &seg,
					1),
		      "queue full at request %u", i);
	}
	virtio_blk_kick(&b);
	for (i = 0; i < IRQ_BATCH; i++) {
		done = virtio_blk_wait(&b, req[i], 5000000);
		check(done && req[i]->status == VIRTIO_BLK_S_OK,
		      "request %u: %s, status %d", i,
		      done ? "completed" : "timed out", req[i]->status);
	}
	note("%u interrupts for %u requests", b.mmio.irqs, IRQ_BATCH + 2);
	check(b.mmio.irqs > 0, "no interrupt arrived");
out:
	virtio_blk_close(&b);
}
