// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-rng driver against a device (virtio 1.2, 5.4), selected with
 * rng=N (the N-th entropy device, found by device ID 4 wherever it sits):
 *
 * rng_probe  initialisation (3.1.1) with VERSION_1 only (5.4.3: the
 *            device has no feature bits of its own), its one queue
 *            (5.4.2) live, DRIVER_OK; reset reads back 0.
 * rng_read   polled requests (5.4.6): sixteen reads in a row, a chain of
 *            three buffers and a 16 KiB buffer each come back with a used
 *            length in 1..the buffer's length, nothing written past the
 *            buffers; the bytes are not all zero nor all one value, and
 *            no two reads in a row start alike.
 * rng_irq    eight requests in flight, completed by the device's
 *            interrupt (I/O APIC -> IDT), each with its own bytes.
 *
 * rng_max=N states what the VMM promises beyond the spec: every request
 * is answered with exactly min(its length, N) bytes (vigil: N is 4096, or
 * its --rng rate when that is smaller). Without it, only what any
 * correct device must do is checked.
 */
#include <linux/virtio_config.h>

#include "alloc.h"
#include "cmdline.h"
#include "idt.h"
#include "runner.h"
#include "select.h"
#include "string.h"
#include "tests.h"
#include "virtio_rng.h"

#define RNG_QUEUE_SIZE 64
#define SMALL 64u
#define SERIES 16
#define BIG (16u * 1024)
#define CANARY 64u /* bytes after each buffer the device must not touch */
#define IRQ_BATCH 8
#define IRQ_LEN 256u

static bool rng_open_selected(struct virtio_rng *r)
{
	const struct mmio_device *d =
		select_device("rng", VIRTIO_ID_ENTROPY, "virtio-rng");
	const char *why = "";

	return d && check_open(virtio_rng_open(r, d, RNG_QUEUE_SIZE, &why), d,
			       "virtio-rng", &why);
}

void test_rng_probe(void)
{
	struct virtio_rng r;
	uint8_t status;

	if (!rng_open_selected(&r))
		return;
	note("virtio-rng at 0x%lx, GSI %u: features offered 0x%lx, "
	     "negotiated 0x%lx, queue %u of at most %u",
	     r.mmio.base, r.mmio.desc->gsi, r.mmio.device_features,
	     r.mmio.features, r.vq.size, virtio_mmio_queue_num_max(&r.mmio, 0));
	status = virtio_mmio_status(&r.mmio);
	check((status & 0x0f) == 0x0f && !(status & 0xc0),
	      "status 0x%x after DRIVER_OK", status);
	check(r.mmio.features == 1ull << VIRTIO_F_VERSION_1,
	      "negotiated 0x%lx, expected VERSION_1 alone", r.mmio.features);
	/* 5.4.2: requestq is the only queue. */
	check(virtio_mmio_queue_num_max(&r.mmio, 1) == 0,
	      "queue 1 exists: QueueNumMax %u",
	      virtio_mmio_queue_num_max(&r.mmio, 1));
	virtio_rng_close(&r);
	status = virtio_mmio_status(&r.mmio);
	check(status == 0, "status 0x%x after reset", status);
}

/* The used length a request of @len bytes may have (2.7.8, 5.4.6). */
static bool check_used(int64_t n, uint32_t len, const char *what)
{
	uint64_t max = param_u64("rng_max", 0);
	uint32_t want = max && max < len ? (uint32_t)max : len;

	if (n == RNG_TIMEOUT)
		return check(false, "%s: no answer", what);
	if (max)
		return check(n == want,
			     "%s of %u bytes: used length %ld, "
			     "rng_max=%lu promises %u",
			     what, len, n, max, want);
	return check(n > 0 && n <= len,
		     "%s of %u bytes: used length %ld, expected 1..%u", what,
		     len, n, len);
}

/* A buffer of @len bytes followed by CANARY bytes of 0xa5. */
static uint8_t *guarded(uint32_t len)
{
	uint8_t *p = alloc(len + CANARY, 64);

	if (p) {
		memset(p, 0, len);
		memset(p + len, 0xa5, CANARY);
	}
	return p;
}

/* The device wrote only inside the chain's buffers (2.7.4). */
static bool check_canary(const uint8_t *p, uint32_t len, const char *what)
{
	unsigned int i;

	for (i = 0; i < CANARY; i++)
		if (p[len + i] != 0xa5)
			return check(false,
				     "%s: byte %u past the buffer "
				     "changed to 0x%x",
				     what, i, p[len + i]);
	return true;
}

