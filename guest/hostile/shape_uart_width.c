// SPDX-License-Identifier: GPL-2.0-only
/*
 * shape_uart_width: the 8250's registers are 8 bits wide, one per port.
 * Read every port of the UART (0x3f8-0x3ff) with 16- and 32-bit IN;
 * write 16 bits over MSR and SCR, 32 bits from MCR to SCR (the low byte
 * toggles MCR's OUT1), and 16 bits across the end of the 8 ports. A model
 * that copies a 4-byte access into "register 6" writes past its register
 * file; one that ignores the width takes the 4-byte write's low byte.
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
	uint8_t scr, new_mcr;

	outb(SERIAL_BASE + UART_SCR, SCR_MARK);
	/* Writes first: the log is rate-limited per call site. MSR (read-
	 * only) and SCR; MCR as it is, LSR, MSR, SCR; SCR and the port after
	 * the UART. */
	hostile_pio_write(SERIAL_BASE + UART_MSR, 2, 0x5a5a);
	hostile_pio_write(SERIAL_BASE + UART_MCR, 4,
			  0x5b000000u | (uint8_t)(mcr ^ UART_MCR_OUT1));
	hostile_pio_write(SERIAL_BASE + UART_SCR, 2, 0x5c5c);
	for (port = 0; port < 8; port++) {
		(void)hostile_pio_read(SERIAL_BASE + port, 2);
		(void)hostile_pio_read(SERIAL_BASE + port, 4);
	}
	scr = inb(SERIAL_BASE + UART_SCR);
	new_mcr = inb(SERIAL_BASE + UART_MCR);
	outb(SERIAL_BASE + UART_MCR, mcr);
	note("after the wide writes: SCR 0x%02x, MCR 0x%02x (was 0x%02x)", scr,
	     new_mcr, mcr);
	/* Ignored, or split into byte writes as an ISA bus does: both leave
	 * a working UART. Only the low byte taken is a model's mistake. */
	hostile_outcome("%s", scr != SCR_MARK ? "split" :
			      new_mcr != mcr  ? "low-byte" :
						"ignored");
	check(scr != SCR_MARK || new_mcr == mcr,
	      "a 4-byte write was taken as a 1-byte one");
	check(inb(SERIAL_BASE + UART_LCR) == lcr, "LCR changed");
}
