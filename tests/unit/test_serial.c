// SPDX-License-Identifier: GPL-2.0-only
/*
 * The 16550A model driven through its ops table as a vCPU would, with a
 * pipe as the output fd and a recording irq line.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/serial_reg.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devices/serial.h"
#include "lib/layout.h"
#include "lib/log.h"
#include "tests/support/tap.h"

struct fake_irq {
	unsigned int changes; /* calls to set */
	unsigned int repeats; /* calls that did not change the level */
	unsigned int gsi;
	bool level;
};

static void fake_irq_set(void *opaque, unsigned int gsi, bool level)
{
	struct fake_irq *f = opaque;

	f->changes++;
	if (level == f->level)
		f->repeats++;
	f->level = level;
	f->gsi = gsi;
}

struct rig {
	struct serial s;
	struct fake_irq irq;
	int pipe[2]; /* [0]: what the host sees of the output */
	unsigned int rx_space_calls;
};

static void on_rx_space(void *opaque)
{
	struct rig *r = opaque;

	r->rx_space_calls++;
}

static void rig_init(struct rig *r)
{
	struct irq_line line = { fake_irq_set, &r->irq, SERIAL_IRQ };

	memset(r, 0, sizeof(*r));
	if (pipe2(r->pipe, O_NONBLOCK | O_CLOEXEC) ||
	    serial_init(&r->s, &line, r->pipe[1])) {
		perror("rig_init");
		exit(1);
	}
	serial_set_rx_space(&r->s, on_rx_space, r);
}

static void rig_destroy(struct rig *r)
{
	serial_destroy(&r->s);
	close(r->pipe[0]);
	close(r->pipe[1]);
}

static uint8_t rd(struct rig *r, unsigned int off)
{
	return (uint8_t)serial_ops.read(&r->s, off, 1);
}

static void wr(struct rig *r, unsigned int off, uint8_t val)
{
	serial_ops.write(&r->s, off, 1, val);
}

/* What the output fd received since the last call. */
static size_t drain_output(struct rig *r, char *buf, size_t len)
{
	ssize_t n = read(r->pipe[0], buf, len);

	return n < 0 ? 0 : (size_t)n;
}

static void test_reset_values(void)
{
	struct rig r;

	rig_init(&r);
	CHECK(rd(&r, UART_LSR) == (UART_LSR_THRE | UART_LSR_TEMT),
	      "reset: LSR has THRE and TEMT, no data");
	CHECK(rd(&r, UART_IIR) == UART_IIR_NO_INT, "reset: no interrupt");
	CHECK(rd(&r, UART_IER) == 0, "reset: IER 0");
	CHECK(rd(&r, UART_MSR) == (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS),
	      "reset: MSR shows DCD, DSR, CTS");
	CHECK(r.irq.changes == 0, "reset: irq line untouched");
	rig_destroy(&r);
}

static void test_output(void)
{
	struct rig r;
	char buf[16];
	size_t n;

	rig_init(&r);
	wr(&r, UART_TX, 'h');
	wr(&r, UART_TX, 'i');
	n = drain_output(&r, buf, sizeof(buf));
	CHECK(n == 2 && !memcmp(buf, "hi", 2), "THR bytes reach the output fd");
	CHECK(rd(&r, UART_LSR) & UART_LSR_THRE, "THR empty after a write");
	rig_destroy(&r);
}

