// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net against a fake guest memory and a fake backend that records
 * what it is sent: TX frames reach the backend byte for byte, in place in
 * guest RAM, however the header is split; bad chains, headers asking for
 * offloads and runts or giants are dropped, counted and logged; -EAGAIN
 * holds the chain for the next pass; a pass is bounded. RX frames land
 * after a header saying how many buffers they took, with and without
 * MRG_RXBUF; chains too small or device-readable are completed empty; an
 * empty ring is -EAGAIN. The config space says the MAC, link and MTU.
 */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/virtio_mmio.h"
#include "devices/virtio_net.h"
#include "lib/guest_mem.h"
#include "lib/log.h"
#include "tests/support/tap.h"
#include "tests/support/vring.h"

#define RAM_SIZE 0x80000ull
#define TX_NUM 512u
#define TX_DESC 0x40000ull
#define TX_AVAIL 0x44000ull
#define TX_USED 0x45000ull
#define RX_NUM 16u
#define RX_DESC 0x48000ull
#define RX_AVAIL 0x49000ull
#define RX_USED 0x4a000ull
#define HDR VIRTIO_NET_HDR_SIZE
#define MAX_FRAME (VIRTIO_NET_DEFAULT_MTU + VIRTIO_NET_ETH_HLEN)
#define MRG (1ull << VIRTIO_NET_F_MRG_RXBUF)

static const uint8_t test_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static uint8_t *ram;
static struct test_vring txr, rxr;
static struct guest_mem gm;
static struct virtio_net *net;
static struct virtq txq, rxq;
static char log_path[] = "/tmp/vigil-test-net-XXXXXX";

/* The fake backend: every frame sent, and what the next send says. */
static struct {
	unsigned int calls, frames;
	/* RX: frames for the guest, as peek() gives them; peek's answer. */
	unsigned int rx_pending, rx_taken, peeks;
	size_t rx_len;
	int peek_error;
	uint8_t frame[64][2048];
	size_t len[64];
	int iovcnt[64];
	const void *base0[64]; /* the first iov's base: in RAM, not a copy */
	int answer[4];	       /* the next answers, then 0 */
	unsigned int nr_answers;
} be;

static int fake_send(void *opaque, const struct iovec *iov, int iovcnt)
{
	size_t n = 0;
	int r = 0;

	(void)opaque;
	be.calls++;
	if (be.nr_answers) {
		r = be.answer[0];
		memmove(be.answer, be.answer + 1,
			sizeof(be.answer) - sizeof(be.answer[0]));
		be.nr_answers--;
	}
	if (r < 0)
		return r;
	if (be.frames < 64) {
		for (int i = 0; i < iovcnt; i++) {
			if (n + iov[i].iov_len <= sizeof(be.frame[0]))
				memcpy(be.frame[be.frames] + n, iov[i].iov_base,
				       iov[i].iov_len);
			n += iov[i].iov_len;
		}
		be.len[be.frames] = n;
		be.iovcnt[be.frames] = iovcnt;
		be.base0[be.frames] = iovcnt ? iov[0].iov_base : NULL;
	}
	be.frames++;
	return 0;
}

/* Frame i (from 0) of the pending ones: rx_len bytes of pattern i. */
static uint8_t rx_frame[2048];

static int fake_peek(void *opaque, const uint8_t **frame, size_t *len)
{
	(void)opaque;
	be.peeks++;
	if (be.peek_error)
		return be.peek_error;
	if (be.rx_taken == be.rx_pending)
		return 0;
	for (size_t i = 0; i < be.rx_len; i++)
		rx_frame[i] = (uint8_t)(be.rx_taken + i);
	*frame = rx_frame;
	*len = be.rx_len;
	return 1;
}

static void fake_consume(void *opaque)
{
	(void)opaque;
	be.rx_taken++;
}

static const struct virtio_net_backend_ops fake_backend = {
	.send = fake_send,
	.peek = fake_peek,
	.consume = fake_consume,
};

static void queue_setup(struct virtq *vq, const char *name, uint16_t num,
			uint64_t desc, uint64_t avail, uint64_t used)
{
	*vq = (struct virtq){ .name = name };
	virtq_reset(vq, num);
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	virtq_enable(vq, false, false);
}

static void setup(uint64_t features)
{
	memset(ram, 0, RAM_SIZE);
	memset(&be, 0, sizeof(be));
	gm_init(&gm);
	gm_add_region(&gm, 0, RAM_SIZE, ram);
	virtio_net_init(net, "test-net", test_mac, 0, &fake_backend, NULL);
	virtio_net_set_features(net, (1ull << VIRTIO_F_VERSION_1) | features);
	queue_setup(&txq, "test txq", TX_NUM, TX_DESC, TX_AVAIL, TX_USED);
	queue_setup(&rxq, "test rxq", RX_NUM, RX_DESC, RX_AVAIL, RX_USED);
}

