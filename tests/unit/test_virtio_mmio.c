// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-mmio register state machine, with the real virtio-blk model
 * behind it over a fake guest memory and an in-memory block backend:
 * register widths and directions, config-space bounds, feature negotiation,
 * status order, QueueSel/QueueNum/QueueReady validation, notifications and
 * interrupts, DEVICE_NEEDS_RESET, reset while a request is in flight, the
 * snapshot state validators, and rate-limited guest_errors logging.
 */
#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/virtio_blk.h"
#include "devices/virtio_mmio.h"
#include "lib/guest_mem.h"
#include "lib/layout.h"
#include "lib/log.h"
#include "tests/support/tap.h"
#include "tests/support/vring.h"

#define RAM_SIZE 0x10000ull
#define DISK_SIZE (64u * 512u)
#define NUM 16u
#define DESC_GPA 0x1000ull
#define AVAIL_GPA 0x2000ull
#define USED_GPA 0x3000ull
#define HDR_GPA 0x4000ull
#define DATA_GPA 0x5000ull
#define STATUS_GPA 0x6000ull

#define S_ACK VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRV VIRTIO_CONFIG_S_DRIVER
#define S_FOK VIRTIO_CONFIG_S_FEATURES_OK
#define S_DOK VIRTIO_CONFIG_S_DRIVER_OK

/* An in-memory drive whose reads can be held "in flight" by the test. */
struct mem_backend {
	struct block_backend bb;
	uint8_t disk[DISK_SIZE];
};

static uint8_t *ram;
static struct test_vring ring;
static struct guest_mem gm;
static struct mem_backend mb;
static struct virtio_blk *blk;
static struct virtio_mmio dev;
static unsigned int notifies, interrupts;

static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cond = PTHREAD_COND_INITIALIZER;
static bool hold_reads, read_in_flight, release_reads;

static int mem_preadv(struct block_backend *bb, const struct iovec *iov,
		      int iovcnt, uint64_t offset)
{
	struct mem_backend *m = (struct mem_backend *)bb;

	pthread_mutex_lock(&hold_lock);
	if (hold_reads) {
		read_in_flight = true;
		pthread_cond_broadcast(&hold_cond);
		while (!release_reads)
			pthread_cond_wait(&hold_cond, &hold_lock);
	}
	pthread_mutex_unlock(&hold_lock);
	for (int i = 0; i < iovcnt; i++) {
		if (offset > bb->size || iov[i].iov_len > bb->size - offset)
			return -EINVAL;
		memcpy(iov[i].iov_base, m->disk + offset, iov[i].iov_len);
		offset += iov[i].iov_len;
	}
	return 0;
}

static int mem_pwritev(struct block_backend *bb, const struct iovec *iov,
		       int iovcnt, uint64_t offset)
{
	(void)bb, (void)iov, (void)iovcnt, (void)offset;
	return -EIO;
}

static int mem_flush(struct block_backend *bb)
{
	(void)bb;
	return 0;
}

static const struct block_ops mem_ops = {
	.preadv = mem_preadv,
	.pwritev = mem_pwritev,
	.flush = mem_flush,
};

/* The host side: serve notifications at once, count interrupts. */
static void on_notify(void *opaque, unsigned int q)
{
	notifies++;
	virtio_mmio_process_queue(opaque, q);
}

static void on_interrupt(void *opaque)
{
	(void)opaque;
	interrupts++;
}

/*
 * The real virtio-blk ops, with config_read watched: the transport must
 * never pass it a range outside the config space.
 */
static struct virtio_dev_ops spy_ops;
static bool config_overrun;

static void spy_config_read(void *opaque, uint32_t offset, void *buf,
			    uint32_t size)
{
	if (offset > VIRTIO_BLK_CONFIG_SIZE ||
	    size > VIRTIO_BLK_CONFIG_SIZE - offset) {
		config_overrun = true;
		return;
	}
	virtio_blk_dev_ops.config_read(opaque, offset, buf, size);
}

/* The model's answer to a pass, with cut_short set: its budget ran out. */
static bool cut_short;

