// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the virtio-net device model: a guest memory the fuzzer controls
 * holding both rings, TX passes against a backend whose answers it picks,
 * and RX frames of lengths it picks. Input:
 *
 *   [cfg]          bits 2:0 log2 of both queue sizes (1..128), bit 3
 *                  EVENT_IDX, bit 4 INDIRECT_DESC, bit 5 MRG_RXBUF
 *   [len lo][len hi] then len bytes: the start of guest RAM (the rest is 0).
 *                  TX rings: descriptors 0x0, available 0x800, used 0xa00;
 *                  RX rings: 0x1000, 0x1800, 0x1a00; buffers anywhere
 *   then one byte per step: bits 1:0 what (0: a TX pass, the backend
 *                  takes frames; 1: a TX pass, it says -EAGAIN; 2: a TX
 *                  pass, it says -EIO; 3: an RX frame of (byte >> 2) * 32
 *                  bytes, 0..2016: runts and giants too)
 *
 * Besides not crashing (ASan/UBSan, which also catch an iov outside RAM):
 * the backend only ever sees a frame of 14..MTU + 14 bytes; every TX
 * chain popped is answered, held (at most one) or the ring broke; every
 * RX chain popped is answered or given back; the counters add up.
 */
#include <errno.h>
#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "devices/virtio_net.h"
#include "devices/virtq.h"
#include "lib/guest_mem.h"
#include "tests/support/fuzz.h"

#define RAM_SIZE 0x8000u
#define MAX_STEPS 32u

static uint8_t ram[RAM_SIZE];
static uint8_t frame[2048];
static struct virtio_net net;
static int answer;
static uint64_t sent;

static int fuzz_send(void *opaque, const struct iovec *iov, int iovcnt)
{
	size_t len = 0;

	(void)opaque;
	CHECK_INVARIANT(iovcnt >= 1 && iovcnt <= (int)VIRTQ_MAX_CHAIN);
	for (int i = 0; i < iovcnt; i++) {
		const uint8_t *p = iov[i].iov_base;

		CHECK_INVARIANT(p >= ram && iov[i].iov_len <= RAM_SIZE &&
				p + iov[i].iov_len <= ram + RAM_SIZE);
		len += iov[i].iov_len;
	}
	CHECK_INVARIANT(len >= VIRTIO_NET_ETH_HLEN &&
			len <= (size_t)net.mtu + VIRTIO_NET_ETH_HLEN);
	if (answer == 0)
		sent++;
	return answer;
}

static const struct virtio_net_backend_ops fuzz_backend = {
	.send = fuzz_send,
};

static void queue_setup(struct virtq *vq, const struct guest_mem *gm,
			uint8_t cfg, uint64_t base)
{
	virtq_reset(vq, (uint16_t)(1u << (cfg % 8)));
	vq->desc = base;
	vq->avail = base + 0x800;
	vq->used = base + 0xa00;
	CHECK_INVARIANT(!virtq_check_layout(vq, gm));
	virtq_enable(vq, cfg & 0x08, cfg & 0x10);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 1 };
	struct guest_mem gm;
	struct virtq txq = { .name = "fuzz txq" }, rxq = { .name = "fuzz rxq" };
	uint8_t cfg;
	bool irq;
	int ret = 0;

	if (size < 3)
		return 0;
	cfg = data[0];
	data++, size--;
	fuzz_take_ram(&data, &size, ram, sizeof(ram));

	gm_init(&gm);
	gm_add_region(&gm, 0, RAM_SIZE, ram);
	virtio_net_init(&net, "fuzz-net", mac, 0, &fuzz_backend, NULL);
	virtio_net_set_features(
		&net, cfg & 0x20 ? 1ull << VIRTIO_NET_F_MRG_RXBUF : 0);
	queue_setup(&txq, &gm, cfg, 0x0);
	queue_setup(&rxq, &gm, cfg, 0x1000);
	sent = 0;
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;

	for (size_t step = 0; step < MAX_STEPS && step < size && ret >= 0;
	     step++) {
		uint8_t op = data[step];
		uint16_t out;

		if ((op & 3) == 3) {
			uint64_t before = net.stats.rx_frames;

			ret = virtio_net_receive(&net, &rxq, &gm, frame,
						 (size_t)(op >> 2) * 32, &irq);
			/* Every RX chain taken is answered or given back. */
			CHECK_INVARIANT(ret < 0 && ret != -EAGAIN ?
						true :
						rxq.last_avail_idx ==
							rxq.used_idx);
			CHECK_INVARIANT(net.stats.rx_frames - before <= 1);
			if (ret == -EAGAIN)
				ret = 0;
			continue;
		}
		answer = (op & 3) == 1 ? -EAGAIN : (op & 3) == 2 ? -EIO : 0;
		ret = virtio_net_process_tx(&net, &txq, &gm, &irq);
		out = (uint16_t)(txq.last_avail_idx - txq.used_idx);
		/* Answered, held (one at most), or the ring broke. */
		CHECK_INVARIANT(out == (net.tx_held ? 1 : 0) ||
				(ret < 0 && out == 1));
		CHECK_INVARIANT(!net.tx_held || answer == -EAGAIN);
		CHECK_INVARIANT(net.stats.tx_frames == sent);
	}
	return 0;
}