/* Lines of the log holding needle. */
static unsigned int logged(const char *needle)
{
	return tap_count_lines(log_path, needle);
}

static struct vring_used_elem used_of(const struct test_vring *r, uint16_t i)
{
	struct vring_used_elem e;

	memcpy(&e, r->ram + r->used + 4 + 8 * (i % r->num), sizeof(e));
	return e;
}

/* A frame pattern: byte i of frame seed is (i * 7 + seed). */
static void fill_frame(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

static bool is_frame(const uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(i * 7 + seed))
			return false;
	return true;
}

/*
 * Offer a TX chain at descriptors d, d+1: a zeroed header at gpa and a
 * frame of len bytes (pattern seed) right after it, in a second buffer.
 */
static void tx_offer(uint16_t d, uint64_t gpa, uint32_t len, uint8_t seed)
{
	memset(ram + gpa, 0, HDR);
	fill_frame(ram + gpa + HDR, len, seed);
	vring_put_desc(&txr, d, gpa, HDR, VRING_DESC_F_NEXT, d + 1);
	vring_put_desc(&txr, d + 1, gpa + HDR, len, 0, 0);
	vring_offer(&txr, d);
}

static void test_tx_good(void)
{
	bool irq;

	setup(0);
	tx_offer(0, 0x1000, 100, 1);
	CHECK(virtio_net_process_tx(net, &txq, &gm, &irq) == 0 && irq,
	      "tx: a pass, an interrupt wanted");
	CHECK(be.frames == 1 && be.len[0] == 100 &&
		      is_frame(be.frame[0], 100, 1),
	      "tx: the backend got the 100-byte frame byte for byte (%zu)",
	      be.len[0]);
	CHECK(be.base0[0] == ram + 0x1000 + HDR,
	      "tx: the iov points into guest RAM, past the header");
	CHECK(vring_used_idx(&txr) == 1 && used_of(&txr, 0).id == 0 &&
		      used_of(&txr, 0).len == 0,
	      "tx: chain 0 completed with used length 0");
	CHECK(net->stats.tx_frames == 1 && net->stats.tx_bytes == 100,
	      "tx: counted 1 frame, 100 bytes");
}

/* The header split 5 + 7 over two buffers, the second also the frame's. */
static void test_tx_split_header(void)
{
	bool irq;

	setup(0);
	memset(ram + 0x1000, 0, 5);
	memset(ram + 0x2000, 0, 7);
	fill_frame(ram + 0x2007, 60, 3);
	for (unsigned int i = 0; i < 40; i++)
		ram[0x3000 + i] = (uint8_t)((60 + i) * 7 + 3);
	vring_put_desc(&txr, 0, 0x1000, 5, VRING_DESC_F_NEXT, 1);
	vring_put_desc(&txr, 1, 0x2000, 7 + 60, VRING_DESC_F_NEXT, 2);
	vring_put_desc(&txr, 2, 0x3000, 40, 0, 0);
	vring_offer(&txr, 0);
	virtio_net_process_tx(net, &txq, &gm, &irq);
	CHECK(be.frames == 1 && be.len[0] == 100 &&
		      is_frame(be.frame[0], 100, 3),
	      "tx: header split 5 + 7: the frame arrives whole (%zu bytes)",
	      be.len[0]);
	CHECK(be.iovcnt[0] == 2 && be.base0[0] == ram + 0x2007,
	      "tx: two iov entries, the first from inside the second buffer");
}

static void test_tx_writable(void)
{
	unsigned int before = logged("device-writable");
	bool irq;

	setup(0);
	vring_put_desc(&txr, 0, 0x1000, HDR + 64, VRING_DESC_F_NEXT, 1);
	vring_put_desc(&txr, 1, 0x2000, 64, VRING_DESC_F_WRITE, 0);
	vring_offer(&txr, 0);
	tx_offer(2, 0x3000, 64, 9);
	CHECK(virtio_net_process_tx(net, &txq, &gm, &irq) == 0,
	      "tx: a writable buffer is the driver's error, not the ring's");
	CHECK(be.frames == 1 && is_frame(be.frame[0], 64, 9) &&
		      vring_used_idx(&txr) == 2 && used_of(&txr, 0).len == 0 &&
		      used_of(&txr, 1).id == 2,
	      "tx: that chain completed with 0, not sent; the next one sent");
	CHECK(net->stats.tx_bad_chain == 1 && net->stats.tx_frames == 1,
	      "tx: counted as a bad chain");
	CHECK(logged("test-net: tx head 0: buffer 1 is device-writable") ==
		      before + 1,
	      "tx: logged under guest_errors");
}

