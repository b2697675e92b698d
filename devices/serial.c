// SPDX-License-Identifier: GPL-2.0-only
#include "devices/serial.h"

#include <errno.h>
#include <linux/serial_reg.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

/* IIR bits 7:6 read 11 on a 16550A whose FIFOs are enabled. */
#define SERIAL_IIR_FIFO_ENABLED 0xc0
/* Register bits a 16550A implements; the others read as zero. */
#define SERIAL_IER_MASK \
	(UART_IER_MSI | UART_IER_RLSI | UART_IER_THRI | UART_IER_RDI)
#define SERIAL_MCR_MASK                                                 \
	(UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_OUT1 | UART_MCR_RTS | \
	 UART_MCR_DTR)
/* FCR bits that stick; CLEAR_RCVR and CLEAR_XMIT are self-clearing. */
#define SERIAL_FCR_STORED \
	(UART_FCR_ENABLE_FIFO | UART_FCR_DMA_SELECT | UART_FCR_TRIGGER_MASK)
#define SERIAL_MSR_INPUTS \
	(UART_MSR_DCD | UART_MSR_RI | UART_MSR_DSR | UART_MSR_CTS)
/* Modem inputs outside loopback: a cable with carrier, DSR and CTS up. */
#define SERIAL_MSR_CONNECTED (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)
/* Divisor 12: 9600 baud from the PC's 1.8432 MHz clock. */
#define SERIAL_RESET_DIVISOR 12
/* Longest a THR write waits for a full non-blocking output fd. */
#define SERIAL_OUT_TIMEOUT_MS 100

static unsigned int rx_capacity(const struct serial_state *r)
{
	/* With FIFOs disabled the UART is a 16450: one holding register. */
	return (r->fcr & UART_FCR_ENABLE_FIFO) ? SERIAL_FIFO_SIZE : 1;
}

static bool rx_full(const struct serial_state *r)
{
	return r->rx_count >= rx_capacity(r);
}

static bool rx_push(struct serial_state *r, uint8_t byte)
{
	if (rx_full(r))
		return false;
	r->rx_fifo[r->rx_count++] = byte;
	r->lsr |= UART_LSR_DR;
	return true;
}

static uint8_t rx_pop(struct serial_state *r)
{
	uint8_t byte;

	if (r->rx_count == 0)
		return 0;
	byte = r->rx_fifo[0];
	r->rx_count--;
	memmove(r->rx_fifo, r->rx_fifo + 1, r->rx_count);
	r->rx_fifo[r->rx_count] = 0;
	if (r->rx_count == 0)
		r->lsr &= ~UART_LSR_DR;
	return byte;
}

static void rx_clear(struct serial_state *r)
{
	memset(r->rx_fifo, 0, sizeof(r->rx_fifo));
	r->rx_count = 0;
	r->lsr &= ~UART_LSR_DR;
}

/* The MSR input bits for an MCR: loopback wires the outputs to the inputs. */
static uint8_t msr_inputs(uint8_t mcr)
{
	uint8_t in = 0;

	if (!(mcr & UART_MCR_LOOP))
		return SERIAL_MSR_CONNECTED;
	if (mcr & UART_MCR_DTR)
		in |= UART_MSR_DSR;
	if (mcr & UART_MCR_RTS)
		in |= UART_MSR_CTS;
	if (mcr & UART_MCR_OUT1)
		in |= UART_MSR_RI;
	if (mcr & UART_MCR_OUT2)
		in |= UART_MSR_DCD;
	return in;
}

static uint8_t msr_deltas(uint8_t old_in, uint8_t new_in)
{
	uint8_t changed = old_in ^ new_in;
	uint8_t deltas = 0;

	if (changed & UART_MSR_CTS)
		deltas |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		deltas |= UART_MSR_DDSR;
	if (changed & UART_MSR_DCD)
		deltas |= UART_MSR_DDCD;
	/* RI reports its trailing edge only. */
	if ((old_in & UART_MSR_RI) && !(new_in & UART_MSR_RI))
		deltas |= UART_MSR_TERI;
	return deltas;
}

