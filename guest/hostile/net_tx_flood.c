// SPDX-License-Identifier: GPL-2.0-only
/*
 * net_tx_flood: the guest sends full-sized frames (1514 bytes, tagged
 * "fl00") as fast as it can for flood_ms= (default 500) milliseconds:
 * the whole transmit queue reposted the moment each chain comes back,
 * and QueueNotify written on every turn of the loop whether there is news
 * or not. A device that serves a queue until it is empty never returns
 * to its event loop while the guest keeps it full (the other devices and
 * the control socket starve); one that queues frames the backend cannot
 * take yet grows without bound.
 *
 * vigil: virtio_net_process_tx (devices/virtio_net.c) serves at most
 * VIRTIO_NET_TX_BUDGET chains a pass and then returns to the I/O
 * thread's loop (VIRTQ_MORE asks for another pass), and a frame the backend
 * refuses with -EAGAIN is held in net->tx_chain, not copied: the queue
 * waits for the socket instead of vigil's memory growing; notifications
 * land on an eventfd, a counter. test_hostile.py checks, during the
 * flood, that vigil's memory stays flat, that its control socket answers
 * and that its peer keeps receiving; the guest that every chain came back
 * and the device works after. The budget itself is not what this boot
 * proves: with it removed the flood still passes (the device drains the
 * 8-entry ring faster than one vCPU refills it, so a pass ends on an
 * empty ring first).
 */
#include "alloc.h"
#include "cmdline.h"
#include "hostile.h"
#include "io.h"
#include "runner.h"
#include "scenarios.h"
#include "tsc.h"

#define LEN (NET_HDR_LEN + ETH_HLEN + 1500)

struct flood {
	struct virtio_net n;
	uint64_t frames, notifies;
	uint8_t buf[HOSTILE_QUEUE_SIZE][LEN];
};

static bool post(struct flood *f, uint8_t *p)
{
	struct virtq_buf seg = { p, LEN };

	return virtq_add(&f->n.tx, &seg, 1, 0, p);
}

/* Takes what came back, posts it again; one notification per turn. */
static void turn(void *arg)
{
	struct flood *f = arg;
	uint32_t len;
	uint8_t *p;

	while ((p = virtq_get_used(&f->n.tx, &len))) {
		f->frames++;
		post(f, p);
	}
	virtq_publish(&f->n.tx);
	virtio_mmio_notify(&f->n.mmio, HOSTILE_NET_TX);
	f->notifies++;
}

void hostile_net_tx_flood(void)
{
	struct flood *f = alloc(sizeof(*f), 64);
	unsigned int i;
	uint64_t ms;

	if (!check(f, "no memory") || !hostile_net_open(&f->n, 0))
		return;
	for (i = 0; i < HOSTILE_QUEUE_SIZE; i++) {
		hostile_net_frame(f->buf[i], LEN - NET_HDR_LEN, "fl00",
				  (uint8_t)i);
		post(f, f->buf[i]);
	}
	ms = hostile_flood("net_tx_flood", param_u64("flood_ms", 500), turn, f);
	note("net_tx_flood: %lu frames in %lu ms, %lu notifications", f->frames,
	     ms, f->notifies);
	check(!f->n.tx.broken, "the device returned a bad used entry");
	check(f->frames > 0, "no frame came back in %lu ms", ms);
	hostile_outcome("%s",
			hostile_net_recover(&f->n) ? "survived" : "broken");
}
