// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk request handling against a fake guest memory and a small
 * in-memory block backend (a real struct block_ops implementation over a
 * malloc'd disk, counting calls so tests can prove a rejected request never
 * reached it): header parsing, the sector range and length checks, read-only
 * drives, flush, GET_ID, unknown types, status-byte framing, and the queue
 * loop; then the same device with a pool of workers, whose reads the test
 * holds at a gate to keep them in flight.
 */
#include <errno.h>
#include <linux/virtio_blk.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio_blk.h"
#include "lib/guest_mem.h"
#include "tests/support/tap.h"
#include "tests/support/vring.h"

#define RAM_SIZE 0x20000ull
#define DISK_SECTORS 256u
#define DISK_SIZE (DISK_SECTORS * 512u)
#define HDR_GPA 0x1000ull
#define DATA_GPA 0x2000ull
#define STATUS_GPA 0x6000ull
#define RING_NUM 16u
#define DESC_GPA 0x8000ull
#define AVAIL_GPA 0x9000ull
#define USED_GPA 0xa000ull
#define BIG_GPA 0x10000ull /* 64 KiB of data */

struct mem_backend {
	struct block_backend bb; /* first: the ops get &bb */
	uint8_t *disk;
	unsigned int reads, writes, flushes; /* atomic: workers count too */
	bool fail_read, fail_flush;
	/* While closed, reads wait: requests stay in flight on the workers. */
	pthread_mutex_t gate_lock;
	pthread_cond_t gate_cond;
	bool gate_closed;
};

static uint8_t *ram;
static struct test_vring ring;
static struct guest_mem gm;
static struct mem_backend mb;
static struct virtio_blk *blk;
static struct virtq_chain chain;
static unsigned int header_reads;

/* Copy between the disk and an iovec; refuse anything past the end. */
static int mem_rw(struct block_backend *bb, const struct iovec *iov, int iovcnt,
		  uint64_t offset, bool write)
{
	struct mem_backend *m = (struct mem_backend *)bb;

	for (int i = 0; i < iovcnt; i++) {
		if (offset > bb->size || iov[i].iov_len > bb->size - offset)
			return -EINVAL;
		if (write)
			memcpy(m->disk + offset, iov[i].iov_base,
			       iov[i].iov_len);
		else
			memcpy(iov[i].iov_base, m->disk + offset,
			       iov[i].iov_len);
		offset += iov[i].iov_len;
	}
	return 0;
}

static void gate_wait(struct mem_backend *m)
{
	pthread_mutex_lock(&m->gate_lock);
	while (m->gate_closed)
		pthread_cond_wait(&m->gate_cond, &m->gate_lock);
	pthread_mutex_unlock(&m->gate_lock);
}

static int mem_preadv(struct block_backend *bb, const struct iovec *iov,
		      int iovcnt, uint64_t offset)
{
	struct mem_backend *m = (struct mem_backend *)bb;

	gate_wait(m);
	__atomic_fetch_add(&m->reads, 1, __ATOMIC_RELAXED);
	return m->fail_read ? -EIO : mem_rw(bb, iov, iovcnt, offset, false);
}

static int mem_pwritev(struct block_backend *bb, const struct iovec *iov,
		       int iovcnt, uint64_t offset)
{
	__atomic_fetch_add(&((struct mem_backend *)bb)->writes, 1,
			   __ATOMIC_RELAXED);
	return mem_rw(bb, iov, iovcnt, offset, true);
}

static int mem_flush(struct block_backend *bb)
{
	struct mem_backend *m = (struct mem_backend *)bb;

	gate_wait(m);
	__atomic_fetch_add(&m->flushes, 1, __ATOMIC_RELAXED);
	return m->fail_flush ? -EIO : 0;
}

static const struct block_ops mem_ops = {
	.preadv = mem_preadv,
	.pwritev = mem_pwritev,
	.flush = mem_flush,
};

static void count_header_reads(void *opaque, uint64_t gpa, size_t len)
{
	(void)opaque;
	if (gpa < HDR_GPA + 16 && gpa + len > HDR_GPA)
		header_reads++;
}