/* The highest-priority pending interrupt, as IIR bits 3:0. */
static uint8_t pending_irq(const struct serial_state *r)
{
	if ((r->ier & UART_IER_RLSI) && (r->lsr & UART_LSR_BRK_ERROR_BITS))
		return UART_IIR_RLSI;
	if ((r->ier & UART_IER_RDI) && (r->lsr & UART_LSR_DR))
		return UART_IIR_RDI;
	if ((r->ier & UART_IER_THRI) && r->thr_ipending)
		return UART_IIR_THRI;
	if ((r->ier & UART_IER_MSI) && (r->msr & UART_MSR_ANY_DELTA))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

static void update_irq(struct serial *s)
{
	bool level = pending_irq(&s->regs) != UART_IIR_NO_INT;

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	irq_line_set(&s->irq, level);
}

/*
 * Take the lock and note whether the receive FIFO is full, so that
 * serial_unlock() can tell the event loop when the guest makes room.
 */
static bool serial_lock(struct serial *s)
{
	pthread_mutex_lock(&s->lock);
	return rx_full(&s->regs);
}

static void serial_unlock(struct serial *s, bool was_full)
{
	void (*cb)(void *opaque) = NULL;
	void *opaque = s->rx_space_opaque;

	update_irq(s);
	if (was_full && !rx_full(&s->regs))
		cb = s->rx_space;
	pthread_mutex_unlock(&s->lock);
	if (cb)
		cb(opaque);
}

/* Wait until fd can take a byte; false on timeout or error. */
static bool out_wait(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int ret;

	do
		ret = poll(&pfd, 1, SERIAL_OUT_TIMEOUT_MS);
	while (ret < 0 && errno == EINTR);
	return ret > 0 && !(pfd.revents & (POLLERR | POLLNVAL));
}

/* The output fd stayed full: drop this byte, and later ones at once. */
static void out_stall(struct serial *s)
{
	s->out_dropped++;
	if (s->out_stalled)
		return;
	s->out_stalled = true;
	/* Logged once: a slow reader may stall the output again and again. */
	if (s->out_stall_logged)
		return;
	s->out_stall_logged = true;
	log_error("serial: output fd %d full for %d ms: dropping output while "
		  "it stays full",
		  s->out_fd, SERIAL_OUT_TIMEOUT_MS);
}

/*
 * Send one THR byte. A blocking fd (file, tty) may block; a non-blocking
 * one gets one bounded wait, then bytes are dropped without waiting until
 * a write goes through again, so a stuck reader never stalls the guest.
 */
static void out_byte(struct serial *s, uint8_t byte)
{
	bool waited = false;

	if (s->out_fd < 0)
		return;
	if (s->out_failed) {
		s->out_dropped++;
		return;
	}
	for (;;) {
		ssize_t n = write(s->out_fd, &byte, 1);

		if (n == 1) {
			s->out_stalled = false;
			return;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!s->out_stalled && !waited && out_wait(s->out_fd)) {
				waited = true;
				continue;
			}
			out_stall(s);
			return;
		}
		log_error("serial: writing output fd %d: %s; discarding "
			  "further output",
			  s->out_fd, n < 0 ? strerror(errno) : "wrote nothing");
		s->out_failed = true;
		s->out_dropped++;
		return;
	}
}

static void write_thr(struct serial *s, uint8_t byte)
{
	struct serial_state *r = &s->regs;

	/* Writing THR acknowledges THRE; the line drops while the byte goes. */
	r->thr_ipending = 0;
	update_irq(s);
	if (r->mcr & UART_MCR_LOOP) {
		/* Loopback input is bounded by the FIFO like host input. */
		if (!rx_push(r, byte))
			r->lsr |= UART_LSR_OE;
	} else {
		out_byte(s, byte);
	}
	/* Transmission is instantaneous: THR is empty again. */
	r->thr_ipending = 1;
}

