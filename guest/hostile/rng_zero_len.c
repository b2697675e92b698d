// SPDX-License-Identifier: GPL-2.0-only
/*
 * rng_zero_len: device-writable buffers of length 0 in an entropy
 * request: a chain of one such buffer, then a 64-byte buffer followed by
 * one. A device that loops "until the buffer is full" never advances on
 * it (QEMU once looped forever mapping one: it has refused them since
 * 2016); one that computes len - 1 for the last byte underflows; one that
 * answers "no room" with a zero-length completion invites the driver to
 * post it again, for an exit per round trip and no bytes.
 *
 * vigil: add_buf (devices/virtq.c) refuses a zero-length buffer when the
 * chain is copied in (d->len == 0: "buffer N has length 0"), and the
 * device reports DEVICE_NEEDS_RESET. With that check removed, the next
 * one in add_buf, gm_range_valid (lib/guest_mem.c: range_last refuses an
 * empty range), stops it as "outside guest RAM" and test_hostile.py
 * misses the zero-length log lines; with both removed the first round
 * would complete "empty" and the second "filled": other outcome words.
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "string.h"

#define BUF 64u
#define CANARY 64u

static void round_(bool data_first, const char *what)
{
	uint8_t *p = alloc(BUF + CANARY, 64);
	struct virtio_rng r;
	uint32_t used = 0, room = data_first ? BUF : 0;
	uint16_t i = 0;
	int result;

	if (!check(p, "no memory") || !hostile_rng_open(&r))
		return;
	memset(p, 0xa5, BUF + CANARY);
	if (data_first)
		hostile_rng_desc(&r, i++, (uint64_t)p, BUF,
				 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	hostile_rng_desc(&r, i, (uint64_t)(p + BUF), 0, VRING_DESC_F_WRITE, 0);
	hostile_rng_post(&r, 0);
	result = hostile_rng_wait(&r, &used);
	hostile_outcome("%s", hostile_rng_result_name(result, used));
	check(result != HOSTILE_SILENT, "%s: the device never answered", what);
	check(result != HOSTILE_USED || used <= room,
	      "%s: used length %u for %u bytes", what, used, room);
	for (i = 0; i < CANARY; i++)
		if (p[BUF + i] != 0xa5) {
			check(false, "%s: written past the 64-byte buffer",
			      what);
			break;
		}
	hostile_rng_recover(&r);
}

void hostile_rng_zero_len(void)
{
	round_(false, "one zero-length writable buffer");
	round_(true, "64 bytes, then a zero-length buffer");
}