static void test_tx_bad_header(void)
{
	unsigned int before = logged("not negotiated");
	struct virtio_net_hdr_v1 *h = (void *)(ram + 0x1000);
	bool irq;

	setup(0);
	tx_offer(0, 0x1000, 64, 1);
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	tx_offer(2, 0x2000, 64, 2);
	h = (void *)(ram + 0x2000);
	h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	tx_offer(4, 0x3000, 64, 3);
	h = (void *)(ram + 0x3000);
	h->gso_type = VIRTIO_NET_HDR_GSO_ECN;
	tx_offer(6, 0x4000, 64, 4);
	h = (void *)(ram + 0x4000);
	h->num_buffers = 7; /* ignored on TX */
	h->gso_size = 1400; /* means nothing without GSO: ignored */
	virtio_net_process_tx(net, &txq, &gm, &irq);
	CHECK(be.frames == 1 && is_frame(be.frame[0], 64, 4),
	      "tx: flags NEEDS_CSUM, gso TCPV4, gso ECN dropped; num_buffers "
	      "and gso_size ignored");
	CHECK(vring_used_idx(&txr) == 4 && used_of(&txr, 0).len == 0 &&
		      used_of(&txr, 1).len == 0 && used_of(&txr, 2).len == 0,
	      "tx: all four completed");
	CHECK(net->stats.tx_bad_header == 3, "tx: 3 bad headers counted (%llu)",
	      (unsigned long long)net->stats.tx_bad_header);
	CHECK(logged("tx head 0: flags 0x1 gso_type 0 not negotiated") == 1 &&
		      logged("not negotiated") == before + 3,
	      "tx: each logged, naming the values");
}

static void test_tx_lengths(void)
{
	static const struct {
		uint32_t len;
		bool sent;
	} cases[] = {
		{ 13, false },	     { 14, true },
		{ MAX_FRAME, true }, { MAX_FRAME + 1, false },
		{ 0, false },
	};
	unsigned int before = logged("frame bytes");
	unsigned int sent = 0;
	bool irq;

	setup(0);
	for (unsigned int i = 0; i < 5; i++) {
		uint64_t gpa = 0x1000 + 0x1000 * i;

		if (cases[i].len == 0) {
			/* A chain too short for the header itself: 8 bytes. */
			vring_put_desc(&txr, (uint16_t)(2 * i), gpa, 8, 0, 0);
			vring_offer(&txr, (uint16_t)(2 * i));
			continue;
		}
		tx_offer((uint16_t)(2 * i), gpa, cases[i].len, (uint8_t)i);
	}
	virtio_net_process_tx(net, &txq, &gm, &irq);
	for (unsigned int i = 0; i < 5; i++) {
		if (!cases[i].sent)
			continue;
		CHECK(sent < be.frames && be.len[sent] == cases[i].len &&
			      is_frame(be.frame[sent], cases[i].len,
				       (uint8_t)i),
		      "tx: a %u-byte frame sent", cases[i].len);
		sent++;
	}
	CHECK(be.frames == 2 && vring_used_idx(&txr) == 5,
	      "tx: 13, %u and a header-less chain dropped, all 5 completed",
	      MAX_FRAME + 1);
	CHECK(net->stats.tx_bad_length == 3, "tx: 3 bad lengths counted");
	CHECK(logged("frame bytes") == before + 3 &&
		      logged("tx head 8: 8 bytes") == 1,
	      "tx: each logged with its length");
}

static void test_tx_backpressure(void)
{
	bool irq;

	setup(0);
	tx_offer(0, 0x1000, 100, 1);
	tx_offer(2, 0x2000, 200, 2);
	be.answer[0] = -EAGAIN;
	be.nr_answers = 1;
	CHECK(virtio_net_process_tx(net, &txq, &gm, &irq) == 0 && !irq,
	      "tx: -EAGAIN: the pass ends, nothing to interrupt for");
	CHECK(be.calls == 1 && vring_used_idx(&txr) == 0 && net->tx_held &&
		      txq.last_avail_idx == 1,
	      "tx: one send tried, the chain held, the second not popped");
	CHECK(net->stats.tx_backpressure == 1 && net->stats.tx_frames == 0,
	      "tx: backpressure counted, nothing sent");
	/* The guest rewrites the header after the check: not read again. */
	ram[0x1000] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	CHECK(virtio_net_process_tx(net, &txq, &gm, &irq) == 0 && irq,
	      "tx: the next pass");
	CHECK(be.frames == 2 && be.len[0] == 100 &&
		      is_frame(be.frame[0], 100, 1) && be.len[1] == 200 &&
		      is_frame(be.frame[1], 200, 2),
	      "tx: the held frame first, then the second");
	CHECK(vring_used_idx(&txr) == 2 && used_of(&txr, 0).id == 0 &&
		      used_of(&txr, 1).id == 2 && !net->tx_held,
	      "tx: both completed in order, nothing held");
}