static void write_ier(struct serial_state *r, uint8_t val)
{
	uint8_t changed = (r->ier ^ val) & SERIAL_IER_MASK;

	r->ier = val & SERIAL_IER_MASK;
	/*
	 * Enabling THRI while THR is empty (always, here) raises THRE at once,
	 * as on a 16550A; Linux's driver starts transmission that way.
	 */
	if (changed & UART_IER_THRI)
		r->thr_ipending = !!(r->ier & UART_IER_THRI);
}

static void write_fcr(struct serial_state *r, uint8_t val)
{
	/* The other bits only take with FIFO enable set. */
	uint8_t fcr = (val & UART_FCR_ENABLE_FIFO) ? val & SERIAL_FCR_STORED :
						     0;

	/* Toggling FIFO enable flushes the FIFOs. The TX FIFO is always empty.
	 */
	if (((fcr ^ r->fcr) & UART_FCR_ENABLE_FIFO) ||
	    (fcr && (val & UART_FCR_CLEAR_RCVR)))
		rx_clear(r);
	r->fcr = fcr;
}

static void write_mcr(struct serial_state *r, uint8_t val)
{
	uint8_t mcr = val & SERIAL_MCR_MASK;
	uint8_t old_in = msr_inputs(r->mcr);
	uint8_t new_in = msr_inputs(mcr);

	r->mcr = mcr;
	r->msr = new_in | (r->msr & UART_MSR_ANY_DELTA) |
		 msr_deltas(old_in, new_in);
}

static uint8_t read_iir(struct serial_state *r)
{
	uint8_t id = pending_irq(r);

	/* Reading IIR acknowledges THRE when it is the interrupt shown. */
	if (id == UART_IIR_THRI)
		r->thr_ipending = 0;
	if (r->fcr & UART_FCR_ENABLE_FIFO)
		id |= SERIAL_IIR_FIFO_ENABLED;
	return id;
}

/* Read and clear: the error bits of LSR, the delta bits of MSR. */
static uint8_t read_clear(uint8_t *reg, uint8_t clear)
{
	uint8_t val = *reg;

	*reg &= ~clear;
	return val;
}

static uint8_t read_reg(struct serial *s, uint64_t offset)
{
	struct serial_state *r = &s->regs;
	bool dlab = r->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_RX: /* UART_DLL with DLAB */
		return dlab ? r->dll : rx_pop(r);
	case UART_IER: /* UART_DLM with DLAB */
		return dlab ? r->dlm : r->ier;
	case UART_IIR:
		return read_iir(r);
	case UART_LCR:
		return r->lcr;
	case UART_MCR:
		return r->mcr;
	case UART_LSR:
		return read_clear(&r->lsr, UART_LSR_BRK_ERROR_BITS);
	case UART_MSR:
		return read_clear(&r->msr, UART_MSR_ANY_DELTA);
	default: /* UART_SCR: offset < 8 was checked */
		return r->scr;
	}
}

static void write_reg(struct serial *s, uint64_t offset, uint8_t val)
{
	struct serial_state *r = &s->regs;
	bool dlab = r->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_TX: /* UART_DLL with DLAB */
		if (dlab)
			r->dll = val;
		else
			write_thr(s, val);
		break;
	case UART_IER: /* UART_DLM with DLAB */
		if (dlab)
			r->dlm = val;
		else
			write_ier(r, val);
		break;
	case UART_FCR:
		write_fcr(r, val);
		break;
	case UART_LCR:
		r->lcr = val;
		break;
	case UART_MCR:
		write_mcr(r, val);
		break;
	case UART_LSR:
	case UART_MSR:
		guest_error("serial: write 0x%x to read-only %s ignored", val,
			    offset == UART_LSR ? "LSR" : "MSR");
		break;
	default: /* UART_SCR: offset < 8 was checked */
		r->scr = val;
		break;
	}
}

/* Offset and width are guest-controlled: one byte at a time, 8 ports. */
static bool access_valid(uint64_t offset, unsigned int size, const char *what)
{
	if (size == 1 && offset < SERIAL_NR_PORTS)
		return true;
	guest_error("serial: %u-byte %s at offset 0x%llx ignored", size, what,
		    (unsigned long long)offset);
	return false;
}

