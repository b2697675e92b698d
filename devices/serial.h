/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An 8250/16550A UART: the guest's console at SERIAL_PORT (8 ports on the
 * PIO bus), interrupting on SERIAL_IRQ.
 *
 * Transmission is instantaneous: a byte written to THR goes straight to the
 * output fd, so THR and the transmitter are always empty again by the time
 * the guest looks (LSR THRE and TEMT stay set). The divisor latch and the
 * line settings are stored and read back but have no effect, so any divisor
 * (0, 0xffff) is harmless.
 *
 * Reception is bounded: host input enters a 16-byte receive FIFO (1 byte
 * while the guest keeps the FIFOs disabled, as on a 16450) and
 * serial_receive() accepts no more than fits. The event loop stops reading
 * its input while serial_rx_has_space() is false and resumes when the
 * rx_space callback tells it the guest made room. The receive interrupt is
 * raised as soon as a byte is waiting, whatever the FIFO trigger level: with
 * no timing model the character-timeout interrupt would fire at once anyway.
 *
 * Loopback (MCR LOOP) routes THR into the receive FIFO, bounded by the same
 * FIFO (a byte that does not fit sets LSR OE), and reflects the MCR outputs
 * in the MSR inputs as the 16550A does.
 *
 * Thread safety: every entry point takes the device's mutex; vCPU threads
 * (serial_ops) and the event loop (serial_receive) may call concurrently.
 * The irq line is driven with the mutex held.
 */
#ifndef VIGIL_SERIAL_H
#define VIGIL_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/irq.h"

#define SERIAL_NR_PORTS 8u
/* Receive FIFO depth of a 16550A. */
#define SERIAL_FIFO_SIZE 16u

/*
 * The whole register state, as a plain struct for snapshots. IIR is not
 * stored: it follows from the others.
 */
struct serial_state {
	uint8_t dll; /* divisor latch, low and high byte */
	uint8_t dlm;
	uint8_t ier; /* bits 3:0 */
	uint8_t fcr; /* FIFO enable, DMA select, RX trigger (0xc9) */
	uint8_t lcr;
	uint8_t mcr; /* bits 4:0 */
	uint8_t lsr; /* DR == (rx_count > 0), THRE and TEMT set, OE */
	uint8_t msr; /* bits 7:4 follow from mcr; bits 3:0 are the deltas */
	uint8_t scr;
	uint8_t thr_ipending; /* 0 or 1: THR-empty interrupt not yet acked */
	uint8_t rx_count;     /* bytes in rx_fifo, at most the FIFO depth */
	uint8_t rx_fifo[SERIAL_FIFO_SIZE]; /* oldest first; rest ignored */
};

struct serial {
	pthread_mutex_t lock;
	struct irq_line irq;
	bool irq_level;	  /* what the line was last set to */
	int out_fd;	  /* -1: output discarded */
	bool out_stalled; /* a write timed out; drop until one succeeds */
	bool out_stall_logged;
	bool out_failed;      /* a write failed for good; drop everything */
	uint64_t out_dropped; /* THR bytes lost to a full or failed fd */
	void (*rx_space)(void *opaque);
	void *rx_space_opaque;
	struct serial_state regs;
};

extern const struct bus_ops serial_ops;

/*
 * Reset the UART to its power-on state. irq is copied. out_fd (not owned,
 * never closed) receives the output; -1 discards it. Returns 0 or negative
 * errno.
 */
int serial_init(struct serial *s, const struct irq_line *irq, int out_fd);
void serial_destroy(struct serial *s);

/*
 * cb(opaque) runs when the receive FIFO goes from full to having room
 * because of the guest (reading RBR, clearing or toggling the FIFO) or a
 * state load. It runs on the calling thread (usually a vCPU thread) WITHOUT
 * the device mutex held, so it may call serial_rx_has_space(); it should
 * only wake the event loop (write to an eventfd). Set before the vCPUs run.
 */
void serial_set_rx_space(struct serial *s, void (*cb)(void *opaque),
			 void *opaque);

/* Queue host input; returns how many bytes of buf fitted (0 when full). */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len);
bool serial_rx_has_space(struct serial *s);

void serial_get_state(struct serial *s, struct serial_state *st);
/*
 * Check register state from an untrusted source (a snapshot file). Returns
 * NULL when it is valid, else a message naming the field and the rule it
 * breaks, for the loader's error.
 */
const char *serial_state_check(const struct serial_state *st);
/*
 * Load register state. Returns -EINVAL, leaving the device unchanged, when
 * serial_state_check() rejects it; else 0, with the irq line updated to
 * match the new state.
 */
int serial_set_state(struct serial *s, const struct serial_state *st);

#endif