static void setup(bool readonly)
{
	memset(ram, 0, RAM_SIZE);
	gm_init(&gm);
	gm_add_region(&gm, 0, RAM_SIZE, ram);
	gm.before_read = count_header_reads;
	header_reads = 0;
	for (unsigned int i = 0; i < DISK_SIZE; i++)
		mb.disk[i] = (uint8_t)(i / 512 * 7 + i);
	mb.bb.ops = &mem_ops;
	mb.bb.size = DISK_SIZE;
	mb.bb.readonly = readonly;
	mb.bb.worker_min_bytes = BLOCK_NO_WORKERS;
	mb.reads = mb.writes = mb.flushes = 0;
	mb.fail_read = mb.fail_flush = false;
	virtio_blk_init(blk, &mb.bb, "test-blk", "vigil-0");
	chain.head = 0;
	chain.nr = 0;
}

static void put_hdr(uint64_t gpa, uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr h = { .type = type, .sector = sector };

	memcpy(ram + gpa, &h, sizeof(h));
}

static void add(uint64_t gpa, uint32_t len, bool writable)
{
	chain.buf[chain.nr++] = (struct virtq_buf){
		.gpa = gpa,
		.len = len,
		.device_writable = writable,
	};
}

/* The usual framing: header, data (if any) in its direction, status. */
static void request(uint32_t type, uint64_t sector, uint32_t data_len,
		    bool data_writable)
{
	put_hdr(HDR_GPA, type, sector);
	ram[STATUS_GPA] = 0xee;
	add(HDR_GPA, 16, false);
	if (data_len)
		add(DATA_GPA, data_len, data_writable);
	add(STATUS_GPA, 1, true);
}

static int run(uint32_t *used_len)
{
	*used_len = 0xdeadbeef;
	return virtio_blk_handle_chain(blk, &gm, &chain, used_len);
}

static void test_init(void)
{
	struct mem_backend tiny = { .bb = { .ops = &mem_ops, .size = 511 } };
	struct virtio_blk_config cfg;

	setup(false);
	CHECK(blk->capacity == DISK_SECTORS, "capacity in 512-byte sectors");
	virtio_blk_config_read(blk, 0, &cfg, VIRTIO_BLK_CONFIG_SIZE);
	CHECK(cfg.capacity == DISK_SECTORS &&
		      cfg.seg_max == VIRTIO_BLK_QUEUE_SIZE - 2,
	      "config space: capacity %llu, seg_max %u",
	      (unsigned long long)cfg.capacity, cfg.seg_max);
	CHECK((blk->features & (1ull << VIRTIO_F_VERSION_1)) &&
		      (blk->features & (1ull << VIRTIO_BLK_F_FLUSH)) &&
		      (blk->features & (1ull << VIRTIO_RING_F_EVENT_IDX)) &&
		      !(blk->features & (1ull << VIRTIO_BLK_F_RO)),
	      "offers VERSION_1, FLUSH, EVENT_IDX, not RO");
	setup(true);
	CHECK(blk->features & (1ull << VIRTIO_BLK_F_RO),
	      "read-only drive offers VIRTIO_BLK_F_RO");
	CHECK(virtio_blk_init(blk, &tiny.bb, "tiny", "x") == -EINVAL,
	      "a drive smaller than a sector is refused");
}

static void test_read(void)
{
	uint32_t used;

	setup(false);
	request(VIRTIO_BLK_T_IN, 3, 1024, true);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_OK,
	      "IN of 2 sectors: status OK");
	CHECK(!memcmp(ram + DATA_GPA, mb.disk + 3 * 512, 1024),
	      "IN: data is sectors 3..4");
	CHECK(used == 1025, "IN: used length = data + status (%u)", used);
	CHECK(header_reads == 1, "header read exactly once (%u)", header_reads);

	/* Header in two pieces, status sharing the data buffer. */
	setup(false);
	put_hdr(HDR_GPA, VIRTIO_BLK_T_IN, 7);
	add(HDR_GPA, 8, false);
	add(HDR_GPA + 8, 8, false);
	add(DATA_GPA, 513, true);
	CHECK(run(&used) == 0 && ram[DATA_GPA + 512] == VIRTIO_BLK_S_OK &&
		      !memcmp(ram + DATA_GPA, mb.disk + 7 * 512, 512),
	      "split header and status inside the data buffer");
}