/* Random bytes: not all zero and not one value repeated. */
static bool check_varied(const uint8_t *p, uint64_t n, const char *what)
{
	uint64_t i;

	for (i = 1; i < n; i++)
		if (p[i] != p[0])
			return true;
	return check(n < 2, "%s: all %lu bytes are 0x%x", what, n, p[0]);
}

static void read_series(struct virtio_rng *r)
{
	uint8_t *buf[SERIES], *all = alloc(SERIES * SMALL, 64);
	int64_t n[SERIES];
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < SERIES; i++) {
		buf[i] = guarded(SMALL);
		if (!check(buf[i] && all, "no memory"))
			return;
		n[i] = virtio_rng_read(r, buf[i], SMALL);
		if (!check_used(n[i], SMALL, "read") ||
		    !check_canary(buf[i], SMALL, "read"))
			return;
		memcpy(all + total, buf[i], (size_t)n[i]);
		total += (uint64_t)n[i];
		/* Eight equal leading bytes: a chance of 2^-64. */
		if (i && n[i] >= 8 && n[i - 1] >= 8)
			check(memcmp(buf[i], buf[i - 1], 8) != 0,
			      "reads %u and %u start with the same 8 bytes",
			      i - 1, i);
	}
	note("%u reads of %u bytes: %lu bytes", SERIES, SMALL, total);
	check_varied(all, total, "sixteen reads");
}

/* One request over three buffers: the device writes from the first. */
static void read_segments(struct virtio_rng *r)
{
	static const uint32_t lens[] = { 16, 32, 80 };
	uint8_t *p = guarded(128);
	struct virtq_buf segs[3];
	struct rng_req *req = alloc(sizeof(*req), 16);
	unsigned int i, off = 0;

	if (!check(p && req, "no memory"))
		return;
	for (i = 0; i < 3; i++) {
		segs[i] = (struct virtq_buf){ p + off, lens[i] };
		off += lens[i];
	}
	if (!check(virtio_rng_submit(r, req, segs, 3), "queue full"))
		return;
	virtio_rng_kick(r);
	if (!check(virtio_rng_wait(r, req, 5000000), "3 buffers: no answer"))
		return;
	if (check_used(req->written, 128, "3 buffers"))
		check_varied(p, req->written, "3 buffers");
	check_canary(p, 128, "3 buffers");
}

/* More than vigil ever gives one request (VIRTIO_RNG_MAX_REQUEST). */
static void read_big(struct virtio_rng *r)
{
	uint8_t *p = guarded(BIG);
	int64_t n;

	if (!check(p, "no memory"))
		return;
	n = virtio_rng_read(r, p, BIG);
	note("a read of %u bytes: used length %ld", BIG, n);
	if (check_used(n, BIG, "big read"))
		check_varied(p, (uint64_t)n, "big read");
	check_canary(p, BIG, "big read");
}

void test_rng_read(void)
{
	struct virtio_rng r;

	if (!rng_open_selected(&r))
		return;
	read_series(&r);
	read_segments(&r);
	read_big(&r);
	check(!r.vq.broken, "the device returned a bad used entry");
	virtio_rng_close(&r);
}

void test_rng_irq(void)
{
	struct rng_req *req[IRQ_BATCH];
	uint8_t *buf[IRQ_BATCH];
	struct virtq_buf seg;
	struct virtio_rng r;
	unsigned int i;

	if (!rng_open_selected(&r))
		return;
	if (!check(virtio_rng_use_interrupts(&r, VECTOR_DEVICE_BASE),
		   "GSI %u: no I/O APIC input", r.mmio.desc->gsi))
		goto out;
	for (i = 0; i < IRQ_BATCH; i++) {
		req[i] = alloc(sizeof(*req[i]), 16);
		buf[i] = guarded(IRQ_LEN);
		if (!check(req[i] && buf[i], "no memory"))
			goto out;
		seg = (struct virtq_buf){ buf[i], IRQ_LEN };
		if (!check(virtio_rng_submit(&r, req[i], &seg, 1),
			   "queue full at request %u", i))
			goto out;
	}
	virtio_rng_kick(&r);
	for (i = 0; i < IRQ_BATCH; i++) {
		if (!check(virtio_rng_wait(&r, req[i], 5000000),
			   "request %u: no answer", i))
			goto out;
		check_used(req[i]->written, IRQ_LEN, "request");
		check_canary(buf[i], IRQ_LEN, "request");
		if (i && req[i]->written >= 8 && req[i - 1]->written >= 8)
			check(memcmp(buf[i], buf[i - 1], 8) != 0,
			      "requests %u and %u start with the same 8 bytes",
			      i - 1, i);
	}
	note("%u interrupts for %u requests", r.mmio.irqs, IRQ_BATCH);
	check(r.mmio.irqs > 0, "no interrupt arrived");
out:
	virtio_rng_close(&r);
}
