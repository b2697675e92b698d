// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_wrap: a buffer whose end wraps past 2^64: address
 * 0xfffffffffffffe00, length 0x400. A range check written as
 * "addr + len <= ram_end" passes (the sum wraps to 0x200) and the buffer
 * is then used from the address up.
 *
 * A device that maps the buffer piece by piece with the address
 * advancing by each piece's length carries on at address 0: the read's
 * second half lands on the first 512 bytes of guest RAM, which the
 * driver never offered. The scenario watches them.
 *
 * vigil: gm_range_valid (lib/guest_mem.c) computes the end with
 * __builtin_add_overflow and refuses a wrap; add_buf (devices/virtq.c)
 * logs it and the device sets DEVICE_NEEDS_RESET.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "string.h"

#define WRAP_ADDR 0xfffffffffffffe00ull
#define WRAP_LEN 0x400
#define LOW_BYTES (WRAP_LEN - (0 - WRAP_ADDR))
#define MARK 0xa5

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t arg)
{
	(void)arg;
	hostile_post_read(b, r, WRAP_ADDR, WRAP_LEN);
}

/* Guest physical address 0, hidden from the compiler's null checks. */
static uint8_t *address_zero(void)
{
	uint8_t *p = 0;

	asm("" : "+r"(p));
	return p;
}

void hostile_desc_wrap(void)
{
	uint8_t *low = address_zero();
	uint8_t saved[LOW_BYTES];
	unsigned int i, changed = 0;

	memcpy(saved, low, LOW_BYTES);
	memset(low, MARK, LOW_BYTES);
	hostile_round(0, post, 0, "buffer wrapping past 2^64");
	for (i = 0; i < LOW_BYTES; i++)
		changed += low[i] != MARK;
	memcpy(low, saved, LOW_BYTES);
	hostile_outcome("%s", changed ? "wrote-address-0" : "untouched");
	check(!changed, "the device wrote %u bytes at guest address 0",
	      changed);
}