static void test_write(void)
{
	uint32_t used;

	setup(false);
	request(VIRTIO_BLK_T_OUT, 5, 512, false);
	memset(ram + DATA_GPA, 0x5a, 512);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_OK &&
		      used == 1,
	      "OUT of 1 sector: status OK, used length 1");
	CHECK(mb.disk[5 * 512] == 0x5a && mb.disk[6 * 512 - 1] == 0x5a &&
		      mb.disk[6 * 512] != 0x5a,
	      "OUT: exactly sector 5 written");

	setup(true);
	request(VIRTIO_BLK_T_OUT, 5, 512, false);
	memset(ram + DATA_GPA, 0x5a, 512);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_IOERR &&
		      mb.writes == 0 && mb.disk[5 * 512] != 0x5a,
	      "read-only drive: OUT fails with IOERR, nothing written");
}

static void test_flush(void)
{
	uint32_t used;

	setup(false);
	request(VIRTIO_BLK_T_FLUSH, 0, 0, false);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_OK &&
		      mb.flushes == 1,
	      "FLUSH reaches the backend");
	setup(false);
	mb.fail_flush = true;
	request(VIRTIO_BLK_T_FLUSH, 0, 0, false);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_IOERR,
	      "a failed flush reports IOERR");
}

static void test_get_id(void)
{
	static const char want[VIRTIO_BLK_ID_BYTES] = "vigil-0";
	uint32_t used;

	setup(false);
	request(VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES, true);
	memset(ram + DATA_GPA, 0xff, VIRTIO_BLK_ID_BYTES);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_OK &&
		      !memcmp(ram + DATA_GPA, want, sizeof(want)) && used == 21,
	      "GET_ID: serial NUL-padded to 20 bytes");

	setup(false);
	request(VIRTIO_BLK_T_GET_ID, 0, 4, true);
	memset(ram + DATA_GPA, 0xff, 8);
	CHECK(run(&used) == 0 && !memcmp(ram + DATA_GPA, "vigi", 4) &&
		      ram[DATA_GPA + 4] == 0xff && used == 5,
	      "GET_ID into a 4-byte buffer writes 4 bytes only");

	setup(false);
	virtio_blk_init(blk, &mb.bb, "test-blk", "0123456789abcdefghijKLM");
	request(VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES, true);
	CHECK(run(&used) == 0 &&
		      !memcmp(ram + DATA_GPA, "0123456789abcdefghij", 20),
	      "GET_ID: a long serial is cut to 20 bytes, no terminator");
}

static void test_unsupported(void)
{
	uint32_t used;

	setup(false);
	request(0x42, 0, 512, true);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_UNSUPP &&
		      mb.reads + mb.writes + mb.flushes == 0,
	      "unknown type 0x42: UNSUPP, backend untouched");
	setup(false);
	request(VIRTIO_BLK_T_DISCARD, 0, 16, false);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_UNSUPP,
	      "DISCARD (not offered): UNSUPP");
}

/* A read that must fail before reaching the backend. */
static void expect_read_ioerr(uint64_t sector, uint32_t len, const char *what)
{
	uint32_t used;

	setup(false);
	request(VIRTIO_BLK_T_IN, sector, len, true);
	memset(ram + DATA_GPA, 0xcc, len);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_IOERR &&
		      used == 1,
	      "%s: IOERR, used length 1", what);
	CHECK(mb.reads == 0 && ram[DATA_GPA] == 0xcc,
	      "%s: backend not called, buffer untouched", what);
}

static void test_ranges(void)
{
	uint32_t used;

	setup(false);
	request(VIRTIO_BLK_T_IN, DISK_SECTORS - 1, 512, true);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_OK,
	      "read of the last sector succeeds");
	expect_read_ioerr(DISK_SECTORS, 512, "read at sector == capacity");
	expect_read_ioerr(DISK_SECTORS - 1, 1024, "read running past the end");
	expect_read_ioerr(1ull << 55, 512, "sector whose byte offset wraps");
	expect_read_ioerr(UINT64_MAX, 512, "sector 2^64 - 1");
	expect_read_ioerr(0, 100, "length not a multiple of 512");

	setup(false);
	request(VIRTIO_BLK_T_OUT, DISK_SECTORS, 512, false);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_IOERR &&
		      mb.writes == 0,
	      "write past capacity: IOERR, backend not called");

	setup(false);
	mb.fail_read = true;
	request(VIRTIO_BLK_T_IN, 0, 512, true);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_IOERR &&
		      used == 1,
	      "backend read error: IOERR, used length 1");
}