static void test_tx_backend_error(void)
{
	bool irq;

	setup(0);
	tx_offer(0, 0x1000, 100, 1);
	tx_offer(2, 0x2000, 100, 2);
	be.answer[0] = -EIO;
	be.nr_answers = 1;
	CHECK(virtio_net_process_tx(net, &txq, &gm, &irq) == 0 &&
		      vring_used_idx(&txr) == 2 && be.frames == 1 &&
		      is_frame(be.frame[0], 100, 2),
	      "tx: -EIO drops that frame and goes on");
	CHECK(net->stats.tx_backend_error == 1 && net->stats.tx_frames == 1,
	      "tx: the backend error counted");
}

static void test_tx_budget(void)
{
	const unsigned int n = VIRTIO_NET_TX_BUDGET + 44;
	bool irq;

	setup(0);
	tx_offer(0, 0x1000, 60, 5);
	/* The same chain offered again and again: each pop is a request. */
	for (unsigned int i = 1; i < n; i++)
		vring_offer(&txr, 0);
	CHECK(virtio_net_process_tx(net, &txq, &gm, &irq) == VIRTQ_MORE &&
		      be.calls == VIRTIO_NET_TX_BUDGET &&
		      vring_used_idx(&txr) == VIRTIO_NET_TX_BUDGET,
	      "tx: a pass stops at %u chains and asks for another",
	      VIRTIO_NET_TX_BUDGET);
	CHECK(virtio_net_process_tx(net, &txq, &gm, &irq) == 0 &&
		      be.calls == n && vring_used_idx(&txr) == n,
	      "tx: the next pass sends the other 44 and asks for none");
}

static void test_reset_forgets_held(void)
{
	bool irq;

	setup(MRG);
	tx_offer(0, 0x1000, 100, 1);
	be.answer[0] = -EAGAIN;
	be.nr_answers = 1;
	virtio_net_process_tx(net, &txq, &gm, &irq);
	CHECK(net->tx_held, "a chain is held");
	virtio_net_reset(net);
	CHECK(!net->tx_held && net->features == 0,
	      "after a reset: nothing held, no features");
}

/* Offer an RX chain of one writable buffer. */
static void rx_offer(uint16_t d, uint64_t gpa, uint32_t len, uint16_t flags)
{
	vring_put_desc(&rxr, d, gpa, len, flags, 0);
	vring_offer(&rxr, d);
}

static uint16_t hdr_num_buffers(uint64_t gpa)
{
	struct virtio_net_hdr_v1 h;

	memcpy(&h, ram + gpa, sizeof(h));
	return h.num_buffers;
}

static bool hdr_clean(uint64_t gpa)
{
	struct virtio_net_hdr_v1 h;

	memcpy(&h, ram + gpa, sizeof(h));
	return h.flags == 0 && h.gso_type == VIRTIO_NET_HDR_GSO_NONE &&
	       h.hdr_len == 0 && h.gso_size == 0 && h.csum_start == 0 &&
	       h.csum_offset == 0;
}

static void test_rx_one(void)
{
	uint8_t frame[MAX_FRAME];
	bool irq;

	setup(0);
	fill_frame(frame, sizeof(frame), 11);
	memset(ram + 0x10000, 0xee, 0x1000);
	rx_offer(0, 0x10000, 2048, VRING_DESC_F_WRITE);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, 100, &irq) == 0 && irq,
	      "rx: a 100-byte frame delivered, interrupt wanted");
	CHECK(hdr_clean(0x10000) && hdr_num_buffers(0x10000) == 1,
	      "rx: header: no offload, num_buffers 1 (%u)",
	      hdr_num_buffers(0x10000));
	CHECK(is_frame(ram + 0x10000 + HDR, 100, 11) &&
		      ram[0x10000 + HDR + 100] == 0xee,
	      "rx: the frame right after the header, nothing past it");
	CHECK(vring_used_idx(&rxr) == 1 && used_of(&rxr, 0).id == 0 &&
		      used_of(&rxr, 0).len == HDR + 100,
	      "rx: used length header + frame (%u)", used_of(&rxr, 0).len);
	CHECK(net->stats.rx_frames == 1 && net->stats.rx_bytes == 100,
	      "rx: counted");
	/* The largest frame, in a chain of two buffers exactly its size. */
	vring_put_desc(&rxr, 1, 0x11000, 100,
		       VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	vring_put_desc(&rxr, 2, 0x12000, HDR + MAX_FRAME - 100,
		       VRING_DESC_F_WRITE, 0);
	vring_offer(&rxr, 1);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, MAX_FRAME, &irq) == 0 &&
		      used_of(&rxr, 1).len == HDR + MAX_FRAME &&
		      is_frame(ram + 0x11000 + HDR, 100 - HDR, 11) &&
		      is_frame(ram + 0x12000, MAX_FRAME - 88,
			       (uint8_t)(88 * 7 + 11)),
	      "rx: a %u-byte frame across two buffers of one chain", MAX_FRAME);
}

