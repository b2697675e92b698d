// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueue against a fake guest memory: one test per malformed-ring
 * case, each checking the specific error (so a missing check shows up as a
 * different result), that nothing was consumed or published, and that no
 * byte outside the fake RAM changed (guard zones around it; ASan catches
 * the rest).
 */
#include <errno.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "devices/virtq.h"
#include "lib/guest_mem.h"
#include "tests/support/tap.h"
#include "tests/support/vring.h"

#define RAM_SIZE 0x10000ull
#define GUARD 4096
#define HOLE_REGION_GPA 0x20000ull /* a second region after a hole */
#define HOLE_REGION_SIZE 0x1000ull
#define NUM 8u
#define DESC_GPA 0x1000ull
#define AVAIL_GPA 0x2000ull
#define USED_GPA 0x3000ull
#define TABLE_GPA 0x4000ull /* indirect tables */
#define BUF_GPA 0x8000ull

static uint8_t *alloc_base;
static uint8_t *ram;
static uint8_t hole_region[HOLE_REGION_SIZE];
static struct guest_mem gm;
static struct virtq vq;
static struct virtq_chain chain;
static struct test_vring ring;

/* Reads seen by the before_read hook, to prove "read once". */
static unsigned int reads_of_avail_idx;
static unsigned int reads_of_desc[NUM];

static void count_reads(void *opaque, uint64_t gpa, size_t len)
{
	(void)opaque;
	(void)len;
	if (gpa == AVAIL_GPA + 2)
		reads_of_avail_idx++;
	if (gpa >= DESC_GPA && gpa < DESC_GPA + NUM * 16)
		reads_of_desc[(gpa - DESC_GPA) / 16]++;
}

static void setup(bool indirect, bool event_idx)
{
	memset(alloc_base, 0xa5, GUARD);
	memset(ram, 0, RAM_SIZE);
	memset(ram + RAM_SIZE, 0xa5, GUARD);
	gm_init(&gm);
	gm_add_region(&gm, 0, RAM_SIZE, ram);
	gm_add_region(&gm, HOLE_REGION_GPA, HOLE_REGION_SIZE, hole_region);
	gm.before_read = count_reads;
	reads_of_avail_idx = 0;
	memset(reads_of_desc, 0, sizeof(reads_of_desc));
	vq.name = "test q0";
	virtq_reset(&vq, NUM);
	vq.desc = DESC_GPA;
	vq.avail = AVAIL_GPA;
	vq.used = USED_GPA;
	virtq_enable(&vq, event_idx, indirect);
	ring = (struct test_vring){ .ram = ram,
				    .desc = DESC_GPA,
				    .avail = AVAIL_GPA,
				    .used = USED_GPA,
				    .num = NUM };
}

static bool guards_intact(void)
{
	for (size_t i = 0; i < GUARD; i++)
		if (alloc_base[i] != 0xa5 || ram[RAM_SIZE + i] != 0xa5)
			return false;
	return true;
}

/* A rejected pop: expected error, nothing consumed or published. */
static void expect_reject(int want, const char *what)
{
	uint16_t last = vq.last_avail_idx;
	int ret = virtq_pop_chain(&vq, &gm, &chain);

	CHECK(ret == want, "%s: rejected with %d (got %d)", what, want, ret);
	CHECK(vq.last_avail_idx == last && vring_used_idx(&ring) == 0,
	      "%s: nothing consumed or published", what);
	CHECK(guards_intact(), "%s: no byte outside RAM touched", what);
}

