// SPDX-License-Identifier: GPL-2.0-only
/*
 * 8250/16550 UART, polled transmit. Registers and bits: <linux/serial_reg.h>;
 * behaviour: the PC16550D datasheet (National Semiconductor), sections 8.4
 * (LCR), 8.6 (LSR), 8.9 (IER) and 8.10 (IIR).
 */
#include <stdbool.h>
#include <linux/serial_reg.h>

#include "io.h"
#include "serial.h"

/* Bounds the wait for the transmitter on a UART that never reports empty:
 * output is then lost rather than hanging the guest. */
#define THRE_POLL_LIMIT 100000

void serial_init(void)
{
	outb(SERIAL_BASE + UART_IER, 0);
	/* 115200 baud (divisor 1), 8 data bits, no parity, one stop bit. */
	outb(SERIAL_BASE + UART_LCR, UART_LCR_DLAB);
	outb(SERIAL_BASE + UART_DLL, 1);
	outb(SERIAL_BASE + UART_DLM, 0);
	outb(SERIAL_BASE + UART_LCR, UART_LCR_WLEN8);
	outb(SERIAL_BASE + UART_FCR,
	     UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
	/* On a PC, OUT2 gates the UART's interrupt onto the ISA line. */
	outb(SERIAL_BASE + UART_MCR,
	     UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
}

static void serial_putc(char c)
{
	unsigned int i;

	for (i = 0; i < THRE_POLL_LIMIT; i++) {
		if (inb(SERIAL_BASE + UART_LSR) & UART_LSR_THRE)
			break;
		cpu_relax();
	}
	outb(SERIAL_BASE + UART_TX, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	while (n--)
		serial_putc(*s++);
}

void serial_set_ier(uint8_t ier)
{
	outb(SERIAL_BASE + UART_IER, ier);
}

uint8_t serial_read_iir(void)
{
	return inb(SERIAL_BASE + UART_IIR);
}