static int spy_process_queue(void *opaque, unsigned int q, struct virtq *vq,
			     const struct guest_mem *mem, bool *interrupt)
{
	int r = virtio_blk_dev_ops.process_queue(opaque, q, vq, mem, interrupt);

	return r == 0 && cut_short ? VIRTQ_MORE : r;
}

static uint32_t rd(uint64_t off)
{
	return (uint32_t)virtio_mmio_ops.read(&dev, off, 4);
}

static void wr(uint64_t off, uint32_t val)
{
	virtio_mmio_ops.write(&dev, off, 4, val);
}

static void setup(void)
{
	struct virtio_mmio_host host = {
		.notify = on_notify,
		.interrupt = on_interrupt,
		.opaque = &dev,
	};

	memset(ram, 0, RAM_SIZE);
	gm_init(&gm);
	gm_add_region(&gm, 0, RAM_SIZE, ram);
	for (unsigned int i = 0; i < DISK_SIZE; i++)
		mb.disk[i] = (uint8_t)(i * 3 + i / 512);
	mb.bb.ops = &mem_ops;
	mb.bb.size = DISK_SIZE;
	static bool dev_inited;

	if (dev_inited)
		virtio_mmio_destroy(&dev);
	virtio_blk_init(blk, &mb.bb, "blk", "vigil-0");
	dev_inited = !virtio_mmio_init(&dev, "virtio-blk@test", &spy_ops, blk,
				       &gm, &host);
	notifies = interrupts = 0;
	config_overrun = false;
}

static void negotiate(uint64_t features)
{
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRV);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK);
}

static void setup_queue(void)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, NUM);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC_GPA);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL_GPA);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, USED_GPA);
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
}

/* What Linux's virtio_mmio driver does, up to DRIVER_OK. */
static void driver_init(void)
{
	negotiate(1ull << VIRTIO_F_VERSION_1);
	setup_queue();
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
}

