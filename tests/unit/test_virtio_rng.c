// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-rng against a fake guest memory, a counting entropy source and a
 * clock the test moves: requests get the source's bytes, at most
 * VIRTIO_RNG_MAX_REQUEST each; the token bucket holds the guest to its
 * rate, answers each request whole, holds the one it cannot pay yet and
 * says when to come back; a reset forgets it; a snapshot gives it back to
 * the ring;
 * device-readable buffers get nothing; a pass has a budget of chains; a
 * broken ring is reported; --rng's
 * argument is parsed strictly.
 */
#include <errno.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio_kind.h"
#include "devices/virtio_mmio.h"
#include "devices/virtio_rng.h"
#include "lib/guest_mem.h"
#include "tests/support/tap.h"
#include "tests/support/vring.h"

#define RAM_SIZE 0x40000ull
#define BUF_GPA 0x1000ull
#define RING_NUM 16u
#define DESC_GPA 0x30000ull
#define AVAIL_GPA 0x31000ull
#define USED_GPA 0x32000ull
#define NS 1000000000ull

static uint8_t *ram;
static struct test_vring ring;
static struct guest_mem gm;
static struct virtio_rng *rng;
static struct virtq vq;
static uint64_t clock_ns;
static uint64_t source_bytes; /* handed out by fake_fill */

/* Byte i of the stream is (uint8_t)(i * 13 + 1): any gap or repeat shows. */
static ssize_t fake_fill(void *buf, size_t len)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((source_bytes + i) * 13 + 1);
	source_bytes += len;
	return (ssize_t)len;
}

static uint64_t fake_now(void)
{
	return clock_ns;
}

static void setup(uint64_t rate)
{
	memset(ram, 0, RAM_SIZE);
	gm_init(&gm);
	gm_add_region(&gm, 0, RAM_SIZE, ram);
	clock_ns = 5 * NS;
	source_bytes = 0;
	virtio_rng_init(rng, "test-rng", rate);
	rng->fill = fake_fill;
	rng->now_ns = fake_now;
	rng->refilled_ns = clock_ns;
	vq = (struct virtq){ .name = "test q0" };
	virtq_reset(&vq, RING_NUM);
	vq.desc = DESC_GPA;
	vq.avail = AVAIL_GPA;
	vq.used = USED_GPA;
	virtq_enable(&vq, false, false);
}

/* Offer a one-buffer request of len bytes at gpa in descriptor d. */
static void offer(uint16_t d, uint64_t gpa, uint32_t len, uint16_t flags)
{
	vring_put_desc(&ring, d, gpa, len, flags, 0);
	vring_offer(&ring, d);
}

static struct vring_used_elem used(uint16_t i)
{
	struct vring_used_elem e;

	memcpy(&e, ram + USED_GPA + 4 + 8 * (i % RING_NUM), sizeof(e));
	return e;
}

static bool stream_at(uint64_t gpa, uint64_t first, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (ram[gpa + i] != (uint8_t)((first + i) * 13 + 1))
			return false;
	return true;
}