static void test_rx_short_chain(void)
{
	uint8_t frame[200];
	unsigned int before = logged("rx head");
	bool irq;

	setup(0);
	fill_frame(frame, sizeof(frame), 1);
	memset(ram + 0x10000, 0xee, 0x100);
	rx_offer(0, 0x10000, HDR + 99, VRING_DESC_F_WRITE);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, 100, &irq) == 0 && irq,
	      "rx: a chain one byte short: the frame is dropped");
	CHECK(vring_used_idx(&rxr) == 1 && used_of(&rxr, 0).len == 0 &&
		      ram[0x10000] == 0xee && ram[0x10000 + HDR + 98] == 0xee,
	      "rx: the chain completed with 0 bytes, nothing written");
	CHECK(net->stats.rx_short_chain == 1 && net->stats.rx_frames == 0,
	      "rx: counted as a short chain");
	CHECK(logged("test-net: rx head 0: 111 bytes for a 100-byte frame") ==
			      1 &&
		      logged("rx head") == before + 1,
	      "rx: logged");
	/* Exactly big enough: delivered. */
	rx_offer(1, 0x11000, HDR + 100, VRING_DESC_F_WRITE);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, 100, &irq) == 0 &&
		      used_of(&rxr, 1).len == HDR + 100,
	      "rx: a chain of exactly header + frame takes it");
}

static void test_rx_readable(void)
{
	uint8_t frame[64] = { 0 };
	bool irq;

	setup(0);
	memset(ram + 0x10000, 0xee, 0x100);
	vring_put_desc(&rxr, 0, 0x10000, 128, 0, 0);
	vring_offer(&rxr, 0);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, 64, &irq) == 0 &&
		      vring_used_idx(&rxr) == 1 && used_of(&rxr, 0).len == 0 &&
		      ram[0x10000] == 0xee,
	      "rx: a device-readable buffer: completed with 0, not written");
	CHECK(net->stats.rx_bad_chain == 1 && net->stats.rx_frames == 0 &&
		      logged("rx head 0: buffer 0 is device-readable") >= 1,
	      "rx: counted and logged");
}

static void test_rx_no_buffer(void)
{
	uint8_t frame[64];
	bool irq = true;

	setup(0);
	fill_frame(frame, sizeof(frame), 4);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, 64, &irq) == -EAGAIN &&
		      !irq && net->stats.rx_no_buffer == 1,
	      "rx: an empty ring: -EAGAIN, counted, no interrupt");
	rx_offer(0, 0x10000, 1024, VRING_DESC_F_WRITE);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, 64, &irq) == 0 && irq &&
		      is_frame(ram + 0x10000 + HDR, 64, 4),
	      "rx: the backend's retry lands once a buffer is there");
	rx_offer(1, 0x11000, 1024, VRING_DESC_F_WRITE);
	rxq.ready = false;
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, 64, &irq) == -EAGAIN &&
		      rxq.last_avail_idx == 1 && vring_used_idx(&rxr) == 1,
	      "rx: a queue not ready: -EAGAIN, its ring not touched");
}

static void test_rx_bad_length(void)
{
	uint8_t frame[MAX_FRAME + 1] = { 0 };
	bool irq;

	setup(0);
	rx_offer(0, 0x10000, 4096, VRING_DESC_F_WRITE);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, 13, &irq) == 0 &&
		      virtio_net_receive(net, &rxq, &gm, frame, MAX_FRAME + 1,
					 &irq) == 0,
	      "rx: 13 and %u bytes: dropped", MAX_FRAME + 1);
	CHECK(net->stats.rx_bad_length == 2 && rxq.last_avail_idx == 0 &&
		      vring_used_idx(&rxr) == 0,
	      "rx: counted, no buffer taken");
}

static void test_rx_merge(void)
{
	uint8_t frame[200];
	bool irq;

	setup(MRG);
	fill_frame(frame, sizeof(frame), 21);
	rx_offer(0, 0x10000, 64, VRING_DESC_F_WRITE);
	rx_offer(1, 0x11000, 64, VRING_DESC_F_WRITE);
	rx_offer(2, 0x12000, 64, VRING_DESC_F_WRITE);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, 100, &irq) == 0 && irq,
	      "rx mrg: a 100-byte frame into 64-byte chains");
	CHECK(hdr_clean(0x10000) && hdr_num_buffers(0x10000) == 2,
	      "rx mrg: num_buffers 2 (%u)", hdr_num_buffers(0x10000));
	CHECK(is_frame(ram + 0x10000 + HDR, 52, 21) &&
		      is_frame(ram + 0x11000, 48, (uint8_t)(52 * 7 + 21)),
	      "rx mrg: 52 bytes after the header, 48 in the next chain");
	CHECK(vring_used_idx(&rxr) == 2 && used_of(&rxr, 0).id == 0 &&
		      used_of(&rxr, 0).len == 64 && used_of(&rxr, 1).id == 1 &&
		      used_of(&rxr, 1).len == 48 && rxq.last_avail_idx == 2,
	      "rx mrg: used (0, 64), (1, 48); the third chain untouched");
}