/* Queue a 1-sector read of sector 2 at the next available slot. */
static void offer_read(void)
{
	struct virtio_blk_outhdr h = { .type = VIRTIO_BLK_T_IN, .sector = 2 };

	memcpy(ram + HDR_GPA, &h, sizeof(h));
	vring_put_desc(&ring, 0, HDR_GPA, 16, VRING_DESC_F_NEXT, 1);
	vring_put_desc(&ring, 1, DATA_GPA, 512,
		       VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	vring_put_desc(&ring, 2, STATUS_GPA, 1, VRING_DESC_F_WRITE, 0);
	vring_offer(&ring, 0);
}

static struct virtio_mmio_state state(void)
{
	struct virtio_mmio_state st;

	virtio_mmio_get_state(&dev, &st);
	return st;
}

static void test_logging(void)
{
	char path[] = "/tmp/vigil-test-mmio-XXXXXX";
	int fd = mkstemp(path);

	setup();
	if (fd < 0 || log_set_file(path)) {
		CHECK(false, "log file %s", path);
		return;
	}
	log_set_mask(LOG_GUEST_ERROR);
	wr(VIRTIO_MMIO_QUEUE_NUM, 3);
	CHECK(tap_count_lines(path,
			      "virtio-blk@test: QueueNum 3 for queue 0") == 1,
	      "rejected QueueNum logged naming device, register and value");
	for (int i = 0; i < 1000; i++)
		wr(VIRTIO_MMIO_QUEUE_NUM, 3);
	CHECK(tap_count_lines(path, "QueueNum 3") <= LOG_RATELIMIT_BURST,
	      "1000 more rejections print at most %u lines",
	      LOG_RATELIMIT_BURST);
	log_close();
	log_set_mask(0);
	close(fd);
	unlink(path);
}

static void test_identity(void)
{
	setup();
	CHECK(rd(VIRTIO_MMIO_MAGIC_VALUE) == 0x74726976, "MagicValue 'virt'");
	CHECK(rd(VIRTIO_MMIO_VERSION) == 2, "Version 2 (modern only)");
	CHECK(rd(VIRTIO_MMIO_DEVICE_ID) == 2, "DeviceID 2 (block)");
	CHECK(rd(VIRTIO_MMIO_VENDOR_ID) == VIRTIO_MMIO_VENDOR, "VendorID");
	CHECK(rd(VIRTIO_MMIO_CONFIG_GENERATION) == 0, "ConfigGeneration 0");
	CHECK(rd(VIRTIO_MMIO_SHM_LEN_LOW) == UINT32_MAX &&
		      rd(VIRTIO_MMIO_SHM_BASE_HIGH) == UINT32_MAX,
	      "no shared memory: SHMLen/SHMBase all-ones");
}

static void test_widths(void)
{
	setup();
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	CHECK(rd(VIRTIO_MMIO_STATUS) == S_ACK, "32-bit Status read");
	CHECK(virtio_mmio_ops.read(&dev, VIRTIO_MMIO_STATUS, 1) == 0 &&
		      virtio_mmio_ops.read(&dev, VIRTIO_MMIO_STATUS, 2) == 0 &&
		      virtio_mmio_ops.read(&dev, VIRTIO_MMIO_STATUS, 8) == 0,
	      "8/16/64-bit register reads refused (read 0)");
	CHECK(virtio_mmio_ops.read(&dev, VIRTIO_MMIO_MAGIC_VALUE + 2, 4) == 0,
	      "misaligned register read refused");
	virtio_mmio_ops.write(&dev, VIRTIO_MMIO_STATUS, 2, S_ACK | S_DRV);
	virtio_mmio_ops.write(&dev, VIRTIO_MMIO_STATUS, 8, S_ACK | S_DRV);
	CHECK(rd(VIRTIO_MMIO_STATUS) == S_ACK,
	      "16/64-bit Status writes ignored");
	CHECK(virtio_mmio_ops.read(&dev, VIRTIO_MMIO_SIZE, 4) == 0,
	      "read past the window (past the config space) refused");
}

static void test_directions(void)
{
	setup();
	wr(VIRTIO_MMIO_MAGIC_VALUE, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM_MAX, 4);
	wr(VIRTIO_MMIO_INTERRUPT_STATUS, 1);
	CHECK(rd(VIRTIO_MMIO_MAGIC_VALUE) == 0x74726976 &&
		      rd(VIRTIO_MMIO_QUEUE_NUM_MAX) == VIRTIO_BLK_QUEUE_SIZE &&
		      rd(VIRTIO_MMIO_INTERRUPT_STATUS) == 0,
	      "writes to read-only registers ignored");
	wr(VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC_GPA);
	CHECK(rd(VIRTIO_MMIO_QUEUE_NUM) == 0 &&
		      rd(VIRTIO_MMIO_QUEUE_DESC_LOW) == 0 &&
		      rd(VIRTIO_MMIO_DRIVER_FEATURES) == 0,
	      "reads of write-only registers return 0");
	wr(VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
	wr(VIRTIO_MMIO_QUEUE_PFN, 5);
	CHECK(rd(VIRTIO_MMIO_QUEUE_PFN) == 0 &&
		      state().queue[0].desc == DESC_GPA,
	      "legacy registers refused, state untouched");
}

static void test_config(void)
{
	setup();
	CHECK(rd(VIRTIO_MMIO_CONFIG) == 64 && rd(VIRTIO_MMIO_CONFIG + 4) == 0,
	      "capacity read as two 32-bit halves");
	CHECK(virtio_mmio_ops.read(&dev, VIRTIO_MMIO_CONFIG, 1) == 64 &&
		      virtio_mmio_ops.read(&dev, VIRTIO_MMIO_CONFIG + 12, 2) ==
			      VIRTIO_BLK_QUEUE_SIZE - 2,
	      "8- and 16-bit config reads");
	CHECK(virtio_mmio_ops.read(&dev, VIRTIO_MMIO_CONFIG + 1, 2) == 0 &&
		      virtio_mmio_ops.read(&dev, VIRTIO_MMIO_CONFIG, 8) == 0,
	      "misaligned and 64-bit config reads refused");
	CHECK(rd(VIRTIO_MMIO_CONFIG + 12) == VIRTIO_BLK_QUEUE_SIZE - 2,
	      "seg_max read as a 32-bit word");
	virtio_mmio_ops.read(&dev, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CONFIG_SIZE,
			     1);
	virtio_mmio_ops.read(
		&dev, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CONFIG_SIZE - 2, 4);
	virtio_mmio_ops.read(&dev, VIRTIO_MMIO_SIZE - 4, 4);
	CHECK(!config_overrun, "config reads past the config size refused");
	wr(VIRTIO_MMIO_CONFIG, 0xffff);
	CHECK(rd(VIRTIO_MMIO_CONFIG) == 64, "config writes refused");
}

static void test_features(void)
{
	uint64_t offered;

	setup();
	offered = blk->features;
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) == (uint32_t)offered,
	      "DeviceFeatures word 0");
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) == (uint32_t)(offered >> 32),
	      "DeviceFeatures word 1 (VERSION_1)");
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	CHECK(rd(VIRTIO_MMIO_DEVICE_FEATURES) == 0, "DeviceFeatures word 2: 0");

	wr(VIRTIO_MMIO_STATUS, S_ACK);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1u << VIRTIO_BLK_F_FLUSH);
	CHECK(state().driver_features == 0,
	      "DriverFeatures before DRIVER ignored");

	setup();
	negotiate(1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_BLK_F_FLUSH);
	CHECK(rd(VIRTIO_MMIO_STATUS) == (S_ACK | S_DRV | S_FOK),
	      "offered features accepted: FEATURES_OK set");
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	CHECK(state().driver_features & (1ull << VIRTIO_BLK_F_FLUSH),
	      "DriverFeatures after FEATURES_OK ignored");

	setup();
	negotiate(1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_BLK_F_SCSI);
	CHECK(rd(VIRTIO_MMIO_STATUS) == (S_ACK | S_DRV),
	      "unoffered bit (SCSI): FEATURES_OK refused");
	setup();
	negotiate(1ull << VIRTIO_BLK_F_FLUSH);
	CHECK(rd(VIRTIO_MMIO_STATUS) == (S_ACK | S_DRV),
	      "no VERSION_1 (legacy driver): FEATURES_OK refused");
	setup();
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRV);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 2);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
	negotiate(1ull << VIRTIO_F_VERSION_1);
	CHECK(rd(VIRTIO_MMIO_STATUS) == (S_ACK | S_DRV),
	      "feature bit 64 set: FEATURES_OK refused");
}

