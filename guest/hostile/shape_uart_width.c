// SPDX-License-Identifier: GPL-2.0-only
/*
 * shape_uart_width: the 8250's registers are 8 bits wide, one per port.
 * Read every port of the UART (0x3f8-0x3ff) with 16- and 32-bit IN, and
 * write 16 and 32 bits over its scratch register, also across the end of
 * its 8 ports. A model that takes a 4-byte access at 0x3fe as "register
 * 6" and copies 4 bytes writes past its register file.
 *
 * vigil: access_valid (devices/serial.c) takes only 1-byte accesses at
 * offsets 0-7; the others are logged and ignored (reads give all ones),
 * and the bus refuses an access that leaves the 8-port window
 * (devices/bus.c, bus_find). The scratch register keeps its value. Real
 * ISA hardware (and QEMU) split a wide access into byte cycles instead:
 * the difference is written down in docs/hostile-vs-qemu.md.
 */
#include <linux/serial_reg.h>

#include "hostile.h"
#include "io.h"
#include "runner.h"
#include "scenarios.h"
#include "serial.h"

#define SCR_MARK 0x11

void hostile_shape_uart_width(void)
{
	uint8_t lcr = inb(SERIAL_BASE + UART_LCR);
	uint8_t mcr = inb(SERIAL_BASE + UART_MCR);
	unsigned int port;
	uint8_t scr;

	outb(SERIAL_BASE + UART_SCR, SCR_MARK);
	/* Writes first: the log is rate-limited per call site. MSR (read-
	 * only) and SCR; MCR as it is, LSR, MSR, SCR; SCR and the port after
	 * the UART. */
	hostile_pio_write(SERIAL_BASE + UART_MSR, 2, 0x5a5a);
	hostile_pio_write(SERIAL_BASE + UART_MCR, 4, 0x5b000000u | mcr);
	hostile_pio_write(SERIAL_BASE + UART_SCR, 2, 0x5c5c);
	for (port = 0; port < 8; port++) {
		(void)hostile_pio_read(SERIAL_BASE + port, 2);
		(void)hostile_pio_read(SERIAL_BASE + port, 4);
	}
	scr = inb(SERIAL_BASE + UART_SCR);
	note("scratch register 0x%02x after the wide writes", scr);
	/* Either is a working UART: the word records which. */
	hostile_outcome("%s", scr == SCR_MARK ? "ignored" : "split");
	check(inb(SERIAL_BASE + UART_LCR) == lcr &&
		  inb(SERIAL_BASE + UART_MCR) == mcr,
	      "LCR or MCR changed");
}