static void test_serves_bytes(void)
{
	bool irq;

	setup(VIRTIO_RNG_DEFAULT_RATE);
	offer(0, BUF_GPA, 100, VRING_DESC_F_WRITE);
	/* A chain of two buffers: the bytes run on across them. */
	vring_put_desc(&ring, 1, BUF_GPA + 0x1000, 10,
		       VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	vring_put_desc(&ring, 2, BUF_GPA + 0x2000, 20, VRING_DESC_F_WRITE, 0);
	vring_offer(&ring, 1);
	CHECK(virtio_rng_process_queue(rng, &vq, &gm, &irq) == 0 && irq,
	      "two requests served, interrupt wanted");
	CHECK(vring_used_idx(&ring) == 2 && used(0).id == 0 &&
		      used(0).len == 100 && used(1).id == 1 &&
		      used(1).len == 30,
	      "used ring: (0, 100), (1, 30)");
	CHECK(stream_at(BUF_GPA, 0, 100) &&
		      stream_at(BUF_GPA + 0x1000, 100, 10) &&
		      stream_at(BUF_GPA + 0x2000, 110, 20),
	      "the source's bytes, in order, across both buffers");
	CHECK(virtio_rng_wait_ns(rng) == 0, "nothing waits");
}

static void test_request_cap(void)
{
	bool irq;

	setup(VIRTIO_RNG_DEFAULT_RATE);
	offer(0, BUF_GPA, 3 * VIRTIO_RNG_MAX_REQUEST, VRING_DESC_F_WRITE);
	CHECK(virtio_rng_process_queue(rng, &vq, &gm, &irq) == 0 &&
		      used(0).len == VIRTIO_RNG_MAX_REQUEST &&
		      source_bytes == VIRTIO_RNG_MAX_REQUEST,
	      "a 12 KiB buffer gets %u bytes", VIRTIO_RNG_MAX_REQUEST);
	CHECK(ram[BUF_GPA + VIRTIO_RNG_MAX_REQUEST] == 0,
	      "nothing written past them");
}

static void test_rate_limit(void)
{
	bool irq;

	/* 1000 bytes a second: the bucket starts full. */
	setup(1000);
	offer(0, BUF_GPA, 600, VRING_DESC_F_WRITE);
	offer(1, BUF_GPA + 0x1000, 600, VRING_DESC_F_WRITE);
	offer(2, BUF_GPA + 0x2000, 600, VRING_DESC_F_WRITE);
	CHECK(virtio_rng_process_queue(rng, &vq, &gm, &irq) == 0 && irq &&
		      vring_used_idx(&ring) == 1 && used(0).len == 600 &&
		      source_bytes == 600,
	      "the first 600 bytes at once");
	CHECK(rng->held && virtio_rng_wait_ns(rng) == 200 * NS / 1000,
	      "the second is held: 400 in the bucket, back in 200 ms (%llu ns)",
	      (unsigned long long)virtio_rng_wait_ns(rng));

	clock_ns += 100 * 1000 * 1000;
	CHECK(virtio_rng_process_queue(rng, &vq, &gm, &irq) == 0 && !irq &&
		      vring_used_idx(&ring) == 1 &&
		      virtio_rng_wait_ns(rng) == 100 * NS / 1000,
	      "100 ms later: still 100 bytes short, no partial answer");

	clock_ns += 100 * 1000 * 1000;
	CHECK(virtio_rng_process_queue(rng, &vq, &gm, &irq) == 0 && irq &&
		      vring_used_idx(&ring) == 2 && used(1).len == 600 &&
		      stream_at(BUF_GPA + 0x1000, 600, 600),
	      "200 ms later: the second gets its 600 bytes");
	CHECK(rng->held && virtio_rng_wait_ns(rng) == 600 * NS / 1000,
	      "the third is held for 600 ms");

	clock_ns += 60 * NS; /* a long idle fills one second's worth, no more */
	CHECK(virtio_rng_process_queue(rng, &vq, &gm, &irq) == 0 &&
		      used(2).len == 600 && rng->tokens == 400 && !rng->held &&
		      virtio_rng_wait_ns(rng) == 0,
	      "after a minute idle: the bucket held 1000, not 60000");
	CHECK(source_bytes == 1800, "the source gave 1800 bytes in all");
}

static void test_grant_above_rate(void)
{
	bool irq;

	/* A buffer larger than a second's worth gets a second's worth. */
	setup(100);
	offer(0, BUF_GPA, 4096, VRING_DESC_F_WRITE);
	CHECK(virtio_rng_process_queue(rng, &vq, &gm, &irq) == 0 &&
		      used(0).len == 100 && ram[BUF_GPA + 100] == 0,
	      "100 bytes a second: a 4 KiB buffer gets 100");
}

static void test_reset_forgets_held(void)
{
	bool irq;

	setup(1000);
	offer(0, BUF_GPA, 1000, VRING_DESC_F_WRITE);
	offer(1, BUF_GPA + 0x1000, 10, VRING_DESC_F_WRITE);
	virtio_rng_process_queue(rng, &vq, &gm, &irq);
	CHECK(rng->held, "a chain is held");
	virtio_rng_reset(rng);
	CHECK(!rng->held && virtio_rng_wait_ns(rng) == 0,
	      "after a device reset: nothing held, nothing waits");
}

/*
 * A snapshot gives the held chain back to the ring: a device restored from
 * it (full bucket, the saved indices) takes the chain again and answers
 * it. Without that the guest's request is lost and its driver waits.
 */
static void test_snapshot_gives_back_held(void)
{
	const struct virtio_kind_snap *snap = virtio_rng_kind.snap;
	struct virtio_mmio_state st = { 0 };
	bool irq;

	setup(1000);
	offer(0, BUF_GPA, 1000, VRING_DESC_F_WRITE);
	offer(1, BUF_GPA + 0x1000, 10, VRING_DESC_F_WRITE);
	virtio_rng_process_queue(rng, &vq, &gm, &irq);
	st.queue[0].last_avail_idx = vq.last_avail_idx;
	st.queue[0].used_idx = vq.used_idx;
	snap->capture(rng, &st, NULL);
	CHECK(rng->held && st.queue[0].last_avail_idx == 1 &&
		      st.queue[0].used_idx == 1,
	      "the held chain is given back: last-avail-idx %u, used-idx %u",
	      st.queue[0].last_avail_idx, st.queue[0].used_idx);
	/* The restored device: a new bucket, the saved indices. */
	virtio_rng_init(rng, "restored-rng", 1000);
	rng->fill = fake_fill;
	rng->now_ns = fake_now;
	rng->refilled_ns = clock_ns;
	vq.last_avail_idx = st.queue[0].last_avail_idx;
	vq.shadow_avail_idx = st.queue[0].last_avail_idx;
	virtio_rng_process_queue(rng, &vq, &gm, &irq);
	CHECK(vq.used_idx == 2 && used(1).id == 1 && used(1).len == 10,
	      "restored, the device answers it (used idx %u, len %u)",
	      vq.used_idx, used(1).len);
	st.queue[0].last_avail_idx = vq.last_avail_idx;
	snap->capture(rng, &st, NULL);
	CHECK(st.queue[0].last_avail_idx == 2,
	      "with nothing held the indices are saved as they are");
}

static void test_readable_buffer(void)
{
	bool irq;

	setup(VIRTIO_RNG_DEFAULT_RATE);
	memset(ram + BUF_GPA, 0xee, 64);
	vring_put_desc(&ring, 0, BUF_GPA, 32, VRING_DESC_F_NEXT, 1);
	vring_put_desc(&ring, 1, BUF_GPA + 32, 32, VRING_DESC_F_WRITE, 0);
	vring_offer(&ring, 0);
	CHECK(virtio_rng_process_queue(rng, &vq, &gm, &irq) == 0 &&
		      vring_used_idx(&ring) == 1 && used(0).len == 0,
	      "a device-readable buffer: completed with 0 bytes");
	CHECK(ram[BUF_GPA] == 0xee && ram[BUF_GPA + 32] == 0xee &&
		      source_bytes == 0,
	      "nothing written, nothing taken from the source");
}

/*
 * A device-readable buffer costs the bucket nothing: a driver refilling
 * the ring with them as fast as they are answered gets VIRTIO_RNG_PASS_BUDGET
 * answers a pass, and the device asks for its next pass at once, after the
 * I/O thread's other events.
 */
static void test_pass_budget(void)
{
	struct vring_refill refill = {
		.ring = &ring,
		.limit = 100 * VIRTIO_RNG_PASS_BUDGET,
	};
	bool irq;
	int r;

	setup(VIRTIO_RNG_DEFAULT_RATE);
	vring_put_desc(&ring, 0, BUF_GPA, 16, 0, 0);
	gm.before_read = vring_refill_on_read;
	gm.hook_opaque = &refill;
	r = virtio_rng_process_queue(rng, &vq, &gm, &irq);
	CHECK(r == VIRTQ_MORE &&
		      vring_used_idx(&ring) == VIRTIO_RNG_PASS_BUDGET &&
		      virtio_rng_wait_ns(rng) == 0,
	      "a pass answers %u chains and asks for another (answered %u)",
	      VIRTIO_RNG_PASS_BUDGET, vring_used_idx(&ring));
	refill.limit = refill.count; /* the driver stops */
	r = virtio_rng_process_queue(rng, &vq, &gm, &irq);
	CHECK(r == 0 && vring_used_idx(&ring) == refill.count &&
		      virtio_rng_wait_ns(rng) == 0,
	      "the next pass answers the rest and asks for none (%u of %u)",
	      vring_used_idx(&ring), refill.count);
	gm.before_read = NULL;
	gm.hook_opaque = NULL;
}

static void test_broken_ring(void)
{
	bool irq;

	setup(VIRTIO_RNG_DEFAULT_RATE);
	vring_put_desc(&ring, 0, RAM_SIZE - 8, 64, VRING_DESC_F_WRITE, 0);
	vring_offer(&ring, 0);
	CHECK(virtio_rng_process_queue(rng, &vq, &gm, &irq) < 0 &&
		      vring_used_idx(&ring) == 0,
	      "a buffer past RAM: the queue is broken, nothing completed");
}

static void test_spec(void)
{
	static const char *const bad[] = {
		"bytes-per-second=0",
		"bytes-per-second=",
		"bytes-per-second=-1",
		"bytes-per-second=2G",
		"bytes-per-second=1T",
		"bytes-per-second=1MB",
		"bytes-per-second= 5",
		"rate=5",
		"x",
	};
	char err[128];
	uint64_t rate;

	CHECK(virtio_rng_spec_parse(NULL, &rate, err, sizeof(err)) == 0 &&
		      rate == VIRTIO_RNG_DEFAULT_RATE,
	      "no argument: the default rate");
	CHECK(virtio_rng_spec_parse("bytes-per-second=64K", &rate, err,
				    sizeof(err)) == 0 &&
		      rate == 65536,
	      "64K: 65536 bytes a second");
	CHECK(virtio_rng_spec_parse("bytes-per-second=1G", &rate, err,
				    sizeof(err)) == 0 &&
		      rate == VIRTIO_RNG_MAX_RATE,
	      "1G: the maximum");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(virtio_rng_spec_parse(bad[i], &rate, err, sizeof(err)) ==
				      -EINVAL &&
			      strstr(err, "rng: "),
		      "'%s' refused: %s", bad[i], err);
}

int main(void)
{
	ram = malloc(RAM_SIZE);
	rng = calloc(1, sizeof(*rng));
	if (!ram || !rng)
		return 1;
	ring = (struct test_vring){ .ram = ram,
				    .desc = DESC_GPA,
				    .avail = AVAIL_GPA,
				    .used = USED_GPA,
				    .num = RING_NUM };
	test_serves_bytes();
	test_request_cap();
	test_rate_limit();
	test_grant_above_rate();
	test_reset_forgets_held();
	test_snapshot_gives_back_held();
	test_readable_buffer();
	test_pass_budget();
	test_broken_ring();
	test_spec();
	free(rng);
	free(ram);
	return tap_done();
}
