// SPDX-License-Identifier: GPL-2.0-only
/*
 * rng_flood: the guest asks the entropy device for bytes as fast as it
 * can for flood_ms= (default 500) milliseconds: the whole queue of 4 KiB
 * requests (virtio 1.2, 5.4.6) reposted the moment each comes back, and
 * QueueNotify written on every turn of the loop whether there is news or
 * not. A device without a limit hands the guest the host's entropy pool
 * as fast as getrandom(2) runs, at the cost of a host CPU and every other
 * guest's share; one that queues work per notification grows.
 *
 * vigil: the token bucket in virtio_rng_process_queue (devices/virtio_rng.c)
 * answers a chain only once rng->tokens holds its grant ("if (rng->tokens
 * < want)": the chain is held and a timer set), and rng_refill adds rate
 * bytes a second up to one second's worth; notifications land on an
 * eventfd, a counter. So over T seconds the guest gets at most
 * rate * (T + 1) bytes. With rng_rate= (the rate vigil was given) the
 * guest checks that bound, and that it got at least half of rate * T (the
 * device kept serving); with the bucket check removed the first check
 * fails. test_hostile.py watches vigil's memory and its control socket
 * during the flood.
 */
#include "alloc.h"
#include "cmdline.h"
#include "hostile.h"
#include "io.h"
#include "runner.h"
#include "scenarios.h"
#include "tsc.h"

#define CHAIN_BYTES 4096u /* vigil's VIRTIO_RNG_MAX_REQUEST */

struct flood {
	struct virtio_rng r;
	struct rng_req req[HOSTILE_QUEUE_SIZE];
	uint8_t *buf;
	uint64_t bytes, chains, notifies;
};

static bool post(struct flood *f, unsigned int i)
{
	struct virtq_buf seg = { f->buf + i * CHAIN_BYTES, CHAIN_BYTES };

	return virtio_rng_submit(&f->r, &f->req[i], &seg, 1);
}

/* Takes what came back, posts it again; one notification per turn. */
static void turn(void *arg)
{
	struct flood *f = arg;
	struct rng_req *q;

	while ((q = virtio_rng_poll(&f->r))) {
		f->bytes += q->written;
		f->chains++;
		post(f, (unsigned int)(q - f->req));
	}
	virtq_publish(&f->r.vq);
	virtio_mmio_notify(&f->r.mmio, 0);
	f->notifies++;
}

static void check_rate(const struct flood *f, uint64_t ms)
{
	uint64_t rate = param_u64("rng_rate", 0);
	uint64_t most = rate * (ms + 1000) / 1000, least = rate * ms / 2000;

	if (!rate)
		return;
	/* 5% and a request for the TSC's calibration and the last turn. */
	check(f->bytes <= most + most / 20 + CHAIN_BYTES,
	      "%lu bytes in %lu ms at rng_rate=%lu: the most is %lu", f->bytes,
	      ms, rate, most);
	check(f->bytes >= least,
	      "%lu bytes in %lu ms at rng_rate=%lu: fewer than half the rate",
	      f->bytes, ms, rate);
}

void hostile_rng_flood(void)
{
	uint64_t ms = param_u64("flood_ms", 500);
	struct flood *f = alloc(sizeof(*f), 64);
	unsigned int i;

	if (!check(f, "no memory"))
		return;
	f->buf = alloc(HOSTILE_QUEUE_SIZE * CHAIN_BYTES, 4096);
	if (!check(f->buf, "no memory") || !hostile_rng_open(&f->r))
		return;
	for (i = 0; i < HOSTILE_QUEUE_SIZE; i++)
		post(f, i);
	ms = hostile_flood("rng_flood", ms, turn, f);
	note("rng_flood: %lu bytes in %lu ms, %lu requests answered, %lu "
	     "notifications",
	     f->bytes, ms, f->chains, f->notifies);
	check(!f->r.vq.broken, "the device returned a bad used entry");
	check_rate(f, ms);
	hostile_outcome("%s",
			hostile_rng_recover(&f->r) ? "survived" : "broken");
}
