// SPDX-License-Identifier: GPL-2.0-only
/*
 * rng_read_only: requests to the entropy device that give it nothing to
 * write: one device-readable buffer, then a readable buffer followed by a
 * writable one (the split every virtio-blk request has). The driver must
 * not place driver-readable buffers in the queue (virtio 1.2, 5.4.6.1)
 * and the device must never write to a device-readable buffer (2.7.5.1).
 * A device that counts the whole chain as room, or fills buffers without
 * looking at VIRTQ_DESC_F_WRITE, writes random bytes over memory the
 * guest handed out for reading: its page cache, a read-only mapping.
 *
 * vigil: rng_chain_room (devices/virtio_rng.c) gives a chain with any
 * device-readable buffer no room: it completes with used length 0 and a
 * guest_errors line, "buffer N is device-readable". With that check
 * removed the bytes land in the readable buffers and the guest check
 * below fails (virtq_chain_write does not look at the direction).
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "string.h"

#define BUF 64u

static bool untouched(const uint8_t *p, uint32_t len, uint8_t fill)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		if (p[i] != fill)
			return false;
	return true;
}

/* @readable device-readable buffers, then @writable writable ones. */
static void round_(unsigned int readable, unsigned int writable,
		   const char *what)
{
	unsigned int i, n = readable + writable;
	uint8_t *p = alloc(n * BUF, 64);
	struct virtio_rng r;
	uint32_t used = 0;
	int result;

	if (!check(p, "no memory") || !hostile_rng_open(&r))
		return;
	memset(p, 0x5a, n * BUF);
	for (i = 0; i < n; i++)
		hostile_rng_desc(
			&r, (uint16_t)i, (uint64_t)(p + i * BUF), BUF,
			(uint16_t)((i < readable ? 0 : VRING_DESC_F_WRITE) |
				   (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
			(uint16_t)(i + 1 < n ? i + 1 : 0));
	hostile_rng_post(&r, 0);
	result = hostile_rng_wait(&r, &used);
	hostile_outcome("%s", hostile_rng_result_name(result, used));
	/* Silence leaves the driver waiting for good (hostile.h). */
	check(result != HOSTILE_SILENT, "%s: the device never answered", what);
	check(untouched(p, readable * BUF, 0x5a),
	      "%s: the device wrote to a device-readable buffer", what);
	check(result != HOSTILE_USED || used <= writable * BUF,
	      "%s: used length %u with %u writable bytes", what, used,
	      writable * BUF);
	hostile_rng_recover(&r);
}

void hostile_rng_read_only(void)
{
	round_(1, 0, "one device-readable buffer");
	round_(1, 1, "readable then writable");
}
