/* SPDX-License-Identifier: GPL-2.0-only */
/* The 8250/16550 UART at 0x3f8: polled output, and its interrupt lines. */
#ifndef GUEST_SERIAL_H
#define GUEST_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#define SERIAL_BASE 0x3f8
#define SERIAL_ISA_IRQ 4

void serial_init(void);
void serial_write(const char *s, size_t n);
/* Interrupt-enable register (UART_IER_* bits). */
void serial_set_ier(uint8_t ier);
/* Reads IIR: which interrupt is pending; reading acknowledges THRI. */
uint8_t serial_read_iir(void);

#endif