static void test_status_order(void)
{
	setup();
	wr(VIRTIO_MMIO_STATUS, S_DRV);
	CHECK(rd(VIRTIO_MMIO_STATUS) == 0,
	      "DRIVER without ACKNOWLEDGE refused");
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_DOK);
	CHECK(rd(VIRTIO_MMIO_STATUS) == S_ACK,
	      "DRIVER_OK without FEATURES_OK refused");
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRV);
	wr(VIRTIO_MMIO_STATUS, S_ACK);
	CHECK(rd(VIRTIO_MMIO_STATUS) == (S_ACK | S_DRV),
	      "clearing DRIVER without reset refused");
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRV | 0x10);
	CHECK(rd(VIRTIO_MMIO_STATUS) == (S_ACK | S_DRV),
	      "undefined status bit refused");
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRV | VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK(rd(VIRTIO_MMIO_STATUS) == (S_ACK | S_DRV),
	      "the driver cannot set NEEDS_RESET");
	wr(VIRTIO_MMIO_STATUS, 0);
	CHECK(rd(VIRTIO_MMIO_STATUS) == 0, "0 resets");

	setup();
	driver_init();
	wr(VIRTIO_MMIO_STATUS,
	   S_ACK | S_DRV | S_FOK | S_DOK | VIRTIO_CONFIG_S_FAILED);
	offer_read();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	virtio_mmio_process_queue(&dev, 0);
	CHECK(vring_used_idx(&ring) == 0, "FAILED: the device serves nothing");
}

static void test_queue_sel(void)
{
	struct virtio_mmio_state before, after;

	setup();
	negotiate(1ull << VIRTIO_F_VERSION_1);
	before = state();
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	CHECK(rd(VIRTIO_MMIO_QUEUE_NUM_MAX) == 0 &&
		      rd(VIRTIO_MMIO_QUEUE_READY) == 0,
	      "QueueSel 1 (no such queue): QueueNumMax 0, QueueReady 0");
	wr(VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC_GPA);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0xffffffff);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL_GPA);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	before.queue_sel = 0;
	after = state();
	CHECK(!memcmp(&after, &before, sizeof(before)),
	      "writes through an out-of-range QueueSel change nothing");
	CHECK(rd(VIRTIO_MMIO_QUEUE_NUM_MAX) == VIRTIO_BLK_QUEUE_SIZE,
	      "QueueSel 0 selects the request queue again");
}

