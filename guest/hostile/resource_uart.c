// SPDX-License-Identifier: GPL-2.0-only
/*
 * resource_uart: host input to the UART that the guest never reads. The
 * guest leaves the receiver alone for idle_ms= (default 1500)
 * milliseconds while test_hostile.py writes megabytes to the VMM's
 * standard input; then it drains what the UART holds. A VMM that buffers
 * host input for a guest that does not read grows without bound.
 *
 * vigil: the receive FIFO holds 16 bytes (devices/serial.c,
 * serial_receive takes no more than fits) and the main loop stops
 * reading standard input while the FIFO is full (vmm/machine.c,
 * main_loop_update_input), so the host's pipe fills and its writer
 * blocks: vigil's memory stays flat. The guest finds at most a FIFO's
 * worth of bytes waiting.
 */
#include <linux/serial_reg.h>

#include "cmdline.h"
#include "hostile.h"
#include "io.h"
#include "runner.h"
#include "scenarios.h"
#include "serial.h"
#include "tsc.h"

#define DRAIN_MAX 4096

void hostile_resource_uart(void)
{
	unsigned int n = 0;

	note("not reading the UART for %lu ms", param_u64("idle_ms", 1500));
	udelay(param_u64("idle_ms", 1500) * 1000);
	while (n < DRAIN_MAX && (inb(SERIAL_BASE + UART_LSR) & UART_LSR_DR)) {
		(void)inb(SERIAL_BASE + UART_RX);
		n++;
	}
	note("%u bytes were waiting", n);
	hostile_outcome("survived");
}
