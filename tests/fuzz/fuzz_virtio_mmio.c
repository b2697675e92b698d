// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the virtio-mmio transport with the real virtio-blk model behind it:
 * any sequence of register accesses a hostile driver can make, guest RAM
 * pokes between them (so queues can carry real requests), queue processing
 * as the I/O thread would run it, and snapshot state. Input:
 *
 *   [len lo][len hi] then len bytes: the start of guest RAM (the rest is 0)
 *   then up to 256 records, each starting with an op byte;
 *   width = 1 << (op >> 3 & 3),
 *   and bit 5 picks the offset from the register table (else raw):
 *     op % 8 == 0, 1  read   [where lo][where hi]
 *     op % 8 == 2, 3  write  [where lo][where hi][4 value bytes]
 *     op % 8 == 4     process queue [q] (the I/O thread)
 *     op % 8 == 5     poke RAM [off lo][off hi][val]
 *     op % 8 == 6     save the state and load it back
 *     op % 8 == 7     load an untrusted state built from the next bytes
 *
 * QueueNotify is served at once from the notify callback (the path taken
 * without ioeventfd). Besides not crashing, after every record the device's
 * state must pass its own snapshot validator and load back unchanged, its
 * status must respect the spec's order, InterruptStatus may only hold
 * defined bits, the interrupt callback only fires with a bit set, and the
 * backend never sees I/O outside the disk or RAM.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "devices/virtio_blk.h"
#include "devices/virtio_mmio.h"
#include "lib/guest_mem.h"
#include "lib/layout.h"
#include "lib/log.h"
#include "tests/support/fuzz.h"
#include "tests/support/fuzz_disk.h"

#define RAM_SIZE 0x4000u
/* Enough for a full driver set-up and many requests; keeps runs short. */
#define MAX_OPS 256

struct cursor {
	const uint8_t *data;
	size_t size;
};

static uint8_t ram[RAM_SIZE];
static struct block_backend backend;
static struct virtio_blk blk;
static struct virtio_mmio dev;
static struct virtio_mmio scratch; /* where states are test-loaded */
static struct guest_mem gm;

static const uint16_t regs[] = {
	VIRTIO_MMIO_MAGIC_VALUE,
	VIRTIO_MMIO_VERSION,
	VIRTIO_MMIO_DEVICE_ID,
	VIRTIO_MMIO_VENDOR_ID,
	VIRTIO_MMIO_DEVICE_FEATURES,
	VIRTIO_MMIO_DEVICE_FEATURES_SEL,
	VIRTIO_MMIO_DRIVER_FEATURES,
	VIRTIO_MMIO_DRIVER_FEATURES_SEL,
	VIRTIO_MMIO_GUEST_PAGE_SIZE,
	VIRTIO_MMIO_QUEUE_SEL,
	VIRTIO_MMIO_QUEUE_NUM_MAX,
	VIRTIO_MMIO_QUEUE_NUM,
	VIRTIO_MMIO_QUEUE_ALIGN,
	VIRTIO_MMIO_QUEUE_PFN,
	VIRTIO_MMIO_QUEUE_READY,
	VIRTIO_MMIO_QUEUE_NOTIFY,
	VIRTIO_MMIO_INTERRUPT_STATUS,
	VIRTIO_MMIO_INTERRUPT_ACK,
	VIRTIO_MMIO_STATUS,
	VIRTIO_MMIO_QUEUE_DESC_LOW,
	VIRTIO_MMIO_QUEUE_DESC_HIGH,
	VIRTIO_MMIO_QUEUE_AVAIL_LOW,
	VIRTIO_MMIO_QUEUE_AVAIL_HIGH,
	VIRTIO_MMIO_QUEUE_USED_LOW,
	VIRTIO_MMIO_QUEUE_USED_HIGH,
	VIRTIO_MMIO_SHM_SEL,
	VIRTIO_MMIO_SHM_LEN_LOW,
	VIRTIO_MMIO_SHM_BASE_HIGH,
	VIRTIO_MMIO_CONFIG_GENERATION,
	VIRTIO_MMIO_CONFIG,
	VIRTIO_MMIO_CONFIG + 8,
	VIRTIO_MMIO_CONFIG + 12,
};

static bool take(struct cursor *c, void *out, size_t n)
{
	if (c->size < n)
		return false;
	memcpy(out, c->data, n);
	c->data += n;
	c->size -= n;
	return true;
}

static void on_notify(void *opaque, unsigned int q)
{
	virtio_mmio_process_queue(opaque, q);
}

/* Called with the device lock held: read the field directly. */
static void on_interrupt(void *opaque)
{
	const struct virtio_mmio *d = opaque;

	CHECK_INVARIANT(d->interrupt_status != 0);
}

static bool status_order_ok(uint32_t s)
{
	return (!(s & VIRTIO_CONFIG_S_DRIVER) ||
		(s & VIRTIO_CONFIG_S_ACKNOWLEDGE)) &&
	       (!(s & VIRTIO_CONFIG_S_FEATURES_OK) ||
		(s & VIRTIO_CONFIG_S_DRIVER)) &&
	       (!(s & VIRTIO_CONFIG_S_DRIVER_OK) ||
		(s & VIRTIO_CONFIG_S_FEATURES_OK));
}