static void test_divisor_latch(void)
{
	struct rig r;
	char buf[16];

	rig_init(&r);
	wr(&r, UART_IER, UART_IER_RDI);
	wr(&r, UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	wr(&r, UART_DLL, 0);
	wr(&r, UART_DLM, 0);
	CHECK(rd(&r, UART_DLL) == 0 && rd(&r, UART_DLM) == 0,
	      "divisor 0 reads back");
	wr(&r, UART_DLL, 0xff);
	wr(&r, UART_DLM, 0xff);
	CHECK(rd(&r, UART_DLL) == 0xff && rd(&r, UART_DLM) == 0xff,
	      "divisor 0xffff reads back");
	CHECK(drain_output(&r, buf, sizeof(buf)) == 0,
	      "DLL writes do not reach the output");
	wr(&r, UART_LCR, UART_LCR_WLEN8);
	CHECK(rd(&r, UART_IER) == UART_IER_RDI,
	      "IER unchanged by DLM writes and visible without DLAB");
	CHECK(rd(&r, UART_LCR) == UART_LCR_WLEN8, "LCR reads back");
	wr(&r, UART_TX, 'x');
	CHECK(drain_output(&r, buf, sizeof(buf)) == 1 && buf[0] == 'x',
	      "output still works after divisor 0xffff");
	wr(&r, UART_LCR, UART_LCR_DLAB);
	wr(&r, UART_DLL, 0);
	wr(&r, UART_DLM, 0);
	wr(&r, UART_LCR, 0);
	wr(&r, UART_TX, 'y');
	CHECK(drain_output(&r, buf, sizeof(buf)) == 1 && buf[0] == 'y',
	      "output still works after divisor 0");
	rig_destroy(&r);
}

static void test_thre_interrupt(void)
{
	struct rig r;
	char buf[16];

	rig_init(&r);
	wr(&r, UART_IER, 0xff);
	CHECK(rd(&r, UART_IER) == 0x0f, "IER bits 7:4 read as zero");
	wr(&r, UART_IER, 0);
	r.irq.changes = 0;

	wr(&r, UART_IER, UART_IER_THRI);
	CHECK(r.irq.level && r.irq.changes == 1 && r.irq.gsi == SERIAL_IRQ,
	      "enabling THRI with THR empty raises the line");
	CHECK(rd(&r, UART_IIR) == UART_IIR_THRI, "IIR shows THRI");
	CHECK(!r.irq.level && r.irq.changes == 2,
	      "reading IIR acknowledges THRI and lowers the line");
	CHECK(rd(&r, UART_IIR) == UART_IIR_NO_INT, "then IIR shows nothing");
	wr(&r, UART_TX, 'a');
	CHECK(r.irq.level && r.irq.changes == 3,
	      "a THR write raises THRI again");
	wr(&r, UART_TX, 'b');
	CHECK(r.irq.level && r.irq.changes == 5,
	      "a THR write while THRI pends pulses the line");
	wr(&r, UART_IER, 0);
	CHECK(!r.irq.level, "disabling THRI lowers the line");
	wr(&r, UART_IER, UART_IER_THRI);
	CHECK(r.irq.level, "re-enabling THRI raises it again");
	CHECK(r.irq.repeats == 0, "the line is only set on a change");
	drain_output(&r, buf, sizeof(buf));
	rig_destroy(&r);
}

static void test_priorities(void)
{
	const uint8_t all = UART_IER_RDI | UART_IER_THRI | UART_IER_RLSI |
			    UART_IER_MSI;
	uint8_t byte = 'z';
	struct rig r;

	rig_init(&r);
	wr(&r, UART_FCR, UART_FCR_ENABLE_FIFO);
	wr(&r, UART_IER, all);
	CHECK((rd(&r, UART_IIR) & 0x0f) == UART_IIR_THRI,
	      "THRI alone is shown");
	wr(&r, UART_IER, 0);
	wr(&r, UART_IER, all);
	serial_receive(&r.s, &byte, 1);
	CHECK(rd(&r, UART_IIR) == (0xc0 | UART_IIR_RDI),
	      "RDI beats THRI; IIR bits 7:6 show the FIFO");
	CHECK(rd(&r, UART_IIR) == (0xc0 | UART_IIR_RDI),
	      "reading IIR does not acknowledge RDI");
	CHECK(rd(&r, UART_RX) == 'z', "RBR returns the byte");
	CHECK(rd(&r, UART_IIR) == (0xc0 | UART_IIR_THRI),
	      "THRI shows once the data is read");

	/* Loopback: MCR changes set MSR deltas; 17 bytes overrun the FIFO. */
	wr(&r, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	CHECK((rd(&r, UART_IIR) & 0x0f) == UART_IIR_MSI,
	      "MSI is shown last, after THRI was acknowledged");
	for (int i = 0; i < 17; i++)
		wr(&r, UART_TX, (uint8_t)i);
	CHECK((rd(&r, UART_IIR) & 0x0f) == UART_IIR_RLSI,
	      "an overrun's RLSI beats everything");
	CHECK(rd(&r, UART_LSR) & UART_LSR_OE, "LSR shows the overrun");
	CHECK(!(rd(&r, UART_LSR) & UART_LSR_OE), "reading LSR clears OE");
	CHECK((rd(&r, UART_IIR) & 0x0f) == UART_IIR_RDI, "then RDI");
	rig_destroy(&r);
}

static void test_loopback(void)
{
	struct rig r;
	char buf[16];

	rig_init(&r);
	/* Linux's 8250 probe: loopback with OUT2 and RTS reads MSR 0x90. */
	wr(&r, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	CHECK((rd(&r, UART_MSR) & 0xf0) == (UART_MSR_DCD | UART_MSR_CTS),
	      "loopback wires OUT2 to DCD and RTS to CTS");
	wr(&r, UART_TX, 'L');
	CHECK(drain_output(&r, buf, sizeof(buf)) == 0,
	      "loopback output does not reach the fd");
	CHECK(rd(&r, UART_LSR) & UART_LSR_DR, "loopback byte is received");
	CHECK(rd(&r, UART_RX) == 'L', "loopback byte reads back");
	wr(&r, UART_TX, 'M');
	wr(&r, UART_TX, 'N');
	CHECK(rd(&r, UART_LSR) & UART_LSR_OE,
	      "without FIFO a second loopback byte overruns");
	CHECK(rd(&r, UART_RX) == 'M', "the first byte is kept");
	wr(&r, UART_MCR, UART_MCR_OUT2);
	CHECK((rd(&r, UART_MSR) & 0xf0) ==
		      (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS),
	      "leaving loopback restores the inputs");
	wr(&r, UART_TX, 'O');
	CHECK(drain_output(&r, buf, sizeof(buf)) == 1 && buf[0] == 'O',
	      "output resumes after loopback");
	rig_destroy(&r);
}

static void test_receive(void)
{
	uint8_t in[64];
	struct rig r;
	bool ok = true;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(0x40 + i);
	rig_init(&r);
	CHECK(serial_receive(&r.s, in, sizeof(in)) == 1,
	      "FIFOs off: one byte accepted");
	CHECK(!serial_rx_has_space(&r.s), "FIFOs off: full after one byte");
	CHECK(rd(&r, UART_RX) == 0x40 && r.rx_space_calls == 1,
	      "reading the holding register calls rx_space");

	wr(&r, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_14);
	wr(&r, UART_IER, UART_IER_RDI);
	CHECK(serial_receive(&r.s, in, sizeof(in)) == SERIAL_FIFO_SIZE,
	      "FIFO on: at most the FIFO size accepted");
	CHECK(serial_receive(&r.s, in, sizeof(in)) == 0,
	      "a full FIFO accepts nothing");
	CHECK(!serial_rx_has_space(&r.s), "no space while full");
	CHECK(r.irq.level, "RDA raises the line below the trigger level too");
	CHECK(rd(&r, UART_LSR) & UART_LSR_DR, "LSR DR set");
	for (unsigned int i = 0; i < SERIAL_FIFO_SIZE; i++)
		ok = ok && rd(&r, UART_RX) == in[i];
	CHECK(ok, "bytes read back in order");
	CHECK(r.rx_space_calls == 2, "rx_space called once when drained");
	CHECK(serial_rx_has_space(&r.s), "space after draining");
	CHECK(!(rd(&r, UART_LSR) & UART_LSR_DR), "LSR DR clear when empty");
	CHECK(!r.irq.level, "line lowered when empty");
	CHECK(rd(&r, UART_RX) == 0, "reading an empty FIFO returns 0");

	serial_receive(&r.s, in, sizeof(in));
	wr(&r, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	CHECK(!(rd(&r, UART_LSR) & UART_LSR_DR) && r.rx_space_calls == 3,
	      "FCR clear empties the FIFO and calls rx_space");
	serial_receive(&r.s, in, 4);
	wr(&r, UART_FCR, 0);
	CHECK(!(rd(&r, UART_LSR) & UART_LSR_DR) &&
		      rd(&r, UART_IIR) == UART_IIR_NO_INT,
	      "disabling the FIFO flushes it");
	CHECK(r.irq.repeats == 0, "the line is only set on a change");
	rig_destroy(&r);
}

/* Bad accesses: the right defined value, no effect, a guest_errors line. */
static void test_bad_access(void)
{
	char path[] = "/tmp/vigil-test-serial-XXXXXX";
	char text[512] = "";
	struct rig r;
	int fd = mkstemp(path);
	ssize_t n;

	rig_init(&r);
	CHECK(fd >= 0 && log_set_file(path) == 0, "log to a file");
	log_set_mask(LOG_GUEST_ERROR);
	wr(&r, UART_SCR, 0x5a);
	CHECK(serial_ops.read(&r.s, UART_SCR, 2) == 0xffff,
	      "2-byte read returns 0xffff");
	CHECK(serial_ops.read(&r.s, UART_RX, 4) == 0xffffffffu,
	      "4-byte read returns 0xffffffff");
	CHECK(serial_ops.read(&r.s, 8, 1) == 0xff, "offset 8 reads 0xff");
	serial_ops.write(&r.s, UART_SCR, 2, 0x1111);
	serial_ops.write(&r.s, 9, 1, 0x22);
	CHECK(rd(&r, UART_SCR) == 0x5a, "bad writes are ignored");
	wr(&r, UART_LSR, 0);
	CHECK(rd(&r, UART_LSR) == (UART_LSR_THRE | UART_LSR_TEMT),
	      "LSR writes are ignored");
	log_set_mask(0);
	log_close();
	n = fd >= 0 ? pread(fd, text, sizeof(text) - 1, 0) : -1;
	if (n > 0)
		text[n] = '\0';
	CHECK(strstr(text, "serial: 2-byte read at offset 0x7 ignored"),
	      "bad width logged under guest_errors");
	CHECK(strstr(text, "serial: 1-byte write at offset 0x9 ignored"),
	      "bad offset logged under guest_errors");
	CHECK(strstr(text, "read-only LSR"), "LSR write logged");
	if (fd >= 0)
		close(fd);
	unlink(path);
	rig_destroy(&r);
}

static int64_t ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((int64_t)t1.tv_sec - t0->tv_sec) * 1000 +
	       ((int64_t)t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A reader that never reads, or went away, costs the guest little. */
static void test_output_stall(void)
{
	char fill[4096];
	struct timespec t0;
	struct rig r;

	memset(fill, '.', sizeof(fill));
	rig_init(&r);
	while (write(r.pipe[1], fill, sizeof(fill)) > 0)
		;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	wr(&r, UART_TX, 'a');
	CHECK(r.s.out_dropped == 1 && ms_since(&t0) < 2000,
	      "a full non-blocking fd: the byte is dropped after a bounded "
	      "wait");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 100; i++)
		wr(&r, UART_TX, 'b');
	CHECK(r.s.out_dropped == 101 && ms_since(&t0) < 50,
	      "while stalled, bytes are dropped without waiting");
	while (read(r.pipe[0], fill, sizeof(fill)) > 0)
		;
	wr(&r, UART_TX, 'c');
	CHECK(read(r.pipe[0], fill, sizeof(fill)) == 1 && fill[0] == 'c',
	      "output resumes once the reader drains");
	close(r.pipe[0]);
	r.pipe[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	wr(&r, UART_TX, 'd');
	wr(&r, UART_TX, 'e');
	CHECK(r.s.out_failed && r.s.out_dropped == 103,
	      "a broken pipe stops output without harm");
	rig_destroy(&r);
}

static void test_discard(void)
{
	struct irq_line line = { NULL, NULL, SERIAL_IRQ };
	struct serial s;

	CHECK(serial_init(&s, &line, -2) == -EINVAL, "out_fd -2 rejected");
	CHECK(serial_init(&s, &line, -1) == 0, "out_fd -1 accepted");
	serial_ops.write(&s, UART_TX, 1, 'q');
	CHECK(s.out_dropped == 0 && !s.out_failed,
	      "out_fd -1 discards output quietly");
	serial_destroy(&s);
}

static void test_state(void)
{
	struct serial_state st, good, now;
	struct rig r;
	const uint8_t in[3] = { 1, 2, 3 };

	rig_init(&r);
	wr(&r, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_8);
	wr(&r, UART_LCR, UART_LCR_WLEN8);
	serial_receive(&r.s, in, sizeof(in));
	serial_get_state(&r.s, &good);
	CHECK(good.rx_count == 3 && good.rx_fifo[2] == 3 &&
		      good.fcr == (UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_8),
	      "get_state reports the FIFO and FCR");
	CHECK(serial_set_state(&r.s, &good) == 0 && !serial_state_check(&good),
	      "get_state output is accepted back");

#define REJECT(field, val, what)                                \
	do {                                                    \
		st = good;                                      \
		st.field = (val);                               \
		CHECK(serial_set_state(&r.s, &st) == -EINVAL && \
			      serial_state_check(&st),          \
		      "rejects " what);                         \
	} while (0)
	REJECT(ier, 0x10, "IER bit 4");
	REJECT(fcr, UART_FCR_CLEAR_RCVR | UART_FCR_ENABLE_FIFO,
	       "FCR clear bit");
	REJECT(mcr, 0x20, "MCR bit 5");
	REJECT(lsr, UART_LSR_DR, "LSR without THRE");
	REJECT(lsr, good.lsr | UART_LSR_BI, "LSR break");
	REJECT(lsr, good.lsr & ~UART_LSR_DR, "LSR DR clear with data");
	REJECT(msr, UART_MSR_DSR, "MSR inputs that disagree with MCR");
	REJECT(thr_ipending, 2, "thr_ipending 2");
	REJECT(rx_count, SERIAL_FIFO_SIZE + 1, "rx_count past the FIFO");
	REJECT(rx_count, 0, "rx_count 0 with LSR DR");
	REJECT(rx_count, 255, "rx_count 255");
#undef REJECT
	st = good;
	st.fcr = 0;
	CHECK(serial_set_state(&r.s, &st) == -EINVAL,
	      "rejects 3 bytes queued with the FIFO off");
	st.fcr = UART_FCR_TRIGGER_8;
	st.rx_count = 1;
	CHECK(serial_set_state(&r.s, &st) == -EINVAL,
	      "rejects a trigger level with the FIFO off");
	serial_get_state(&r.s, &now);
	CHECK(!memcmp(&now, &good, sizeof(now)),
	      "a rejected state leaves the device unchanged");

	st = good;
	st.ier = UART_IER_RDI;
	st.rx_fifo[5] = 0x77;
	CHECK(serial_set_state(&r.s, &st) == 0 && r.irq.level,
	      "a loaded state with data and RDI raises the line");
	serial_get_state(&r.s, &now);
	CHECK(now.rx_fifo[5] == 0, "bytes past rx_count are not kept");
	CHECK(rd(&r, UART_RX) == 1 && rd(&r, UART_LCR) == UART_LCR_WLEN8,
	      "the loaded state is live");
	rig_destroy(&r);
}

#define STREAM_BYTES 20000u

struct stream {
	struct serial s;
	int wake_fd; /* the event loop's eventfd */
	bool lost_wakeup;
	bool out_of_order;
};

static void stream_rx_space(void *opaque)
{
	struct stream *st = opaque;
	uint64_t one = 1;

	if (write(st->wake_fd, &one, sizeof(one)) < 0)
		perror("eventfd");
}

/* The event loop: feed bytes, sleep on the eventfd while the FIFO is full. */
static void *stream_host(void *opaque)
{
	struct stream *st = opaque;
	unsigned int sent = 0;

	while (sent < STREAM_BYTES &&
	       !__atomic_load_n(&st->lost_wakeup, __ATOMIC_RELAXED)) {
		uint8_t byte = (uint8_t)sent;
		struct pollfd pfd = { .fd = st->wake_fd, .events = POLLIN };
		uint64_t count;

		if (serial_receive(&st->s, &byte, 1) == 1) {
			sent++;
			continue;
		}
		if (poll(&pfd, 1, 2000) != 1)
			__atomic_store_n(&st->lost_wakeup, true,
					 __ATOMIC_RELAXED);
		else if (read(st->wake_fd, &count, sizeof(count)) < 0)
			perror("eventfd");
	}
	return NULL;
}

/* The vCPU: poll LSR, read RBR, as a polling driver would. */
static void *stream_guest(void *opaque)
{
	struct stream *st = opaque;
	unsigned int got = 0;

	while (got < STREAM_BYTES &&
	       !__atomic_load_n(&st->lost_wakeup, __ATOMIC_RELAXED)) {
		if (!(serial_ops.read(&st->s, UART_LSR, 1) & UART_LSR_DR)) {
			sched_yield();
			continue;
		}
		if (serial_ops.read(&st->s, UART_RX, 1) != (uint8_t)got++)
			st->out_of_order = true;
	}
	return NULL;
}

/* Host input and guest reads on two threads: nothing lost or reordered. */
static void test_threads(void)
{
	struct irq_line line = { NULL, NULL, SERIAL_IRQ };
	struct stream st = { .wake_fd = eventfd(0, EFD_CLOEXEC) };
	pthread_t host, guest;

	if (st.wake_fd < 0 || serial_init(&st.s, &line, -1)) {
		perror("test_threads");
		exit(1);
	}
	serial_set_rx_space(&st.s, stream_rx_space, &st);
	serial_ops.write(&st.s, UART_FCR, 1, UART_FCR_ENABLE_FIFO);
	pthread_create(&host, NULL, stream_host, &st);
	pthread_create(&guest, NULL, stream_guest, &st);
	pthread_join(host, NULL);
	pthread_join(guest, NULL);
	CHECK(!st.lost_wakeup, "rx_space wakes the event loop every time");
	CHECK(!st.out_of_order, "%u bytes arrive in order", STREAM_BYTES);
	serial_destroy(&st.s);
	close(st.wake_fd);
}

int main(void)
{
	/* test_output_stall breaks a pipe on purpose. */
	signal(SIGPIPE, SIG_IGN);
	test_reset_values();
	test_output();
	test_divisor_latch();
	test_thre_interrupt();
	test_priorities();
	test_loopback();
	test_receive();
	test_bad_access();
	test_output_stall();
	test_discard();
	test_state();
	test_threads();
	return tap_done();
}
