// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk_multi: every modern virtio-blk device at once (virtio 1.2, 5.2),
 * blk_devs= of them when given (at least one). Each device i gets its own
 * interrupt vector and 4 KiB of blk_fill(sector 8, seed 20 + i) written at
 * sector 8; all the writes are in flight together, then all the reads, and
 * each device must return its own data (no request or interrupt reaches
 * the wrong device). With blk_data=zeroes, reads must return zeroes.
 */
#include "alloc.h"
#include "blk_common.h"
#include "cmdline.h"
#include "idt.h"
#include "runner.h"
#include "string.h"
#include "tests.h"

#define MAX_DEVS 8
#define CHUNK 4096u
#define SECTOR 8
#define SEED_BASE 20
#define WAIT_US 5000000

struct dev_io {
	struct virtio_blk b;
	struct blk_req *req;
	uint8_t *buf;
};

static unsigned int open_all(struct dev_io *d)
{
	const struct mmio_device *m;
	const char *why = "";
	unsigned int n;

	for (n = 0; n < MAX_DEVS && (m = virtio_blk_find(n)); n++) {
		if (!check(virtio_blk_open(&d[n].b, m, BLK_QUEUE_SIZE, &why),
			   "device %u at 0x%lx: %s", n, m->base, why))
			return n;
		if (!check(virtio_blk_use_interrupts(&d[n].b,
						     VECTOR_DEVICE_BASE + n),
			   "device %u: GSI %u: no I/O APIC input", n,
			   d[n].b.mmio.desc->gsi) ||
		    !check(!d[n].b.read_only &&
				   d[n].b.capacity >=
					   SECTOR + CHUNK / SECTOR_SIZE,
			   "device %u: read-only or too small", n))
			return n + 1;
		d[n].req = alloc(sizeof(*d[n].req), 16);
		d[n].buf = alloc(CHUNK, 4096);
	}
	return n;
}

/* Starts one request on every device, then waits for each. */
static void all_at_once(struct dev_io *d, unsigned int n, uint32_t type)
{
	struct virtq_buf seg;
	unsigned int i;
	bool done;

	for (i = 0; i < n; i++) {
		if (type == VIRTIO_BLK_T_OUT)
			blk_fill(d[i].buf, SECTOR, CHUNK, SEED_BASE + i);
		else
			memset(d[i].buf, 0xa5, CHUNK);
		seg = (struct virtq_buf){ d[i].buf, CHUNK };
		check(virtio_blk_submit(&d[i].b, d[i].req, type, SECTOR, &seg,
					1),
		      "device %u: queue full", i);
		virtio_blk_kick(&d[i].b);
	}
	for (i = 0; i < n; i++) {
		done = virtio_blk_wait(&d[i].b, d[i].req, WAIT_US);
		check(done && d[i].req->status == VIRTIO_BLK_S_OK,
		      "device %u: %s: %s, status %d", i,
		      type == VIRTIO_BLK_T_OUT ? "write" : "read",
		      done ? "completed" : "timed out", d[i].req->status);
	}
}

void test_blk_multi(void)
{
	uint64_t want = param_u64("blk_devs", 0);
	struct dev_io *d = alloc(MAX_DEVS * sizeof(*d), 64);
	unsigned int n, i;

	n = open_all(d);
	if (check(n >= 1 && (!want || n == want),
		  "%u virtio-blk devices, blk_devs=%lu", n, want) &&
	    check(d[n - 1].buf, "device %u unusable", n - 1)) {
		all_at_once(d, n, VIRTIO_BLK_T_OUT);
		all_at_once(d, n, VIRTIO_BLK_T_IN);
		for (i = 0; i < n; i++) {
			blk_verify(d[i].buf, SECTOR, CHUNK, SEED_BASE + i,
				   "read back");
			note("device %u at 0x%lx: %u interrupts", i,
			     d[i].b.mmio.base, d[i].b.mmio.irqs);
			check(d[i].b.mmio.irqs > 0, "device %u: no interrupt",
			      i);
		}
	}
	for (i = 0; i < n; i++)
		virtio_blk_close(&d[i].b);
}