static void check_invariants(void)
{
	struct virtio_mmio_state st, again;

	virtio_mmio_get_state(&dev, &st);
	CHECK_INVARIANT(status_order_ok(st.status));
	CHECK_INVARIANT(!(st.interrupt_status &
			  ~(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG)));
	if (st.status & VIRTIO_CONFIG_S_FEATURES_OK)
		CHECK_INVARIANT(
			!(st.driver_features & ~blk.features) &&
			(st.driver_features & (1ull << VIRTIO_F_VERSION_1)));
	for (unsigned int q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++) {
		struct virtq vq = { .num = st.queue[q].num,
				    .desc = st.queue[q].desc,
				    .avail = st.queue[q].avail,
				    .used = st.queue[q].used };

		if (st.queue[q].ready)
			CHECK_INVARIANT(!virtq_check_layout(&vq, &gm));
	}
	/*
	 * Every state the guest can reach is one the validator accepts, and
	 * it loads back unchanged (into a scratch device, so that the device
	 * under test runs undisturbed).
	 */
	CHECK_INVARIANT(virtio_mmio_set_state(&scratch, &st) == 0);
	virtio_mmio_get_state(&scratch, &again);
	CHECK_INVARIANT(!memcmp(&st, &again, sizeof(st)));
}

static uint64_t pick_offset(struct cursor *c, uint8_t op)
{
	uint16_t where = 0;

	take(c, &where, sizeof(where));
	if (op & 0x20)
		return regs[where % (sizeof(regs) / sizeof(regs[0]))];
	return where % (VIRTIO_MMIO_SIZE + 0x10);
}

/* An untrusted snapshot state, one field at a time (bools from bits). */
static void load_untrusted_state(struct cursor *c)
{
	struct virtio_mmio_state st = { 0 };
	uint8_t flags = 0;

	take(c, &st.status, sizeof(st.status));
	take(c, &st.driver_features, sizeof(st.driver_features));
	take(c, &st.queue_sel, sizeof(st.queue_sel));
	take(c, &st.interrupt_status, sizeof(st.interrupt_status));
	take(c, &flags, 1);
	st.driver_features_beyond_64 = flags & 1;
	st.queue[0].ready = flags & 2;
	take(c, &st.queue[0].num, sizeof(st.queue[0].num));
	take(c, &st.queue[0].desc, sizeof(st.queue[0].desc));
	take(c, &st.queue[0].avail, sizeof(st.queue[0].avail));
	take(c, &st.queue[0].used, sizeof(st.queue[0].used));
	take(c, &st.queue[0].last_avail_idx, sizeof(uint16_t));
	take(c, &st.queue[0].used_idx, sizeof(uint16_t));
	virtio_mmio_set_state(&dev, &st);
}

/* What a snapshot and restore does to the device under test. */
static void save_and_load(void)
{
	struct virtio_mmio_state st;

	virtio_mmio_get_state(&dev, &st);
	CHECK_INVARIANT(virtio_mmio_set_state(&dev, &st) == 0);
}

static void run_op(struct cursor *c, uint8_t op)
{
	unsigned int width = 1u << (op >> 3 & 3);
	uint32_t value = 0;
	uint8_t b[3] = { 0 };
	uint64_t off;

	switch (op % 8) {
	case 0:
	case 1:
		off = pick_offset(c, op);
		virtio_mmio_ops.read(&dev, off, width);
		break;
	case 2:
	case 3:
		off = pick_offset(c, op);
		take(c, &value, sizeof(value));
		virtio_mmio_ops.write(&dev, off, width, value);
		break;
	case 4:
		take(c, b, 1);
		virtio_mmio_process_queue(&dev, b[0] % 10);
		break;
	case 5:
		take(c, b, 3);
		ram[(b[0] | b[1] << 8) % RAM_SIZE] = b[2];
		break;
	case 6:
		save_and_load();
		break;
	case 7:
		load_untrusted_state(c);
		break;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_set_file("/dev/null");
	log_set_mask(LOG_GUEST_ERROR);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data, size };
	struct virtio_mmio_host host = { .notify = on_notify,
					 .interrupt = on_interrupt,
					 .opaque = &dev };
	uint16_t len = 0;
	unsigned int ops = 0;
	uint8_t op;

	memset(ram, 0, sizeof(ram));
	take(&c, &len, sizeof(len));
	if (len > c.size)
		len = (uint16_t)c.size;
	memcpy(ram, c.data, len < RAM_SIZE ? len : RAM_SIZE);
	c.data += len;
	c.size -= len;
	fuzz_disk_ram = ram;
	fuzz_disk_ram_size = RAM_SIZE;
	gm_init(&gm);
	gm_add_region(&gm, 0, RAM_SIZE, ram);
	backend = (struct block_backend){ .ops = &fuzz_disk_ops,
					  .size = FUZZ_DISK_SIZE };
	CHECK_INVARIANT(
		virtio_blk_init(&blk, &backend, "fuzz-blk", "vigil-0") == 0);
	CHECK_INVARIANT(virtio_mmio_init(&dev, "fuzz-mmio", &virtio_blk_dev_ops,
					 &blk, &gm, &host) == 0);
	CHECK_INVARIANT(virtio_mmio_init(&scratch, "fuzz-scratch",
					 &virtio_blk_dev_ops, &blk, &gm,
					 &host) == 0);
	while (ops++ < MAX_OPS && take(&c, &op, 1)) {
		run_op(&c, op);
		check_invariants();
	}
	virtio_mmio_destroy(&scratch);
	virtio_mmio_destroy(&dev);
	return 0;
}