static void test_valid_chains(void)
{
	int ret;

	setup(false, false);
	CHECK(virtq_pop_chain(&vq, &gm, &chain) == 0,
	      "empty ring pops nothing");

	vring_put_desc_at(&ring, DESC_GPA, 3, BUF_GPA, 16, VRING_DESC_F_NEXT,
			  5);
	vring_put_desc_at(&ring, DESC_GPA, 5, BUF_GPA + 0x100, 512,
			  VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	vring_put_desc_at(&ring, DESC_GPA, 1, BUF_GPA + 0x400, 1,
			  VRING_DESC_F_WRITE, 0);
	vring_offer(&ring, 3);
	ret = virtq_pop_chain(&vq, &gm, &chain);
	CHECK(ret == 1 && chain.head == 3 && chain.nr == 3,
	      "three-descriptor chain popped");
	CHECK(chain.buf[0].gpa == BUF_GPA && chain.buf[0].len == 16 &&
		      !chain.buf[0].device_writable,
	      "first buffer copied: readable header");
	CHECK(chain.buf[1].len == 512 && chain.buf[1].device_writable &&
		      chain.buf[2].gpa == BUF_GPA + 0x400,
	      "writable buffers copied in order");
	CHECK(reads_of_desc[3] == 1 && reads_of_desc[5] == 1 &&
		      reads_of_desc[1] == 1,
	      "each descriptor read exactly once");
	CHECK(vq.last_avail_idx == 1, "one entry consumed");
	CHECK(virtq_pop_chain(&vq, &gm, &chain) == 0, "then empty again");

	CHECK(virtq_push_used(&vq, &gm, 3, 513) == 0 &&
		      vring_used_idx(&ring) == 1,
	      "push_used publishes used idx 1");
	CHECK(!memcmp(ram + USED_GPA + 4, &(struct vring_used_elem){ 3, 513 },
		      8),
	      "used element holds head and length");
}

static void test_avail_idx_read_once(void)
{
	setup(false, false);
	for (uint16_t i = 0; i < 4; i++) {
		vring_put_desc_at(&ring, DESC_GPA, i, BUF_GPA, 16, 0, 0);
		vring_offer(&ring, i);
	}
	for (int i = 0; i < 4; i++)
		virtq_pop_chain(&vq, &gm, &chain);
	CHECK(reads_of_avail_idx == 1,
	      "avail idx read once for a pass of 4 chains (read %u times)",
	      reads_of_avail_idx);
	CHECK(virtq_pop_chain(&vq, &gm, &chain) == 0 && reads_of_avail_idx == 2,
	      "re-read only when the pass is exhausted");
}

static void test_avail_jump(void)
{
	setup(false, false);
	vring_put_desc_at(&ring, DESC_GPA, 0, BUF_GPA, 16, 0, 0);
	vring_set_avail_idx(&ring, NUM + 1);
	expect_reject(-EOVERFLOW, "avail idx jump of num + 1");
	CHECK(reads_of_avail_idx == 1, "jump detected on a single read");

	setup(false, false);
	vring_put_desc_at(&ring, DESC_GPA, 0, BUF_GPA, 16, 0, 0);
	vring_set_avail_idx(&ring, NUM);
	CHECK(virtq_pop_chain(&vq, &gm, &chain) == 1,
	      "a jump of exactly num is a full ring, accepted");

	setup(false, false);
	vring_set_avail_idx(&ring, 0xffff);
	expect_reject(-EOVERFLOW, "avail idx moved backwards");
}

static void test_bad_head(void)
{
	setup(false, false);
	vring_offer(&ring, NUM);
	expect_reject(-ERANGE, "head equal to queue size");
}

static void test_next_out_of_range(void)
{
	setup(false, false);
	vring_put_desc_at(&ring, DESC_GPA, 0, BUF_GPA, 16, VRING_DESC_F_NEXT,
			  NUM);
	vring_offer(&ring, 0);
	expect_reject(-ERANGE, "next past the descriptor table");
}

static void test_loops(void)
{
	setup(false, false);
	vring_put_desc_at(&ring, DESC_GPA, 0, BUF_GPA, 16, VRING_DESC_F_NEXT,
			  0);
	vring_offer(&ring, 0);
	expect_reject(-ELOOP, "descriptor chained to itself");

	setup(false, false);
	vring_put_desc_at(&ring, DESC_GPA, 2, BUF_GPA, 16, VRING_DESC_F_NEXT,
			  6);
	vring_put_desc_at(&ring, DESC_GPA, 6, BUF_GPA, 16, VRING_DESC_F_NEXT,
			  2);
	vring_offer(&ring, 2);
	expect_reject(-ELOOP, "two-descriptor loop");
}

static void test_buffer_outside_ram(void)
{
	setup(false, false);
	vring_put_desc_at(&ring, DESC_GPA, 0, RAM_SIZE - 8, 16, 0, 0);
	vring_offer(&ring, 0);
	expect_reject(-EFAULT, "buffer running past the end of RAM");

	setup(false, false);
	vring_put_desc_at(&ring, DESC_GPA, 0, 0xfffffffffffffff0ull, 0x20, 0,
			  0);
	vring_offer(&ring, 0);
	expect_reject(-EFAULT, "buffer whose addr + len wraps");

	setup(false, false);
	vring_put_desc_at(&ring, DESC_GPA, 0, HOLE_REGION_GPA - 8, 16, 0, 0);
	vring_offer(&ring, 0);
	expect_reject(-EFAULT, "buffer straddling a hole");

	setup(false, false);
	vring_put_desc_at(&ring, DESC_GPA, 0, HOLE_REGION_GPA, 16, 0, 0);
	vring_offer(&ring, 0);
	CHECK(virtq_pop_chain(&vq, &gm, &chain) == 1,
	      "buffer in the second region accepted");
}

static void test_zero_length(void)
{
	setup(false, false);
	vring_put_desc_at(&ring, DESC_GPA, 0, BUF_GPA, 0, 0, 0);
	vring_offer(&ring, 0);
	expect_reject(-EINVAL, "zero-length buffer");
}

static void test_readable_after_writable(void)
{
	setup(false, false);
	vring_put_desc_at(&ring, DESC_GPA, 0, BUF_GPA, 16,
			  VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	vring_put_desc_at(&ring, DESC_GPA, 1, BUF_GPA, 16, 0, 0);
	vring_offer(&ring, 0);
	expect_reject(-EINVAL, "device-readable buffer after a writable one");
}

static void test_indirect_valid(void)
{
	setup(true, false);
	vring_put_desc_at(&ring, DESC_GPA, 4, BUF_GPA, 16, VRING_DESC_F_NEXT,
			  7);
	vring_put_desc_at(&ring, DESC_GPA, 7, TABLE_GPA, 3 * 16,
			  VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE, 0);
	vring_put_desc_at(&ring, TABLE_GPA, 0, BUF_GPA + 0x100, 32,
			  VRING_DESC_F_NEXT, 2);
	vring_put_desc_at(&ring, TABLE_GPA, 2, BUF_GPA + 0x200, 512,
			  VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	vring_put_desc_at(&ring, TABLE_GPA, 1, BUF_GPA + 0x400, 1,
			  VRING_DESC_F_WRITE, 0);
	vring_offer(&ring, 4);
	CHECK(virtq_pop_chain(&vq, &gm, &chain) == 1 && chain.nr == 4 &&
		      chain.head == 4,
	      "direct descriptor followed by an indirect table");
	CHECK(chain.buf[1].gpa == BUF_GPA + 0x100 &&
		      !chain.buf[1].device_writable &&
		      chain.buf[3].gpa == BUF_GPA + 0x400 &&
		      chain.buf[3].device_writable,
	      "indirect entries copied, WRITE of the table descriptor ignored");
}

/* One chain whose head descriptor points at an indirect table. */
static void offer_indirect(uint64_t addr, uint32_t len, uint16_t flags)
{
	vring_put_desc_at(&ring, DESC_GPA, 0, addr, len,
			  VRING_DESC_F_INDIRECT | flags, 1);
	vring_offer(&ring, 0);
}

static void test_indirect_malformed(void)
{
	setup(false, false);
	vring_put_desc_at(&ring, TABLE_GPA, 0, BUF_GPA, 16, 0, 0);
	offer_indirect(TABLE_GPA, 16, 0);
	expect_reject(-EINVAL, "indirect without VIRTIO_RING_F_INDIRECT_DESC");

	setup(true, false);
	vring_put_desc_at(&ring, TABLE_GPA, 0, BUF_GPA, 16, 0, 0);
	offer_indirect(TABLE_GPA, 16, VRING_DESC_F_NEXT);
	expect_reject(-EINVAL, "indirect combined with NEXT");

	setup(true, false);
	vring_put_desc_at(&ring, TABLE_GPA, 0, TABLE_GPA + 0x100, 16,
			  VRING_DESC_F_INDIRECT, 0);
	vring_put_desc_at(&ring, TABLE_GPA + 0x100, 0, BUF_GPA, 16, 0, 0);
	offer_indirect(TABLE_GPA, 16, 0);
	expect_reject(-EINVAL, "nested indirect table");

	setup(true, false);
	vring_put_desc_at(&ring, TABLE_GPA, 0, BUF_GPA, 16, 0, 0);
	offer_indirect(TABLE_GPA, 24, 0);
	expect_reject(-EINVAL, "indirect length not a multiple of 16");

	setup(true, false);
	offer_indirect(TABLE_GPA, 0, 0);
	expect_reject(-EINVAL, "indirect length 0");

	setup(true, false);
	vring_put_desc_at(&ring, TABLE_GPA + 4, 0, BUF_GPA, 16, 0, 0);
	offer_indirect(TABLE_GPA + 4, 16, 0);
	expect_reject(-EINVAL, "misaligned indirect table");

	setup(true, false);
	vring_put_desc_at(&ring, TABLE_GPA, 0, BUF_GPA, 16, 0, 0);
	offer_indirect(TABLE_GPA, (NUM + 1) * 16, 0);
	expect_reject(-E2BIG, "indirect table longer than the queue");

	setup(true, false);
	offer_indirect(RAM_SIZE - 16, 32, 0);
	expect_reject(-EFAULT, "indirect table leaving RAM");

	setup(true, false);
	vring_put_desc_at(&ring, TABLE_GPA, 0, BUF_GPA, 16, VRING_DESC_F_NEXT,
			  1);
	vring_put_desc_at(&ring, TABLE_GPA, 1, BUF_GPA, 16, VRING_DESC_F_NEXT,
			  0);
	offer_indirect(TABLE_GPA, 2 * 16, 0);
	expect_reject(-ELOOP, "loop inside an indirect table");

	setup(true, false);
	vring_put_desc_at(&ring, TABLE_GPA, 0, BUF_GPA, 16, VRING_DESC_F_NEXT,
			  2);
	offer_indirect(TABLE_GPA, 2 * 16, 0);
	expect_reject(-ERANGE, "indirect next past its table");

	setup(true, false);
	vring_put_desc_at(&ring, TABLE_GPA, 0, RAM_SIZE - 4, 16, 0, 0);
	offer_indirect(TABLE_GPA, 16, 0);
	expect_reject(-EFAULT, "indirect entry buffer leaving RAM");
}

static void test_chain_longer_than_queue(void)
{
	/* One direct buffer, then a full-size table: NUM + 1 buffers. */
	setup(true, false);
	vring_put_desc_at(&ring, DESC_GPA, 0, BUF_GPA, 16, VRING_DESC_F_NEXT,
			  1);
	vring_put_desc_at(&ring, DESC_GPA, 1, TABLE_GPA, NUM * 16,
			  VRING_DESC_F_INDIRECT, 0);
	for (uint16_t i = 0; i < NUM; i++)
		vring_put_desc_at(&ring, TABLE_GPA, i, BUF_GPA, 16,
				  i + 1u < NUM ? VRING_DESC_F_NEXT : 0, i + 1);
	vring_offer(&ring, 0);
	expect_reject(-E2BIG, "chain of num + 1 buffers");
}

static void test_chain_over_4g(void)
{
	const uint64_t big_gpa = 0x100000000ull, big_size = 0x100000000ull;
	void *big = mmap(NULL, big_size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (big == MAP_FAILED) {
		tap_skip("a chain over 4 GiB", "no 4 GiB address space");
		return;
	}
	setup(false, false);
	/* Only ranges are checked: the PROT_NONE mapping is never touched. */
	gm_add_region(&gm, big_gpa, big_size, big);
	vring_put_desc_at(&ring, DESC_GPA, 0, big_gpa, 0x80000000u,
			  VRING_DESC_F_NEXT, 1);
	vring_put_desc_at(&ring, DESC_GPA, 1, big_gpa, 0x80000000u, 0, 0);
	vring_offer(&ring, 0);
	expect_reject(-E2BIG, "chain of 4 GiB in total");
	munmap(big, big_size);
}

/* Another vCPU rewrites descriptor 0 into garbage while descriptor 1 is read.
 */
static void rewrite_desc0(void *opaque, uint64_t gpa, size_t len)
{
	count_reads(opaque, gpa, len);
	if (gpa == DESC_GPA + 16)
		vring_put_desc_at(&ring, DESC_GPA, 0, RAM_SIZE * 2, 0xffffffff,
				  VRING_DESC_F_NEXT, 0);
}

static void test_copy_is_used(void)
{
	setup(false, false);
	vring_put_desc_at(&ring, DESC_GPA, 0, BUF_GPA, 16, VRING_DESC_F_NEXT,
			  1);
	vring_put_desc_at(&ring, DESC_GPA, 1, BUF_GPA + 0x100, 16,
			  VRING_DESC_F_WRITE, 0);
	vring_offer(&ring, 0);
	gm.before_read = rewrite_desc0;
	CHECK(virtq_pop_chain(&vq, &gm, &chain) == 1 && chain.nr == 2,
	      "chain popped although descriptor 0 changed mid-walk");
	CHECK(chain.buf[0].gpa == BUF_GPA && chain.buf[0].len == 16 &&
		      reads_of_desc[0] == 1,
	      "the chain holds the one copy of descriptor 0");
}

static void test_layout(void)
{
	setup(false, false);
	CHECK(!virtq_check_layout(&vq, &gm), "test layout is valid");
	vq.num = 6;
	CHECK(virtq_check_layout(&vq, &gm), "num 6 refused");
	vq.num = 0;
	CHECK(virtq_check_layout(&vq, &gm), "num 0 refused");
	vq.num = 2048;
	CHECK(virtq_check_layout(&vq, &gm), "num 2048 refused");
	vq.num = NUM;
	vq.desc = DESC_GPA + 8;
	CHECK(virtq_check_layout(&vq, &gm), "descriptor table at 8 mod 16");
	vq.desc = DESC_GPA;
	vq.avail = AVAIL_GPA + 1;
	CHECK(virtq_check_layout(&vq, &gm), "odd available ring");
	vq.avail = AVAIL_GPA;
	vq.used = USED_GPA + 2;
	CHECK(virtq_check_layout(&vq, &gm), "used ring at 2 mod 4");
	vq.used = (RAM_SIZE - (6 + 8 * NUM)) & ~3ull;
	CHECK(!virtq_check_layout(&vq, &gm), "used ring ending at RAM end");
	vq.used += 4;
	CHECK(virtq_check_layout(&vq, &gm), "used ring 4 bytes past RAM end");
	vq.used = USED_GPA;
	vq.avail = RAM_SIZE - (6 + 2 * NUM);
	CHECK(!virtq_check_layout(&vq, &gm), "avail ring ending at RAM end");
	vq.avail += 2;
	CHECK(virtq_check_layout(&vq, &gm),
	      "avail ring whose used_event leaves RAM");
	vq.avail = AVAIL_GPA;
	vq.desc = RAM_SIZE - 16 * NUM + 16;
	CHECK(virtq_check_layout(&vq, &gm), "descriptor table past RAM end");
	vq.desc = 0xfffffffffffffff0ull;
	CHECK(virtq_check_layout(&vq, &gm), "descriptor table wrapping");
}

static void set_avail_flags(uint16_t flags)
{
	memcpy(ram + AVAIL_GPA, &flags, 2);
}

static void set_used_event(uint16_t v)
{
	memcpy(ram + AVAIL_GPA + 4 + 2 * NUM, &v, 2);
}

static void test_interrupt_suppression(void)
{
	uint16_t avail_event;

	setup(false, false);
	virtq_push_used(&vq, &gm, 0, 1);
	CHECK(virtq_needs_interrupt(&vq, &gm), "flags 0: interrupt");
	set_avail_flags(VRING_AVAIL_F_NO_INTERRUPT);
	virtq_push_used(&vq, &gm, 0, 1);
	CHECK(!virtq_needs_interrupt(&vq, &gm), "NO_INTERRUPT: none");

	setup(false, true);
	set_avail_flags(VRING_AVAIL_F_NO_INTERRUPT);
	set_used_event(5);
	virtq_push_used(&vq, &gm, 0, 1);
	CHECK(virtq_needs_interrupt(&vq, &gm),
	      "EVENT_IDX: first check always interrupts, flags ignored");
	virtq_push_used(&vq, &gm, 0, 1); /* used idx 2 */
	CHECK(!virtq_needs_interrupt(&vq, &gm), "used_event 5 not reached");
	for (int i = 0; i < 4; i++)
		virtq_push_used(&vq, &gm, 0, 1); /* used idx 6 */
	CHECK(virtq_needs_interrupt(&vq, &gm), "used idx crossed used_event 5");
	virtq_push_used(&vq, &gm, 0, 1);
	CHECK(!virtq_needs_interrupt(&vq, &gm), "not again until it moves");

	setup(false, true);
	vring_put_desc_at(&ring, DESC_GPA, 0, BUF_GPA, 16, 0, 0);
	vring_offer(&ring, 0);
	vring_offer(&ring, 0);
	virtq_pop_chain(&vq, &gm, &chain);
	virtq_pop_chain(&vq, &gm, &chain);
	virtq_pop_chain(&vq, &gm, &chain);
	memcpy(&avail_event, ram + USED_GPA + 4 + 8 * NUM, 2);
	CHECK(avail_event == 2, "EVENT_IDX: avail_event asks for entry 2 (%u)",
	      avail_event);
}

/* A chain made by hand: buffers of 3, 5 and 4 bytes, the last writable. */
static void test_chain_ranges(void)
{
	struct virtq_chain c = { .nr = 3 };
	struct iovec iov[VIRTQ_MAX_CHAIN];
	uint8_t out[12];
	int n;

	setup(false, false);
	c.buf[0] = (struct virtq_buf){ .gpa = 0x100, .len = 3 };
	c.buf[1] = (struct virtq_buf){ .gpa = 0x200, .len = 5 };
	c.buf[2] = (struct virtq_buf){ .gpa = 0x300,
				       .len = 4,
				       .device_writable = true };
	memcpy(ram + 0x100, "abc", 3);
	memcpy(ram + 0x200, "defgh", 5);
	CHECK(virtq_chain_read(&gm, &c, 0, 2, 2, out, 4) == 0 &&
		      !memcmp(out, "cdef", 4),
	      "chain read: a range across two buffers");
	CHECK(virtq_chain_read(&gm, &c, 0, 2, 5, out, 4) == -EFAULT,
	      "chain read: a range past the buffers is refused");
	CHECK(virtq_chain_read(&gm, &c, 1, 2, 0, out, 5) == 0 &&
		      !memcmp(out, "defgh", 5),
	      "chain read: from the second buffer");
	CHECK(virtq_chain_write(&gm, &c, 2, 3, 1, "xyz", 3) == 0 &&
		      !memcmp(ram + 0x300, "\0xyz", 4),
	      "chain write: at an offset into the writable buffer");
	CHECK(virtq_chain_write(&gm, &c, 2, 3, 2, "xyz", 3) == -EFAULT,
	      "chain write: one byte too many is refused");
	n = virtq_chain_map(&gm, &c, 0, 3, 1, 10, iov);
	CHECK(n == 3 && iov[0].iov_base == ram + 0x101 && iov[0].iov_len == 2 &&
		      iov[1].iov_len == 5 && iov[2].iov_base == ram + 0x300 &&
		      iov[2].iov_len == 3,
	      "chain map: one iovec per buffer, offset into the first");
	CHECK(virtq_chain_map(&gm, &c, 0, 9, 0, 13, iov) == -EFAULT,
	      "chain map: end past the chain is clamped, too long refused");
	c.buf[1].gpa = RAM_SIZE - 2; /* no longer inside RAM */
	CHECK(virtq_chain_read(&gm, &c, 0, 2, 0, out, 8) == -EFAULT &&
		      virtq_chain_map(&gm, &c, 0, 2, 0, 8, iov) == -EFAULT,
	      "a buffer that left RAM is refused");
	CHECK(guards_intact(), "chain ranges: nothing written outside RAM");
}

int main(void)
{
	alloc_base = malloc(GUARD + RAM_SIZE + GUARD);
	if (!alloc_base)
		return 1;
	ram = alloc_base + GUARD;

	test_valid_chains();
	test_avail_idx_read_once();
	test_avail_jump();
	test_bad_head();
	test_next_out_of_range();
	test_loops();
	test_buffer_outside_ram();
	test_zero_length();
	test_readable_after_writable();
	test_indirect_valid();
	test_indirect_malformed();
	test_chain_longer_than_queue();
	test_chain_over_4g();
	test_copy_is_used();
	test_layout();
	test_interrupt_suppression();
	test_chain_ranges();

	free(alloc_base);
	return tap_done();
}
