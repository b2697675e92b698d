// SPDX-License-Identifier: GPL-2.0-only
/*
 * rng_desc_loop: chains through the entropy device's queue that never
 * end (a chain ends at the first descriptor without VIRTQ_DESC_F_NEXT,
 * virtio 1.2, 2.7.5; loops are forbidden, 2.7.5.2): first all eight
 * descriptors of the table linked in a ring, 0 -> 1 -> ... -> 7 -> 0, so
 * that following it takes a ninth descriptor, more than the queue holds;
 * then a descriptor that is its own next. Every buffer is device-writable,
 * as 5.4.6.1 wants: the loop is the only fault. An entropy device that
 * fills "every writable buffer of the chain" without a bound spins on its
 * I/O thread writing random bytes round the ring forever; one that copies
 * the chain into an array sized by the queue writes past it.
 *
 * vigil: walk_table (devices/virtq.c) takes at most queue-size steps over
 * the table; one more is a repeat, logged as a descriptor loop, and the
 * device reports DEVICE_NEEDS_RESET. With that check removed, add_buf's
 * bound (chain->nr >= vq->num: "chain longer than queue size 8") stops
 * both rounds instead and test_hostile.py misses the loop's log line;
 * with both removed the walk would run past the chain's copy (1024
 * entries, VIRTQ_MAX_CHAIN): the overflow the bounds are there for.
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "string.h"

#define BUF 64u

static void round_(uint16_t last, const char *what)
{
	uint8_t *p = alloc(HOSTILE_QUEUE_SIZE * BUF + BUF, 64);
	struct virtio_rng r;
	uint32_t used = 0;
	uint16_t i;
	int result;

	if (!check(p, "no memory") || !hostile_rng_open(&r))
		return;
	memset(p, 0xa5, HOSTILE_QUEUE_SIZE * BUF + BUF);
	/* Descriptors 0..last, each to the next, the last back to 0. */
	for (i = 0; i <= last; i++)
		hostile_rng_desc(&r, i, (uint64_t)(p + i * BUF), BUF,
				 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
				 (uint16_t)(i == last ? 0 : i + 1));
	hostile_rng_post(&r, 0);
	result = hostile_rng_wait(&r, &used);
	hostile_outcome("%s", hostile_rng_result_name(result, used));
	/* Anything but silence; a completion counts only the ring's bytes
	 * (2.7.8), and nothing past them is written. */
	check(result != HOSTILE_SILENT, "%s: the device never answered", what);
	check(result != HOSTILE_USED || used <= (last + 1u) * BUF,
	      "%s: used length %u for %u bytes", what, used, (last + 1u) * BUF);
	for (i = 0; i < BUF; i++)
		if (p[(last + 1u) * BUF + i] != 0xa5) {
			check(false, "%s: written past the ring's buffers",
			      what);
			break;
		}
	hostile_rng_recover(&r);
}

void hostile_rng_desc_loop(void)
{
	round_(HOSTILE_QUEUE_SIZE - 1, "ring of all 8 descriptors");
	round_(0, "descriptor 0 -> 0");
}