static void test_rx_merge_dry(void)
{
	uint8_t frame[200];
	bool irq;

	setup(MRG);
	fill_frame(frame, sizeof(frame), 5);
	rx_offer(0, 0x10000, 64, VRING_DESC_F_WRITE);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, 100, &irq) == -EAGAIN &&
		      !irq,
	      "rx mrg: the ring runs dry part way: -EAGAIN");
	CHECK(vring_used_idx(&rxr) == 0 && rxq.last_avail_idx == 0,
	      "rx mrg: the chain taken is given back, none answered");
	rx_offer(1, 0x11000, 64, VRING_DESC_F_WRITE);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, 100, &irq) == 0 &&
		      hdr_num_buffers(0x10000) == 2 &&
		      used_of(&rxr, 0).len == 64 &&
		      used_of(&rxr, 1).len == 48 &&
		      is_frame(ram + 0x11000, 48, (uint8_t)(52 * 7 + 5)),
	      "rx mrg: with a second chain the retry lands whole");
}

static void test_rx_merge_small(void)
{
	uint8_t frame[200] = { 0 };
	bool irq;

	setup(MRG);
	rx_offer(0, 0x10000, 64, VRING_DESC_F_WRITE);
	rx_offer(1, 0x11000, HDR - 1, VRING_DESC_F_WRITE);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, 100, &irq) == 0 &&
		      vring_used_idx(&rxr) == 2 && used_of(&rxr, 0).len == 0 &&
		      used_of(&rxr, 1).len == 0,
	      "rx mrg: a chain smaller than a header: the frame dropped, "
	      "both chains completed empty");
	CHECK(net->stats.rx_short_chain == 1 && net->stats.rx_frames == 0,
	      "rx mrg: counted as a short chain");
}

/*
 * A frame longer than the whole ring can hold: dropped with every chain
 * completed empty, rather than waiting for refills that cannot come.
 */
static void test_rx_merge_ring_too_small(void)
{
	static uint8_t frame[MAX_FRAME];
	bool irq;

	setup(MRG);
	for (uint16_t i = 0; i < RX_NUM; i++)
		rx_offer(i, 0x10000 + i * 0x100u, 64, VRING_DESC_F_WRITE);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, MAX_FRAME, &irq) == 0 &&
		      vring_used_idx(&rxr) == RX_NUM &&
		      used_of(&rxr, 0).len == 0 &&
		      used_of(&rxr, RX_NUM - 1).len == 0,
	      "rx mrg: %u chains of 64 bytes for a %u-byte frame: dropped, "
	      "all completed empty (used idx %u)",
	      RX_NUM, MAX_FRAME, vring_used_idx(&rxr));
	CHECK(net->stats.rx_short_chain == 1 && net->stats.rx_no_buffer == 0 &&
		      logged("is too small for a 1514-byte frame") == 1,
	      "rx mrg: counted as a short chain, logged");
}

/*
 * A driver on another CPU reads used->idx while the device answers. It
 * must never see a merged frame in part: a frame of two chains moves the
 * index by two at once, so every value it sees is even. A device that
 * published each chain as it went shows an odd index within a few
 * thousand frames (the watcher spins on a second CPU; on one CPU, or
 * under valgrind, it may see none and the check holds either way).
 */
#define TORN_FRAMES 50000u

static atomic_bool torn_stop;

static void *torn_watch(void *arg)
{
	unsigned long *odd = arg;
	uint16_t idx;

	while (!atomic_load_explicit(&torn_stop, memory_order_relaxed))
		if (gm_load_u16_acquire(&gm, RX_USED + 2, &idx) && (idx & 1))
			(*odd)++;
	return NULL;
}

static void test_rx_merge_whole(void)
{
	uint8_t frame[100];
	unsigned long odd = 0;
	unsigned int delivered = 0;
	pthread_t watcher;
	bool irq;

	setup(MRG);
	fill_frame(frame, sizeof(frame), 9);
	atomic_store(&torn_stop, false);
	if (pthread_create(&watcher, NULL, torn_watch, &odd) != 0) {
		CHECK(false, "rx mrg: start the watcher thread");
		return;
	}
	for (unsigned int i = 0; i < TORN_FRAMES; i++) {
		uint16_t d = (uint16_t)(2 * i % RX_NUM);

		rx_offer(d, 0x10000 + d * 0x100u, 64, VRING_DESC_F_WRITE);
		rx_offer(d + 1, 0x10000 + (d + 1) * 0x100u, 64,
			 VRING_DESC_F_WRITE);
		if (virtio_net_receive(net, &rxq, &gm, frame, 100, &irq) == 0)
			delivered++;
	}
	atomic_store(&torn_stop, true);
	pthread_join(watcher, NULL);
	CHECK(delivered == TORN_FRAMES && odd == 0,
	      "rx mrg: %u frames of two chains each; the driver's side saw "
	      "used->idx odd (a frame in part) %lu times",
	      delivered, odd);
}