static uint64_t serial_read(void *opaque, uint64_t offset, unsigned int size)
{
	struct serial *s = opaque;
	uint8_t val;
	bool was_full;

	if (!access_valid(offset, size, "read"))
		return size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
	was_full = serial_lock(s);
	val = read_reg(s, offset);
	serial_unlock(s, was_full);
	return val;
}

static void serial_write(void *opaque, uint64_t offset, unsigned int size,
			 uint64_t value)
{
	struct serial *s = opaque;
	bool was_full;

	if (!access_valid(offset, size, "write"))
		return;
	was_full = serial_lock(s);
	write_reg(s, offset, (uint8_t)value);
	serial_unlock(s, was_full);
}

const struct bus_ops serial_ops = {
	.read = serial_read,
	.write = serial_write,
};

int serial_init(struct serial *s, const struct irq_line *irq, int out_fd)
{
	int ret;

	if (!irq || out_fd < -1)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	ret = pthread_mutex_init(&s->lock, NULL);
	if (ret)
		return -ret;
	s->irq = *irq;
	s->out_fd = out_fd;
	s->regs.dll = SERIAL_RESET_DIVISOR;
	/* As QEMU and kvmtool: OUT2 gates the IRQ on a PC; start it set. */
	s->regs.mcr = UART_MCR_OUT2;
	s->regs.lsr = UART_LSR_THRE | UART_LSR_TEMT;
	s->regs.msr = msr_inputs(s->regs.mcr);
	return 0;
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

void serial_set_rx_space(struct serial *s, void (*cb)(void *opaque),
			 void *opaque)
{
	pthread_mutex_lock(&s->lock);
	s->rx_space = cb;
	s->rx_space_opaque = opaque;
	pthread_mutex_unlock(&s->lock);
}

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	while (n < len && rx_push(&s->regs, buf[n]))
		n++;
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

bool serial_rx_has_space(struct serial *s)
{
	bool space;

	pthread_mutex_lock(&s->lock);
	space = !rx_full(&s->regs);
	pthread_mutex_unlock(&s->lock);
	return space;
}

void serial_get_state(struct serial *s, struct serial_state *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->regs;
	pthread_mutex_unlock(&s->lock);
}

const char *serial_state_check(const struct serial_state *st)
{
	const uint8_t thr_empty = UART_LSR_THRE | UART_LSR_TEMT;

	if (st->ier & ~SERIAL_IER_MASK)
		return "ier: bits 7:4 set";
	if (st->fcr & ~SERIAL_FCR_STORED)
		return "fcr: self-clearing or reserved bits set";
	if (st->fcr && !(st->fcr & UART_FCR_ENABLE_FIFO))
		return "fcr: trigger or DMA bits without FIFO enable";
	if (st->mcr & ~SERIAL_MCR_MASK)
		return "mcr: bits 7:5 set";
	if ((st->lsr & thr_empty) != thr_empty)
		return "lsr: THRE and TEMT clear (transmission is "
		       "instantaneous)";
	if (st->lsr &
	    (UART_LSR_FIFOE | UART_LSR_BI | UART_LSR_FE | UART_LSR_PE))
		return "lsr: error bits this UART never sets";
	if (!!(st->lsr & UART_LSR_DR) != (st->rx_count > 0))
		return "lsr: DR disagrees with rx_count";
	if ((st->msr & SERIAL_MSR_INPUTS) != msr_inputs(st->mcr))
		return "msr: bits 7:4 disagree with mcr";
	if (st->thr_ipending > 1)
		return "thr_ipending: neither 0 nor 1";
	if (st->rx_count > rx_capacity(st))
		return "rx_count: more than the receive FIFO holds";
	return NULL;
}

int serial_set_state(struct serial *s, const struct serial_state *st)
{
	bool was_full;

	if (serial_state_check(st))
		return -EINVAL;
	was_full = serial_lock(s);
	s->regs = *st;
	memset(s->regs.rx_fifo + st->rx_count, 0,
	       sizeof(s->regs.rx_fifo) - st->rx_count);
	serial_unlock(s, was_full);
	return 0;
}
