// SPDX-License-Identifier: GPL-2.0-only
/*
 * size_uart_divisor: the 8250's divisor latch (DLL/DLM with LCR.DLAB set)
 * divides the UART clock to make the baud rate. Program 0 and 0xffff, then
 * transmit. A model that computes a baud rate or a character time from
 * the divisor divides by zero or waits seconds per character. Mirrors
 * CVE-2016-8669 (QEMU: divide-by-zero in serial_update_parameters).
 *
 * vigil: the divisor is stored and read back but nothing is computed from
 * it (devices/serial.h: transmission is instantaneous), so no value can
 * divide by zero or slow the output. It is not logged: every divisor is
 * a value a real 16550 accepts. The line must still transmit at once.
 */
#include <linux/serial_reg.h>

#include "hostile.h"
#include "io.h"
#include "runner.h"
#include "scenarios.h"
#include "serial.h"
#include "tsc.h"

/* 64 characters must go out well within this even at a low baud rate
 * emulated with real timing: at the divisor's 1.8 baud, one takes 6 s. */
#define SEND_LIMIT_MS 500

static void set_divisor(uint16_t div)
{
	uint8_t lcr = inb(SERIAL_BASE + UART_LCR);

	outb(SERIAL_BASE + UART_LCR, lcr | UART_LCR_DLAB);
	outb(SERIAL_BASE + UART_DLL, (uint8_t)div);
	outb(SERIAL_BASE + UART_DLM, (uint8_t)(div >> 8));
	outb(SERIAL_BASE + UART_LCR, lcr);
}

static uint16_t get_divisor(void)
{
	uint8_t lcr = inb(SERIAL_BASE + UART_LCR);
	uint16_t div;

	outb(SERIAL_BASE + UART_LCR, lcr | UART_LCR_DLAB);
	div = (uint16_t)(inb(SERIAL_BASE + UART_DLL) |
			 inb(SERIAL_BASE + UART_DLM) << 8);
	outb(SERIAL_BASE + UART_LCR, lcr);
	return div;
}

static void attack(uint16_t div)
{
	uint64_t start, ms;
	bool fast, empty;

	set_divisor(div);
	start = rdtsc();
	note("divisor 0x%04x: 0123456789abcdef0123456789abcdef0123456789ab",
	     div);
	ms = tsc_to_ns(rdtsc() - start) / 1000000;
	empty = inb(SERIAL_BASE + UART_LSR) & UART_LSR_THRE;
	fast = ms < SEND_LIMIT_MS;
	note("divisor 0x%04x read back 0x%04x; 64 characters took %lu ms", div,
	     get_divisor(), ms);
	hostile_outcome("%s", fast && empty ? "no-effect" : "slowed");
	check(fast && empty, "divisor 0x%x: transmit took %lu ms, THRE %d", div,
	      ms, empty);
}

void hostile_size_uart_divisor(void)
{
	uint16_t saved = get_divisor();

	attack(0);
	attack(0xffff);
	set_divisor(saved);
}