/* After a restore the device sends a RARP request from the guest's MAC. */
static void test_announce(void)
{
	static const uint8_t broadcast[6] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff
	};
	const uint8_t *f = be.frame[0];

	setup(0);
	CHECK(virtio_net_announce(net) == 0 && be.frames == 1 &&
		      be.len[0] == 60 && net->stats.announce == 1,
	      "announce: one 60-byte frame (%u frames, %zu bytes)", be.frames,
	      be.len[0]);
	CHECK(memcmp(f, broadcast, 6) == 0 && memcmp(f + 6, test_mac, 6) == 0 &&
		      f[12] == 0x80 && f[13] == 0x35 && f[21] == 3,
	      "announce: to everyone, from the guest's MAC, a RARP request");
	CHECK(memcmp(f + 22, test_mac, 6) == 0 &&
		      memcmp(f + 32, test_mac, 6) == 0,
	      "announce: sender and target hardware address the guest's MAC");
	be.answer[0] = -EPIPE;
	be.nr_answers = 1;
	CHECK(virtio_net_announce(net) == -EPIPE && net->stats.announce == 1,
	      "announce: a backend's refusal is returned, not counted");
}

static void test_config(void)
{
	uint8_t mac[6];
	uint16_t v;

	setup(0);
	virtio_net_dev_ops.config_read(net, 0, mac, 6);
	CHECK(memcmp(mac, test_mac, 6) == 0, "config: mac");
	virtio_net_dev_ops.config_read(net, 6, &v, 2);
	CHECK(v == VIRTIO_NET_S_LINK_UP, "config: status LINK_UP (%u)", v);
	virtio_net_dev_ops.config_read(net, 8, &v, 2);
	CHECK(v == 1, "config: max_virtqueue_pairs 1 (%u)", v);
	virtio_net_dev_ops.config_read(net, 10, &v, 2);
	CHECK(v == VIRTIO_NET_DEFAULT_MTU, "config: mtu %u", v);
	virtio_net_dev_ops.config_read(net, 5, mac, 1);
	CHECK(mac[0] == 0x56, "config: a byte read inside the mac");
	CHECK(virtio_net_dev_ops.config_size == 12 &&
		      virtio_net_dev_ops.num_queues == 2 &&
		      virtio_net_dev_ops.device_id == 1,
	      "ops: device 1, 2 queues, 12 config bytes");
	CHECK(virtio_net_dev_ops.features(net) ==
		      ((1ull << VIRTIO_F_VERSION_1) |
		       (1ull << VIRTIO_RING_F_EVENT_IDX) |
		       (1ull << VIRTIO_RING_F_INDIRECT_DESC) |
		       (1ull << VIRTIO_NET_F_MAC) |
		       (1ull << VIRTIO_NET_F_STATUS) |
		       (1ull << VIRTIO_NET_F_MTU) | MRG),
	      "features: VERSION_1, EVENT_IDX, INDIRECT_DESC, MAC, STATUS, MTU, "
	      "MRG_RXBUF, no offload");
	virtio_net_init(net, "test-net", test_mac, 9000, &fake_backend, NULL);
	virtio_net_dev_ops.config_read(net, 10, &v, 2);
	CHECK(v == 9000 && net->mtu == 9000, "config: mtu 9000 when asked");
	virtio_net_init(net, "test-net", test_mac, 20, &fake_backend, NULL);
	CHECK(net->mtu == VIRTIO_NET_DEFAULT_MTU, "an mtu of 20: the default");
}

static void test_ops_queues(void)
{
	bool irq = true;

	setup(0);
	be.rx_pending = 1;
	be.rx_len = 60;
	rx_offer(0, 0x10000, 2048, VRING_DESC_F_WRITE);
	CHECK(virtio_net_dev_ops.process_queue(net, VIRTIO_NET_RXQ, &rxq, &gm,
					       &irq) == 0 &&
		      irq && be.rx_taken == 1 &&
		      used_of(&rxr, 0).len == HDR + 60,
	      "ops: queue 0 delivers the backend's frame");
	tx_offer(0, 0x1000, 100, 1);
	CHECK(virtio_net_dev_ops.process_queue(net, VIRTIO_NET_TXQ, &txq, &gm,
					       &irq) == 0 &&
		      irq && be.frames == 1,
	      "ops: queue 1 transmits");
}

