// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the split virtqueue and the virtio-blk request path against a guest
 * memory the fuzzer controls, including rewrites of that memory between two
 * of the device's reads (another vCPU racing the device). Input:
 *
 *   [cfg]          bits 2:0 log2 of the queue size (1..128),
 *                  bit 3 EVENT_IDX, bit 4 INDIRECT_DESC, bit 5 read-only,
 *                  bit 6 with a pool of request slots (its workers not
 *                  started: a request runs as it is handed over and
 *                  completes at the next pass), bit 7 every request
 *                  with I/O goes to the pool (else flushes and those of
 *                  4 KiB or more)
 *   [len lo][len hi] then len bytes: the start of guest RAM (the rest is 0).
 *                  Rings at fixed places: descriptors 0x0, available 0x800,
 *                  used 0xa00; buffers anywhere
 *   then records of 4 bytes [n][off lo][off hi][val]: just before the
 *                  device's n-th read of guest RAM, RAM[off] = val
 *
 * Besides not crashing (ASan/UBSan), the device must keep its invariants:
 * the backend never sees I/O past the disk or an iovec outside RAM, and
 * every chain it consumed was either completed, in flight in a slot, or
 * reported broken; a drain completes everything in flight.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "devices/virtio_blk.h"
#include "devices/virtq.h"
#include "lib/guest_mem.h"
#include "lib/log.h"
#include "tests/support/fuzz.h"
#include "tests/support/fuzz_disk.h"

#define RAM_SIZE 0x4000u
#define DESC_GPA 0x0u
#define AVAIL_GPA 0x800u
#define USED_GPA 0xa00u
#define MAX_MUTATIONS 64u
#define MAX_PASSES 4

struct mutation {
	uint8_t at_read;
	uint16_t off;
	uint8_t val;
};

static uint8_t ram[RAM_SIZE];
static struct mutation mutations[MAX_MUTATIONS];
static unsigned int nr_mutations, nr_reads;
static struct block_backend backend;
static struct virtio_blk blk;

/* Another vCPU: rewrite RAM right before the device's nth read. */
static void mutate_before_read(void *opaque, uint64_t gpa, size_t len)
{
	(void)opaque, (void)gpa, (void)len;
	nr_reads++;
	for (unsigned int i = 0; i < nr_mutations; i++)
		if (mutations[i].at_read == nr_reads)
			ram[mutations[i].off % RAM_SIZE] = mutations[i].val;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	/* Exercise the guest_errors format strings too, into the void. */
	log_set_file("/dev/null");
	log_set_mask(LOG_GUEST_ERROR);
	return 0;
}

/* Request slots taken: requests in flight. */
static unsigned int in_flight(const struct virtio_blk *b)
{
	unsigned int n = BLOCK_POOL_WORKERS;

	if (!b->pool)
		return 0;
	for (const struct blk_inflight *s = b->free_slots; s; s = s->next_free)
		n--;
	return n;
}

/* Parse the input into RAM and the mutation script; returns the cfg byte. */
static uint8_t load_input(const uint8_t *data, size_t size)
{
	uint8_t cfg = data[0];

	data++, size--;
	fuzz_take_ram(&data, &size, ram, sizeof(ram));
	for (nr_mutations = 0; size >= 4 && nr_mutations < MAX_MUTATIONS;
	     data += 4, size -= 4)
		mutations[nr_mutations++] = (struct mutation){
			.at_read = data[0],
			.off = (uint16_t)(data[1] | data[2] << 8),
			.val = data[3],
		};
	return cfg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_mem gm;
	struct virtq vq = { .name = "fuzz q0" };
	uint8_t cfg;
	bool irq;
	int ret = 0;

	if (size < 1)
		return 0;
	cfg = load_input(data, size);
	nr_reads = 0;
	fuzz_disk_ram = ram;
	fuzz_disk_ram_size = RAM_SIZE;
	gm_init(&gm);
	gm_add_region(&gm, 0, RAM_SIZE, ram);
	gm.before_read = mutate_before_read;

	backend = (struct block_backend){ .ops = &fuzz_disk_ops,
					  .size = FUZZ_DISK_SIZE,
					  .readonly = cfg & 0x20,
					  .worker_min_bytes =
						  cfg & 0x80 ? 0 : 4096 };
	CHECK_INVARIANT(
		virtio_blk_init(&blk, &backend, "fuzz-blk", "vigil-0") == 0);
	blk.pool = NULL;
	if (cfg & 0x40)
		CHECK_INVARIANT(virtio_blk_pool_init(&blk) == 0);

	virtq_reset(&vq, (uint16_t)(1u << (cfg & 7)));
	vq.desc = DESC_GPA;
	vq.avail = AVAIL_GPA;
	vq.used = USED_GPA;
	CHECK_INVARIANT(!virtq_check_layout(&vq, &gm));
	virtq_enable(&vq, cfg & 0x08, cfg & 0x10);

	/* A few passes, as notifications would trigger; stop once broken. */
	for (int pass = 0; pass < MAX_PASSES && ret >= 0; pass++) {
		ret = virtio_blk_process_queue(&blk, &vq, &gm, &irq);
		CHECK_INVARIANT(blk.nr_in_flight == in_flight(&blk));
		/* Every chain popped is completed, in flight, or broken. */
		CHECK_INVARIANT((uint16_t)(vq.last_avail_idx - vq.used_idx) ==
					in_flight(&blk) ||
				(ret < 0 && (uint16_t)(vq.last_avail_idx -
						       vq.used_idx) <= vq.num));
	}
	/* A snapshot's drain: nothing stays in flight. */
	if (ret >= 0 && virtio_blk_drain(&blk, &vq, &gm, true, &irq) == 0)
		CHECK_INVARIANT(vq.used_idx == vq.last_avail_idx);
	CHECK_INVARIANT(in_flight(&blk) == 0 || ret < 0);
	virtio_blk_pool_destroy(&blk);
	return 0;
}