static void test_queue_num(void)
{
	setup();
	CHECK(state().queue[0].num == VIRTIO_BLK_QUEUE_SIZE,
	      "QueueNum defaults to QueueNumMax");
	wr(VIRTIO_MMIO_QUEUE_NUM, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 3);
	wr(VIRTIO_MMIO_QUEUE_NUM, 2 * VIRTIO_BLK_QUEUE_SIZE);
	CHECK(state().queue[0].num == VIRTIO_BLK_QUEUE_SIZE,
	      "QueueNum 0, 3 and 2 * QueueNumMax refused");
	wr(VIRTIO_MMIO_QUEUE_NUM, 8);
	CHECK(state().queue[0].num == 8, "QueueNum 8 accepted");
}

static void test_queue_ready(void)
{
	setup();
	setup_queue();
	CHECK(rd(VIRTIO_MMIO_QUEUE_READY) == 0,
	      "QueueReady before FEATURES_OK refused");

	setup();
	negotiate(1ull << VIRTIO_F_VERSION_1);
	setup_queue();
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC_GPA + 8);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK(rd(VIRTIO_MMIO_QUEUE_READY) == 0,
	      "misaligned descriptor table refused");
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC_GPA);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, RAM_SIZE - 8);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK(rd(VIRTIO_MMIO_QUEUE_READY) == 0,
	      "used ring leaving RAM refused");
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, 1);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, USED_GPA);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK(rd(VIRTIO_MMIO_QUEUE_READY) == 0,
	      "used ring above 4 GiB (high half set) refused");
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK(rd(VIRTIO_MMIO_QUEUE_READY) == 1, "valid layout: queue ready");

	wr(VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x7000);
	wr(VIRTIO_MMIO_QUEUE_READY, 2);
	CHECK(state().queue[0].num == NUM &&
		      state().queue[0].desc == DESC_GPA &&
		      rd(VIRTIO_MMIO_QUEUE_READY) == 1,
	      "a ready queue's configuration is frozen; QueueReady 2 refused");

	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	CHECK(rd(VIRTIO_MMIO_QUEUE_READY) == 0, "queue can be stopped");
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x7000);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK(rd(VIRTIO_MMIO_QUEUE_READY) == 0 &&
		      state().queue[0].desc == DESC_GPA,
	      "after DRIVER_OK: no reconfiguration, no re-enable");
}

static void test_request_flow(void)
{
	setup();
	driver_init();
	CHECK(rd(VIRTIO_MMIO_STATUS) == (S_ACK | S_DRV | S_FOK | S_DOK),
	      "driver init reaches DRIVER_OK");
	notifies = 0; /* DRIVER_OK itself kicked the (empty) queue */
	offer_read();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(notifies == 1 && vring_used_idx(&ring) == 1 &&
		      ram[STATUS_GPA] == VIRTIO_BLK_S_OK &&
		      !memcmp(ram + DATA_GPA, mb.disk + 1024, 512),
	      "QueueNotify: host notified, request served");
	CHECK(rd(VIRTIO_MMIO_INTERRUPT_STATUS) == VIRTIO_MMIO_INT_VRING &&
		      interrupts == 1,
	      "used-buffer interrupt raised");
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	CHECK(rd(VIRTIO_MMIO_INTERRUPT_STATUS) == VIRTIO_MMIO_INT_VRING,
	      "InterruptACK of an unset bit changes nothing");
	wr(VIRTIO_MMIO_INTERRUPT_ACK, 0xff);
	CHECK(rd(VIRTIO_MMIO_INTERRUPT_STATUS) == 0,
	      "InterruptACK clears the set bit, ignores undefined ones");

	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0x10000);
	CHECK(notifies == 1, "QueueNotify of a missing queue refused");
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(notifies == 1, "QueueNotify of a stopped queue refused");
}