/* Frames wait in the backend while the ring is empty, none lost. */
static void test_rx_pass_waits(void)
{
	bool irq;

	setup(0);
	be.rx_pending = 3;
	be.rx_len = 100;
	rx_offer(0, 0x10000, 2048, VRING_DESC_F_WRITE);
	CHECK(virtio_net_process_rx(net, &rxq, &gm, &irq) == 0 && irq &&
		      be.rx_taken == 1 && net->stats.rx_no_buffer == 1,
	      "rx pass: one buffer, one frame; the rest wait in the backend");
	rx_offer(1, 0x11000, 2048, VRING_DESC_F_WRITE);
	rx_offer(2, 0x12000, 2048, VRING_DESC_F_WRITE);
	CHECK(virtio_net_process_rx(net, &rxq, &gm, &irq) == 0 && irq &&
		      be.rx_taken == 3 && net->stats.rx_frames == 3 &&
		      ram[0x11000 + HDR] == 1 && ram[0x12000 + HDR] == 2,
	      "rx pass: after a refill the waiting frames come, in order");
}

static void test_rx_pass_budget(void)
{
	bool irq;

	setup(0);
	/* Runts: dropped without a buffer, so the ring does not run dry. */
	be.rx_pending = VIRTIO_NET_RX_BUDGET + 1;
	be.rx_len = 5;
	CHECK(virtio_net_process_rx(net, &rxq, &gm, &irq) == VIRTQ_MORE &&
		      be.rx_taken == VIRTIO_NET_RX_BUDGET,
	      "rx pass: stops at its budget and asks to run again");
	CHECK(virtio_net_process_rx(net, &rxq, &gm, &irq) == 0 &&
		      be.rx_taken == VIRTIO_NET_RX_BUDGET + 1,
	      "rx pass: the next pass takes the rest and asks for none");
}

static void test_rx_pass_link_gone(void)
{
	bool irq;

	setup(0);
	be.peek_error = -ECONNRESET;
	rx_offer(0, 0x10000, 2048, VRING_DESC_F_WRITE);
	CHECK(virtio_net_process_rx(net, &rxq, &gm, &irq) == 0 && !irq &&
		      net->stats.rx_backend_error == 1,
	      "rx pass: a lost backend is counted, the ring is not broken");
}

static void test_features_hook(void)
{
	setup(0);
	virtio_net_dev_ops.set_features(net, ~0ull);
	CHECK(net->features == virtio_net_dev_ops.features(net),
	      "set_features keeps only what was offered");
}

static void test_broken_ring(void)
{
	uint8_t frame[64] = { 0 };
	bool irq;

	setup(0);
	vring_put_desc(&txr, 0, RAM_SIZE - 8, 64, 0, 0);
	vring_offer(&txr, 0);
	CHECK(virtio_net_process_tx(net, &txq, &gm, &irq) < 0 && be.calls == 0,
	      "tx: a buffer past RAM: the queue is broken");
	rx_offer(0, RAM_SIZE - 8, 64, VRING_DESC_F_WRITE);
	CHECK(virtio_net_receive(net, &rxq, &gm, frame, 64, &irq) < 0 &&
		      virtio_net_receive(net, &rxq, &gm, frame, 64, &irq) !=
			      -EAGAIN,
	      "rx: a buffer past RAM: the queue is broken, not empty");
}

int main(void)
{
	int fd;

	ram = malloc(RAM_SIZE);
	net = calloc(1, sizeof(*net));
	fd = mkstemp(log_path);
	if (!ram || !net || fd < 0 || log_set_file(log_path))
		return 1;
	log_set_mask(LOG_GUEST_ERROR);
	txr = (struct test_vring){ .ram = ram,
				   .desc = TX_DESC,
				   .avail = TX_AVAIL,
				   .used = TX_USED,
				   .num = TX_NUM };
	rxr = (struct test_vring){ .ram = ram,
				   .desc = RX_DESC,
				   .avail = RX_AVAIL,
				   .used = RX_USED,
				   .num = RX_NUM };
	test_tx_good();
	test_tx_split_header();
	test_tx_writable();
	test_tx_bad_header();
	test_tx_lengths();
	test_tx_backpressure();
	test_tx_backend_error();
	test_tx_budget();
	test_reset_forgets_held();
	test_rx_one();
	test_rx_short_chain();
	test_rx_readable();
	test_rx_no_buffer();
	test_rx_bad_length();
	test_rx_merge();
	test_rx_merge_dry();
	test_rx_merge_small();
	test_rx_merge_ring_too_small();
	test_rx_merge_whole();
	test_config();
	test_announce();
	test_ops_queues();
	test_rx_pass_waits();
	test_rx_pass_budget();
	test_rx_pass_link_gone();
	test_features_hook();
	test_broken_ring();
	log_close();
	log_set_mask(0);
	close(fd);
	unlink(log_path);
	free(net);
	free(ram);
	return tap_done();
}
