/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of the serial console: stdin in raw mode feeding the UART,
 * with an escape key like QEMU's (Ctrl-a x quits, Ctrl-a a sends Ctrl-a).
 * Input is read only while the UART has room, so host input the guest never
 * reads stays bounded (in the kernel's pipe or tty buffer).
 */
#ifndef VIGIL_CONSOLE_H
#define VIGIL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "devices/serial.h"

#define CONSOLE_ESCAPE 0x01 /* Ctrl-a */

struct console {
	int in_fd;
	struct serial *serial;
	bool raw;	      /* the terminal was switched to raw mode */
	struct termios saved; /* to restore on every exit path */
	bool escape_pending;  /* the last byte was Ctrl-a */
	bool eof;	      /* input closed: stop polling it */
	uint8_t pending[64];  /* read but not yet taken by the UART */
	size_t nr_pending;
	size_t pending_off;
};

/* in_fd is not owned. The terminal (if any) goes to raw mode. */
void console_init(struct console *c, int in_fd, struct serial *serial);
/* Restore the terminal; safe to call more than once. */
void console_restore(struct console *c);
/*
 * Read what is available and feed the UART. Returns false when the user
 * asked to quit (Ctrl-a x).
 */
bool console_read_input(struct console *c);
/* Push buffered input into the UART after it made room. */
void console_flush_pending(struct console *c);
/* Whether the main loop should poll in_fd for input now. */
bool console_wants_input(const struct console *c);

#endif