static void test_notify_order(void)
{
	setup();
	negotiate(1ull << VIRTIO_F_VERSION_1);
	setup_queue();
	offer_read();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(!virtio_mmio_process_queue(&dev, 0) && notifies == 0 &&
		      vring_used_idx(&ring) == 0,
	      "before DRIVER_OK: notify refused, queue not served (and the "
	      "pass says so)");
	wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRV | S_FOK | S_DOK);
	CHECK(notifies == 1 && vring_used_idx(&ring) == 1,
	      "DRIVER_OK serves buffers queued before it");
	CHECK(virtio_mmio_process_queue(&dev, 0) == VIRTIO_PASS_DONE,
	      "a pass over a live, ready queue says it served");
	cut_short = true;
	CHECK(virtio_mmio_process_queue(&dev, 0) == VIRTIO_PASS_MORE,
	      "a pass the model cut short at its budget asks for another");
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	CHECK(virtio_mmio_process_queue(&dev, 0) == VIRTIO_PASS_NONE,
	      "after QueueReady = 0 a pass serves nothing and says so: the "
	      "slot then asks for no further pass and re-arms no timer");
	cut_short = false;
}

static void test_needs_reset(void)
{
	setup();
	driver_init();
	vring_set_avail_idx(&ring, NUM + 1); /* a jump no driver can make */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET,
	      "broken ring: DEVICE_NEEDS_RESET set");
	CHECK((rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG) &&
		      interrupts == 1,
	      "and a configuration-change interrupt raised");
	vring_set_avail_idx(&ring, 0);
	offer_read();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	virtio_mmio_process_queue(&dev, 0);
	CHECK(vring_used_idx(&ring) == 0,
	      "a device needing reset serves nothing");
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS));
	CHECK(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET,
	      "writing the status back keeps NEEDS_RESET");
	/* What Linux's virtio_add_status() does: read, OR in a bit, write. */
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_FAILED);
	CHECK(rd(VIRTIO_MMIO_STATUS) ==
		      (S_ACK | S_DRV | S_FOK | S_DOK |
		       VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED),
	      "the driver can add FAILED with NEEDS_RESET echoed back");

	wr(VIRTIO_MMIO_STATUS, 0);
	CHECK(rd(VIRTIO_MMIO_STATUS) == 0 &&
		      rd(VIRTIO_MMIO_INTERRUPT_STATUS) == 0 &&
		      rd(VIRTIO_MMIO_QUEUE_READY) == 0,
	      "reset: status, InterruptStatus and QueueReady cleared");
	memset(ram + AVAIL_GPA, 0, 0x100);
	memset(ram + USED_GPA, 0, 0x100);
	driver_init();
	offer_read();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(vring_used_idx(&ring) == 1 && ram[STATUS_GPA] == VIRTIO_BLK_S_OK,
	      "after reset and re-init the device works again");
}

static bool reset_done;

static void *io_thread(void *arg)
{
	(void)arg;
	virtio_mmio_process_queue(&dev, 0);
	return NULL;
}

