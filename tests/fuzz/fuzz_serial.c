// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the 16550A model with what a hostile guest and host input can do.
 * The input is a sequence of records, each starting with an op byte:
 *
 *   op % 4 == 0  read:    [where]           where: offset = bits 3:0
 *   op % 4 == 1  write:   [where] [value]          (>= 8 is invalid),
 *                                                  width from bits 7:4
 *   op % 4 == 2  receive: [len] [len bytes]  host input, len <= 31
 *   op % 4 == 3  state:   [sel] ...          sel even: save and load back;
 *                                            odd: load the next
 *                                            sizeof(struct serial_state)
 *                                            bytes as an untrusted state
 *
 * Besides not crashing, the device must keep its invariants: its state
 * always passes serial_state_check() and loads back, the irq line is only
 * set on a change, receive never accepts more than the FIFO holds, and the
 * rx_space callback only runs when there is space.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "devices/serial.h"
#include "tests/support/fuzz.h"

struct cursor {
	const uint8_t *data;
	size_t size;
};

static bool next_byte(struct cursor *c, uint8_t *byte)
{
	if (c->size == 0)
		return false;
	*byte = *c->data++;
	c->size--;
	return true;
}

struct fuzz_irq {
	bool level;
};

static void fuzz_irq_set(void *opaque, unsigned int gsi, bool level)
{
	struct fuzz_irq *irq = opaque;

	(void)gsi;
	CHECK_INVARIANT(level != irq->level);
	irq->level = level;
}

static void fuzz_rx_space(void *opaque)
{
	/* Runs without the device lock: this must not deadlock. */
	CHECK_INVARIANT(serial_rx_has_space(opaque));
}

static unsigned int access_width(uint8_t where)
{
	static const uint8_t widths[16] = { 1, 1, 1, 1, 1, 1, 1, 1,
					    1, 1, 1, 1, 2, 4, 8, 3 };

	return widths[where >> 4];
}

static void op_access(struct serial *s, struct cursor *c, bool write)
{
	uint8_t where, value = 0;

	if (!next_byte(c, &where) || (write && !next_byte(c, &value)))
		return;
	if (write)
		serial_ops.write(s, where & 0xf, access_width(where), value);
	else
		serial_ops.read(s, where & 0xf, access_width(where));
}

static void op_receive(struct serial *s, struct cursor *c)
{
	uint8_t len;
	size_t n;

	if (!next_byte(c, &len))
		return;
	len &= 0x1f;
	if (len > c->size)
		len = (uint8_t)c->size;
	n = serial_receive(s, c->data, len);
	CHECK_INVARIANT(n <= len && n <= SERIAL_FIFO_SIZE);
	c->data += len;
	c->size -= len;
}

static void op_state(struct serial *s, struct cursor *c)
{
	struct serial_state st, back;
	uint8_t sel;

	if (!next_byte(c, &sel))
		return;
	if (!(sel & 1)) {
		serial_get_state(s, &st);
		CHECK_INVARIANT(serial_set_state(s, &st) == 0);
		return;
	}
	if (c->size < sizeof(st))
		return;
	memcpy(&st, c->data, sizeof(st));
	c->data += sizeof(st);
	c->size -= sizeof(st);
	if (serial_set_state(s, &st) != 0)
		return;
	serial_get_state(s, &back);
	CHECK_INVARIANT(
		!memcmp(&back, &st,
			offsetof(struct serial_state, rx_fifo) + st.rx_count));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int null_fd = -2;
	struct fuzz_irq irq = { false };
	const struct irq_line line = { fuzz_irq_set, &irq, 4 };
	struct cursor c = { data, size };
	struct serial_state st;
	struct serial s;
	uint8_t op;

	if (null_fd == -2)
		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (serial_init(&s, &line, null_fd))
		return 0;
	serial_set_rx_space(&s, fuzz_rx_space, &s);
	while (next_byte(&c, &op)) {
		switch (op & 3) {
		case 0:
		case 1:
			op_access(&s, &c, op & 1);
			break;
		case 2:
			op_receive(&s, &c);
			break;
		default:
			op_state(&s, &c);
			break;
		}
		serial_get_state(&s, &st);
		CHECK_INVARIANT(!serial_state_check(&st));
	}
	serial_destroy(&s);
	return 0;
}
