// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the virtio-rng request path: a guest memory the fuzzer controls, a
 * rate the fuzzer picks and a clock it moves between passes. Input:
 *
 *   [cfg]          bits 2:0 log2 of the queue size (1..64 by the device's
 *                  limit), bit 3 EVENT_IDX, bit 4 INDIRECT_DESC
 *   [rate lo][rate hi]  bytes per second, 1..65536
 *   [len lo][len hi] then len bytes: the start of guest RAM (the rest is 0).
 *                  Rings at fixed places: descriptors 0x0, available
 *                  0x800, used 0xa00; buffers anywhere
 *   then one byte per pass: milliseconds the clock moves before it
 *
 * Besides not crashing (ASan/UBSan, which also catch a write outside RAM):
 * no request asks the source for more than VIRTIO_RNG_MAX_REQUEST bytes
 * (a used length is what the source gave), the bucket never holds more
 * than the rate, the source never gives more than the rate allows over
 * the elapsed time, and every chain popped is answered, held for the
 * bucket, or the queue is reported broken. (Used lengths are not read
 * back from RAM: a guest may point a buffer at its own used ring.)
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "devices/virtio_rng.h"
#include "devices/virtq.h"
#include "lib/guest_mem.h"
#include "tests/support/fuzz.h"

#define RAM_SIZE 0x4000u
#define DESC_GPA 0x0u
#define AVAIL_GPA 0x800u
#define USED_GPA 0xa00u
#define MAX_PASSES 16u
#define NS 1000000000ull

static uint8_t ram[RAM_SIZE];
static struct virtio_rng rng;
static uint64_t clock_ns, source_bytes;

static ssize_t fuzz_fill(void *buf, size_t len)
{
	CHECK_INVARIANT(len > 0 && len <= VIRTIO_RNG_MAX_REQUEST);
	memset(buf, 0xa5, len);
	source_bytes += len;
	return (ssize_t)len;
}

static uint64_t fuzz_now(void)
{
	return clock_ns;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_mem gm;
	struct virtq vq = { .name = "fuzz q0" };
	uint64_t rate, start;
	uint8_t cfg;
	bool irq;
	int ret = 0;

	if (size < 5)
		return 0;
	cfg = data[0];
	rate = (uint64_t)(data[1] | data[2] << 8) + 1;
	data += 3, size -= 3;
	fuzz_take_ram(&data, &size, ram, sizeof(ram));

	gm_init(&gm);
	gm_add_region(&gm, 0, RAM_SIZE, ram);
	clock_ns = start = 1000 * NS;
	source_bytes = 0;
	virtio_rng_init(&rng, "fuzz-rng", rate);
	rng.fill = fuzz_fill;
	rng.now_ns = fuzz_now;
	rng.refilled_ns = clock_ns;

	virtq_reset(&vq, (uint16_t)(1u << (cfg % 7)));
	vq.desc = DESC_GPA;
	vq.avail = AVAIL_GPA;
	vq.used = USED_GPA;
	CHECK_INVARIANT(!virtq_check_layout(&vq, &gm));
	virtq_enable(&vq, cfg & 0x08, cfg & 0x10);

	for (size_t pass = 0; pass < MAX_PASSES && ret >= 0; pass++) {
		clock_ns += (pass < size ? data[pass] : 0) * 1000000ull;
		ret = virtio_rng_process_queue(&rng, &vq, &gm, &irq);
		CHECK_INVARIANT(rng.tokens <= rate);
		/* The bucket's start plus what the time since earned. */
		CHECK_INVARIANT(source_bytes <=
				rate + (clock_ns - start) * rate / NS);
		/* Every chain popped is answered, held, or the ring broke. */
		CHECK_INVARIANT((uint16_t)(vq.last_avail_idx - vq.used_idx) ==
					(rng.held ? 1 : 0) ||
				(ret < 0 && (uint16_t)(vq.last_avail_idx -
						       vq.used_idx) == 1));
	}
	return 0;
}