static void test_framing(void)
{
	uint32_t used;

	setup(false);
	put_hdr(HDR_GPA, VIRTIO_BLK_T_IN, 0);
	add(HDR_GPA, 16, false);
	add(DATA_GPA, 512, false);
	ram[DATA_GPA + 511] = 0x77;
	CHECK(run(&used) == -EINVAL && ram[DATA_GPA + 511] == 0x77,
	      "no device-writable buffer: broken, nothing written");

	setup(false);
	put_hdr(HDR_GPA, VIRTIO_BLK_T_IN, 0);
	add(HDR_GPA, 12, false);
	add(STATUS_GPA, 1, true);
	ram[STATUS_GPA] = 0xee;
	CHECK(run(&used) == -EINVAL && ram[STATUS_GPA] == 0xee,
	      "12-byte header: broken, no status written");

	setup(false);
	CHECK(run(&used) == -EINVAL, "empty chain: broken");

	setup(false);
	put_hdr(HDR_GPA, VIRTIO_BLK_T_IN, 0);
	add(HDR_GPA, 16 + 512, false);
	add(STATUS_GPA, 1, true);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_IOERR &&
		      mb.reads == 0,
	      "IN with device-readable data: IOERR");

	setup(false);
	request(VIRTIO_BLK_T_OUT, 0, 512, false);
	chain.buf[chain.nr - 1].len = 513; /* status buffer grows data */
	CHECK(run(&used) == 0 && ram[STATUS_GPA + 512] == VIRTIO_BLK_S_IOERR &&
		      mb.writes == 0,
	      "OUT with device-writable data: IOERR");

	setup(false);
	request(VIRTIO_BLK_T_FLUSH, 0, 512, true);
	CHECK(run(&used) == 0 && ram[STATUS_GPA] == VIRTIO_BLK_S_IOERR &&
		      mb.flushes == 0,
	      "FLUSH with a data buffer: IOERR");
}

/* vq: the test ring's addresses, enabled with no ring features. */
static void start_queue(struct virtq *vq)
{
	virtq_reset(vq, RING_NUM);
	vq->desc = DESC_GPA;
	vq->avail = AVAIL_GPA;
	vq->used = USED_GPA;
	virtq_enable(vq, false, false);
}