static void *vcpu_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&hold_lock);
	while (!read_in_flight)
		pthread_cond_wait(&hold_cond, &hold_lock);
	pthread_mutex_unlock(&hold_lock);
	wr(VIRTIO_MMIO_STATUS, 0);
	__atomic_store_n(&reset_done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_reset_in_flight(void)
{
	pthread_t io, vcpu;

	setup();
	driver_init();
	offer_read();
	hold_reads = true;
	pthread_create(&io, NULL, io_thread, NULL);
	pthread_create(&vcpu, NULL, vcpu_thread, NULL);
	pthread_mutex_lock(&hold_lock);
	while (!read_in_flight)
		pthread_cond_wait(&hold_cond, &hold_lock);
	pthread_mutex_unlock(&hold_lock);
	usleep(100 * 1000);
	CHECK(!__atomic_load_n(&reset_done, __ATOMIC_SEQ_CST),
	      "reset written while a read is in flight waits for it");
	pthread_mutex_lock(&hold_lock);
	release_reads = true;
	pthread_cond_broadcast(&hold_cond);
	pthread_mutex_unlock(&hold_lock);
	pthread_join(io, NULL);
	pthread_join(vcpu, NULL);
	hold_reads = false;
	CHECK(vring_used_idx(&ring) == 1 && ram[STATUS_GPA] == VIRTIO_BLK_S_OK,
	      "the in-flight request completed before the reset");
	CHECK(rd(VIRTIO_MMIO_STATUS) == 0 &&
		      rd(VIRTIO_MMIO_INTERRUPT_STATUS) == 0 &&
		      rd(VIRTIO_MMIO_QUEUE_READY) == 0,
	      "then the reset took effect");
	offer_read();
	virtio_mmio_process_queue(&dev, 0);
	CHECK(vring_used_idx(&ring) == 1, "nothing is served after the reset");
}

static void release_held_reads(void)
{
	pthread_mutex_lock(&hold_lock);
	release_reads = true;
	pthread_cond_broadcast(&hold_cond);
	pthread_mutex_unlock(&hold_lock);
}

/* Let the held read go a little later, while the test waits in a drain. */
static void *late_release(void *arg)
{
	(void)arg;
	usleep(50 * 1000);
	release_held_reads();
	return NULL;
}

/* Notify with a read held on one of the drive's workers; wait till it is. */
static void read_in_flight_on_worker(void)
{
	pthread_mutex_lock(&hold_lock);
	hold_reads = true;
	read_in_flight = release_reads = false;
	pthread_mutex_unlock(&hold_lock);
	offer_read();
	ram[STATUS_GPA] = 0xee;
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	pthread_mutex_lock(&hold_lock);
	while (!read_in_flight)
		pthread_cond_wait(&hold_cond, &hold_lock);
	pthread_mutex_unlock(&hold_lock);
}

/*
 * A drive whose backend may sleep keeps its requests on workers, past the
 * queue pass: the snapshot's state and a reset must wait for them.
 */
static void test_worker_in_flight(void)
{
	struct virtio_mmio_state st;
	pthread_t releaser;

	setup();
	mb.bb.worker_min_bytes = 0; /* a backend that sleeps */
	virtio_blk_pool_init(blk);
	block_pool_start(blk->pool, NULL, NULL);
	driver_init();
	read_in_flight_on_worker();
	CHECK(vring_used_idx(&ring) == 0,
	      "the read is on a worker after the notification's pass");
	pthread_create(&releaser, NULL, late_release, NULL);
	virtio_mmio_get_state(&dev, &st);
	pthread_join(releaser, NULL);
	CHECK(vring_used_idx(&ring) == 1 &&
		      ram[STATUS_GPA] == VIRTIO_BLK_S_OK &&
		      st.queue[0].used_idx == 1 &&
		      (st.interrupt_status & VIRTIO_MMIO_INT_VRING),
	      "a snapshot's state waits for it and records it completed");

	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	read_in_flight_on_worker();
	pthread_create(&releaser, NULL, late_release, NULL);
	wr(VIRTIO_MMIO_STATUS, 0);
	pthread_join(releaser, NULL);
	CHECK(vring_used_idx(&ring) == 1 && ram[STATUS_GPA] == 0xee &&
		      rd(VIRTIO_MMIO_INTERRUPT_STATUS) == 0,
	      "a reset waits for it and then never completes it");
	virtio_mmio_process_queue(&dev, 0);
	CHECK(vring_used_idx(&ring) == 1, "not in a later pass either");
	hold_reads = false;
	virtio_blk_pool_destroy(blk);
}

/* set_state must refuse st, and leave the device as it was. */
static void expect_bad_state(const struct virtio_mmio_state *st,
			     const char *what)
{
	struct virtio_mmio_state before = state(), after;
	int ret = virtio_mmio_set_state(&dev, st);

	after = state();
	CHECK(ret == -EINVAL && !memcmp(&after, &before, sizeof(before)),
	      "snapshot with %s refused, device unchanged", what);
}

static void test_snapshot(void)
{
	struct virtio_mmio_state good, st;
	uint8_t *saved_ram = malloc(RAM_SIZE);

	if (!saved_ram)
		return;
	setup();
	driver_init();
	offer_read();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	good = state();
	memcpy(saved_ram, ram, RAM_SIZE);
	CHECK(good.queue[0].ready && good.queue[0].last_avail_idx == 1 &&
		      good.queue[0].used_idx == 1,
	      "state holds the queue and its indices");

	setup(); /* a fresh device and the saved RAM, as after a restore */
	memcpy(ram, saved_ram, RAM_SIZE);
	free(saved_ram);
	CHECK(virtio_mmio_set_state(&dev, &good) == 0, "the saved state loads");
	CHECK(good.interrupt_status == VIRTIO_MMIO_INT_VRING && interrupts == 1,
	      "its unacknowledged interrupt is sent again (%u sent)",
	      interrupts);
	st = state();
	CHECK(!memcmp(&st, &good, sizeof(good)), "and reads back unchanged");
	offer_read();
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	CHECK(vring_used_idx(&ring) == 2,
	      "the restored device carries on from index 1");

	setup();
	st = good;
	st.status |= 0x10;
	expect_bad_state(&st, "undefined status bit");
	st = good;
	st.status = S_ACK | S_DRV | S_DOK;
	expect_bad_state(&st, "DRIVER_OK without FEATURES_OK");
	st = good;
	st.status = S_ACK | S_FOK | S_DOK;
	expect_bad_state(&st, "FEATURES_OK without DRIVER");
	st = good;
	st.driver_features |= 1ull << VIRTIO_BLK_F_SCSI;
	expect_bad_state(&st, "unoffered feature");
	st = good;
	st.driver_features_beyond_64 = true;
	expect_bad_state(&st, "feature beyond bit 63");
	st = good;
	st.interrupt_status = 4;
	expect_bad_state(&st, "undefined interrupt bit");
	st = good;
	st.queue[0].num = 3;
	expect_bad_state(&st, "queue size 3");
	st = good;
	st.queue[0].num = 2 * VIRTIO_BLK_QUEUE_SIZE;
	expect_bad_state(&st, "queue size above QueueNumMax");
	st = good;
	st.queue[0].used = RAM_SIZE;
	expect_bad_state(&st, "ready queue with its used ring outside RAM");
	st = good;
	st.status = S_ACK | S_DRV;
	expect_bad_state(&st, "ready queue without FEATURES_OK");
	st = good;
	st.queue[1].num = 8;
	expect_bad_state(&st, "a queue the device does not have");
}

/*
 * The fuzzer's find: a state restored with chains taken (last-avail-idx 52,
 * used-idx 1), whose driver then stops the queue and makes it smaller,
 * holds more chains than the new size. The guest got there through the
 * registers alone, so its state must save and load again.
 */
static void test_snapshot_after_resize(void)
{
	struct virtio_mmio_state st;

	setup();
	driver_init();
	st = state();
	/* Saved before DRIVER_OK, with the queue stopped. */
	st.status = S_ACK | S_DRV | S_FOK;
	st.queue[0].ready = false;
	st.queue[0].last_avail_idx = 52;
	st.queue[0].used_idx = 1;
	CHECK(virtio_mmio_set_state(&dev, &st) == 0,
	      "a state with 51 chains taken in a queue of %u loads",
	      st.queue[0].num);
	CHECK(interrupts == 0, "with InterruptStatus 0 no interrupt is sent");
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, 8);
	st = state();
	CHECK(st.queue[0].num == 8 && virtio_mmio_set_state(&dev, &st) == 0,
	      "stopped and resized to 8 by its driver, it still loads");
}

int main(void)
{
	ram = malloc(RAM_SIZE);
	ring = (struct test_vring){ .ram = ram,
				    .desc = DESC_GPA,
				    .avail = AVAIL_GPA,
				    .used = USED_GPA,
				    .num = NUM };
	blk = calloc(1, sizeof(*blk));
	if (!ram || !blk)
		return 1;
	spy_ops = virtio_blk_dev_ops;
	spy_ops.config_read = spy_config_read;
	spy_ops.process_queue = spy_process_queue;

	test_logging();
	test_identity();
	test_widths();
	test_directions();
	test_config();
	test_features();
	test_status_order();
	test_queue_sel();
	test_queue_num();
	test_queue_ready();
	test_request_flow();
	test_notify_order();
	test_needs_reset();
	test_reset_in_flight();
	test_worker_in_flight();
	test_snapshot();
	test_snapshot_after_resize();

	virtio_mmio_destroy(&dev);
	free(blk);
	free(ram);
	return tap_done();
}