static void test_process_queue(void)
{
	struct virtq vq = { .name = "test q0" };
	struct vring_used_elem e[2];
	bool irq;
	uint16_t used_idx;

	setup(false);
	start_queue(&vq);
	/* Request 1 (head 0): IN sector 1; request 2 (head 3): FLUSH. */
	put_hdr(HDR_GPA, VIRTIO_BLK_T_IN, 1);
	vring_put_desc(&ring, 0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	vring_put_desc(&ring, 1, DATA_GPA, 512,
		       VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	vring_put_desc(&ring, 2, STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
	put_hdr(HDR_GPA + 16, VIRTIO_BLK_T_FLUSH, 0);
	vring_put_desc(&ring, 3, HDR_GPA + 16, 16, VRING_DESC_F_NEXT, 4);
	vring_put_desc(&ring, 4, STATUS_GPA + 1, 1, VRING_DESC_F_WRITE, 0);
	vring_offer(&ring, 0);
	vring_offer(&ring, 3);
	CHECK(virtio_blk_process_queue(blk, &vq, &gm, &irq) == 0 && irq,
	      "two requests served, interrupt wanted");
	memcpy(&used_idx, ram + USED_GPA + 2, 2);
	memcpy(e, ram + USED_GPA + 4, sizeof(e));
	CHECK(used_idx == 2 && e[0].id == 0 && e[0].len == 513 &&
		      e[1].id == 3 && e[1].len == 1,
	      "used ring: (0, 513), (3, 1)");
	CHECK(!memcmp(ram + DATA_GPA, mb.disk + 512, 512) && mb.flushes == 1,
	      "the read landed and the flush ran");

	CHECK(virtio_blk_process_queue(blk, &vq, &gm, &irq) == 0 && !irq,
	      "nothing new: no interrupt");

	/* Then a request with no status byte breaks the queue. */
	vring_put_desc(&ring, 5, HDR_GPA, 16, 0, 0);
	vring_offer(&ring, 5);
	CHECK(virtio_blk_process_queue(blk, &vq, &gm, &irq) == -EINVAL,
	      "request without status byte: queue broken");
	memcpy(&used_idx, ram + USED_GPA + 2, 2);
	CHECK(used_idx == 2, "the broken request is not completed");
}

/*
 * A driver that refills the ring as fast as the device serves it: a pass
 * stops at its budget and asks for another (which the I/O thread runs
 * after its other events), instead of holding the thread for ever.
 */
static void test_pass_budget(void)
{
	struct virtq vq = { .name = "test q0" };
	struct vring_refill refill = {
		.ring = &ring,
		.limit = 100 * VIRTIO_BLK_PASS_BUDGET,
	};
	bool irq;
	int r;

	setup(false);
	start_queue(&vq);
	put_hdr(HDR_GPA, VIRTIO_BLK_T_FLUSH, 0);
	vring_put_desc(&ring, 0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	vring_put_desc(&ring, 1, STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
	gm.before_read = vring_refill_on_read;
	gm.hook_opaque = &refill;
	r = virtio_blk_process_queue(blk, &vq, &gm, &irq);
	CHECK(r == VIRTQ_MORE && mb.flushes == VIRTIO_BLK_PASS_BUDGET,
	      "a pass takes %u requests and asks for another (took %u)",
	      VIRTIO_BLK_PASS_BUDGET, mb.flushes);
	refill.limit = refill.count; /* the driver stops */
	r = virtio_blk_process_queue(blk, &vq, &gm, &irq);
	CHECK(r == 0 && mb.flushes == refill.count,
	      "the next pass serves the rest and asks for none (%u of %u)",
	      mb.flushes, refill.count);
	gm.before_read = count_header_reads;
	gm.hook_opaque = NULL;
}

static void gate_set(bool closed)
{
	pthread_mutex_lock(&mb.gate_lock);
	mb.gate_closed = closed;
	pthread_cond_broadcast(&mb.gate_cond);
	pthread_mutex_unlock(&mb.gate_lock);
}

/* Open the gate a little later, while the test waits in a drain. */
static void *gate_opener(void *arg)
{
	struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };

	(void)arg;
	nanosleep(&ts, NULL);
	gate_set(false);
	return NULL;
}

/* A queue over the test ring, and a started pool on blk. */
static void setup_pooled(struct virtq *vq)
{
	setup(false);
	memset(ram + DESC_GPA, 0, USED_GPA + 0x1000 - DESC_GPA);
	virtq_reset(vq, ring.num);
	vq->desc = DESC_GPA;
	vq->avail = AVAIL_GPA;
	vq->used = USED_GPA;
	virtq_enable(vq, false, false);
	mb.bb.worker_min_bytes = 0; /* a backend that sleeps */
	virtio_blk_pool_init(blk);
	block_pool_start(blk->pool, NULL, NULL);
}

/* Request i (i < 5): a one-sector read of sector i, on descriptors 3i... */
static void offer_read(unsigned int i)
{
	uint16_t d = (uint16_t)(3 * i);

	put_hdr(HDR_GPA + 16 * i, VIRTIO_BLK_T_IN, i);
	ram[STATUS_GPA + i] = 0xee;
	vring_put_desc(&ring, d, HDR_GPA + 16 * i, 16, VRING_DESC_F_NEXT,
		       d + 1);
	vring_put_desc(&ring, d + 1, DATA_GPA + 512 * i, 512,
		       VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, d + 2);
	vring_put_desc(&ring, d + 2, STATUS_GPA + i, 1, VRING_DESC_F_WRITE, 0);
	vring_offer(&ring, d);
}

/* Wait (up to 5 s) for the pool to report completions. */
static bool pool_signalled(void)
{
	struct pollfd p = { .fd = block_pool_fd(blk->pool), .events = POLLIN };

	return poll(&p, 1, 5000) == 1;
}

/* Serve until n requests are used, waiting for the pool in between. */
static void serve_until_used(struct virtq *vq, uint16_t n)
{
	bool irq;

	for (int tries = 0; vring_used_idx(&ring) < n && tries < 1000; tries++)
		if (virtio_blk_process_queue(blk, vq, &gm, &irq) == 0 &&
		    vring_used_idx(&ring) < n)
			pool_signalled();
}

static void test_pool_in_flight(void)
{
	struct virtq vq = { .name = "test q0" };
	bool irq;

	setup_pooled(&vq);
	gate_set(true);
	offer_read(0);
	offer_read(1);
	CHECK(virtio_blk_process_queue(blk, &vq, &gm, &irq) == 0 && !irq &&
		      vring_used_idx(&ring) == 0 && vq.last_avail_idx == 2,
	      "two reads taken, both in flight, nothing completed yet");
	gate_set(false);
	CHECK(pool_signalled(), "the pool signals its completions");
	serve_until_used(&vq, 2);
	CHECK(vring_used_idx(&ring) == 2 &&
		      ram[STATUS_GPA] == VIRTIO_BLK_S_OK &&
		      ram[STATUS_GPA + 1] == VIRTIO_BLK_S_OK &&
		      !memcmp(ram + DATA_GPA, mb.disk, 1024),
	      "both reads complete with their data and status");
	virtio_blk_pool_destroy(blk);
}

/* Flush i on descriptors 2i, 2i + 1 (flushes wait at the gate too). */
static void offer_flush(unsigned int i)
{
	uint16_t d = (uint16_t)(2 * i);

	put_hdr(HDR_GPA + 16 * i, VIRTIO_BLK_T_FLUSH, 0);
	vring_put_desc(&ring, d, HDR_GPA + 16 * i, 16, VRING_DESC_F_NEXT,
		       d + 1);
	vring_put_desc(&ring, d + 1, STATUS_GPA + i, 1, VRING_DESC_F_WRITE, 0);
	vring_offer(&ring, d);
}

static void test_pool_full(void)
{
	struct virtq vq = { .name = "test q0" };
	const uint16_t n = BLOCK_POOL_WORKERS + 4;
	bool irq;

	/* A ring with room for more requests than the pool has slots. */
	ring.num = 64;
	setup_pooled(&vq);
	gate_set(true);
	for (unsigned int i = 0; i < n; i++)
		offer_flush(i);
	CHECK(virtio_blk_process_queue(blk, &vq, &gm, &irq) == 0 &&
		      vq.last_avail_idx == BLOCK_POOL_WORKERS &&
		      vring_used_idx(&ring) == 0,
	      "every slot in flight: the rest stay in the ring");
	gate_set(false);
	serve_until_used(&vq, n);
	CHECK(vring_used_idx(&ring) == n && vq.last_avail_idx == n &&
		      __atomic_load_n(&mb.flushes, __ATOMIC_RELAXED) == n,
	      "as slots come back the rest are taken: all %u complete", n);
	virtio_blk_pool_destroy(blk);
	ring.num = RING_NUM;
}

/*
 * Two reads in flight, held at the gate, and a thread that opens it
 * while the test waits in a drain.
 */
static void two_reads_held(struct virtq *vq, pthread_t *opener)
{
	bool irq;

	setup_pooled(vq);
	gate_set(true);
	offer_read(0);
	offer_read(1);
	virtio_blk_process_queue(blk, vq, &gm, &irq);
	pthread_create(opener, NULL, gate_opener, NULL);
}

static void test_pool_drain(void)
{
	struct virtq vq = { .name = "test q0" };
	pthread_t opener;
	bool irq;

	/* A snapshot: what is in flight completes into the ring. */
	two_reads_held(&vq, &opener);
	CHECK(virtio_blk_drain(blk, &vq, &gm, true, &irq) == 0 && irq &&
		      vring_used_idx(&ring) == 2 &&
		      ram[STATUS_GPA + 1] == VIRTIO_BLK_S_OK,
	      "drain with push: waits, then both requests are used");
	pthread_join(opener, NULL);
	virtio_blk_pool_destroy(blk);

	/* A reset: what is in flight finishes, and is never completed. */
	two_reads_held(&vq, &opener);
	CHECK(virtio_blk_drain(blk, &vq, &gm, false, &irq) == 0 && !irq &&
		      vring_used_idx(&ring) == 0 && ram[STATUS_GPA] == 0xee,
	      "drain without push: no status byte, no used entry");
	pthread_join(opener, NULL);
	CHECK(virtio_blk_process_queue(blk, &vq, &gm, &irq) == 0 &&
		      vring_used_idx(&ring) == 0,
	      "a later pass completes nothing of the old session");
	virtio_blk_pool_destroy(blk);
}

/* Request i: a read of len bytes from sector 0 into BIG_GPA. */
static void offer_big_read(unsigned int i, uint32_t len)
{
	uint16_t d = (uint16_t)(3 * i);

	put_hdr(HDR_GPA + 16 * i, VIRTIO_BLK_T_IN, 0);
	vring_put_desc(&ring, d, HDR_GPA + 16 * i, 16, VRING_DESC_F_NEXT,
		       d + 1);
	vring_put_desc(&ring, d + 1, BIG_GPA, len,
		       VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, d + 2);
	vring_put_desc(&ring, d + 2, STATUS_GPA + i, 1, VRING_DESC_F_WRITE, 0);
	vring_offer(&ring, d);
}

/* A backend on the page cache: only flushes and large transfers wait. */
static void test_pool_fast_backend(void)
{
	struct virtq vq = { .name = "test q0" };
	bool irq;

	setup_pooled(&vq);
	mb.bb.worker_min_bytes = 64 << 10; /* as raw on the page cache */
	gate_set(true);
	offer_flush(0);
	CHECK(virtio_blk_process_queue(blk, &vq, &gm, &irq) == 0 &&
		      vring_used_idx(&ring) == 0 && vq.last_avail_idx == 1,
	      "fast backend: a flush still goes to a worker");
	gate_set(false);
	serve_until_used(&vq, 1);
	offer_big_read(1, 4096);
	CHECK(virtio_blk_process_queue(blk, &vq, &gm, &irq) == 0 &&
		      vring_used_idx(&ring) == 2 &&
		      ram[STATUS_GPA + 1] == VIRTIO_BLK_S_OK,
	      "fast backend: a 4 KiB read completes within the pass");
	offer_big_read(2, 64 << 10);
	CHECK(virtio_blk_process_queue(blk, &vq, &gm, &irq) == 0 &&
		      vring_used_idx(&ring) == 2 && vq.last_avail_idx == 3,
	      "fast backend: a 64 KiB read goes to a worker");
	serve_until_used(&vq, 3);
	CHECK(vring_used_idx(&ring) == 3 &&
		      !memcmp(ram + BIG_GPA, mb.disk, 64 << 10),
	      "and completes with its data");
	virtio_blk_pool_destroy(blk);
}

static void test_pool_errors(void)
{
	struct virtq vq = { .name = "test q0" };
	bool irq;

	setup_pooled(&vq);
	mb.fail_read = true;
	offer_read(0);
	virtio_blk_process_queue(blk, &vq, &gm, &irq);
	CHECK(virtio_blk_drain(blk, &vq, &gm, true, &irq) == 0 &&
		      vring_used_idx(&ring) == 1 &&
		      ram[STATUS_GPA] == VIRTIO_BLK_S_IOERR &&
		      !memcmp(ram + USED_GPA + 8, &(uint32_t){ 1 }, 4),
	      "a failed read on a worker: IOERR, used length 1");
	virtio_blk_pool_destroy(blk);
}

int main(void)
{
	ram = malloc(RAM_SIZE);
	ring = (struct test_vring){ .ram = ram,
				    .desc = DESC_GPA,
				    .avail = AVAIL_GPA,
				    .used = USED_GPA,
				    .num = RING_NUM };
	mb.disk = malloc(DISK_SIZE);
	pthread_mutex_init(&mb.gate_lock, NULL);
	pthread_cond_init(&mb.gate_cond, NULL);
	blk = calloc(1, sizeof(*blk));
	if (!ram || !mb.disk || !blk)
		return 1;

	test_init();
	test_read();
	test_write();
	test_flush();
	test_get_id();
	test_unsupported();
	test_ranges();
	test_framing();
	test_process_queue();
	test_pass_budget();
	test_pool_in_flight();
	test_pool_full();
	test_pool_drain();
	test_pool_errors();
	test_pool_fast_backend();

	free(blk);
	free(mb.disk);
	free(ram);
	return tap_done();
}
