// SPDX-License-Identifier: GPL-2.0-only
/*
 * rng_stop_held: the guest empties the entropy device's one-second burst
 * with 4 KiB requests (virtio 1.2, 5.4.6), one at a time, until the
 * device holds one for its rate limit and has set a timer for it: a
 * request not answered within a quarter of the time the rate needs for
 * 4 KiB, posted right after one the device answered late. Then the guest
 * stops the queue, QueueReady 0 (4.2.2) in the first round and FAILED
 * (2.1) in the second, and stays idle for idle_ms= (default 2000)
 * milliseconds before it resets the device and reads from it again. A
 * device that keeps the timer going for a queue it no longer serves
 * wakes its host thread every time the stale wait runs out, for as long
 * as the guest likes: a guest that asks for nothing costs the host a
 * thread's wake-ups, at an interval of the guest's choosing (the wait is
 * the missing bytes over the rate).
 *
 * vigil: virtio_mmio_process_queue (devices/virtio_mmio.c) serves only a
 * live device's ready queues and says whether it served one;
 * virtio_slot_arm_timer (vmm/virtio_slot.c) arms the rate limit's timer
 * only after a pass that served, so the one timer already armed fires,
 * its pass skips the stopped queue, and the I/O thread sleeps. Without
 * that the timer was re-armed with the held chain's last wait after every
 * skipped pass, for good. The guest cannot see that: test_hostile.py
 * counts the I/O thread's wake-ups while the guest idles (a line
 * "rng_stop_held: idle" marks the start) and expects almost none; the
 * guest checks that the held request is not answered on the stopped
 * queue and that the device works after the reset. rng_rate= gives the
 * device's rate (default vigil's 1M), for the hold's quarter.
 */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "alloc.h"
#include "cmdline.h"
#include "hostile.h"
#include "io.h"
#include "runner.h"
#include "scenarios.h"
#include "tsc.h"

#define CHAIN_BYTES 4096u /* vigil's VIRTIO_RNG_MAX_REQUEST */
/* Fresh devices (a reset each) to try for a held request: the device
 * may answer it between the guest's look and its stop. */
#define ATTEMPTS 5

enum stop { STOP_QUEUE_READY, STOP_FAILED };

/* The next used entry within @us microseconds: consumed, true. */
static bool answered_within(struct virtio_rng *r, uint64_t us)
{
	uint64_t end = rdtsc() + ns_to_tsc(us * 1000);

	while (!virtq_has_used(&r->vq)) {
		if (hostile_expired(end))
			return false;
		cpu_relax();
	}
	r->vq.last_used_idx++;
	return true;
}

/*
 * 4 KiB requests one at a time until one is held: not answered within
 * @hold_us, right after one the device answered late (when its bucket had
 * just refilled to 4 KiB, so that this one waits about @full_us, less the
 * host's delay), or not answered within twice @full_us at all (a device
 * that refills once a period): its number, from 1. 0 if the device
 * answered all @most. Nothing is printed here: a line on the UART takes
 * long enough for the device to answer the held request.
 */
static uint64_t hold_one(struct virtio_rng *r, uint8_t *buf, uint64_t most,
			 uint64_t hold_us, uint64_t full_us)
{
	bool late = false;
	uint64_t n;

	for (n = 0; n < most; n++) {
		hostile_rng_desc(r, 0, (uint64_t)buf, CHAIN_BYTES,
				 VRING_DESC_F_WRITE, 0);
		hostile_rng_post(r, 0);
		if (answered_within(r, hold_us)) {
			late = false;
			continue;
		}
		if (late || !answered_within(r, 2 * full_us))
			return n + 1;
		late = true;
	}
	return 0;
}

static void stop(struct virtio_rng *r, enum stop how)
{
	uint32_t v;

	if (how == STOP_QUEUE_READY) {
		mmio_write32(r->mmio.base + VIRTIO_MMIO_QUEUE_SEL, 0);
		mmio_write32(r->mmio.base + VIRTIO_MMIO_QUEUE_READY, 0);
		v = mmio_read32(r->mmio.base + VIRTIO_MMIO_QUEUE_READY);
		check(v == 0, "QueueReady reads %u after writing 0", v);
		return;
	}
	v = virtio_mmio_status(&r->mmio);
	mmio_write32(r->mmio.base + VIRTIO_MMIO_STATUS,
		     v | VIRTIO_CONFIG_S_FAILED);
}

/* A fresh device holding a 4 KiB request, then stopped; false if none. */
static bool stopped_holding(struct virtio_rng *r, uint8_t *buf, enum stop how)
{
	uint64_t rate = param_u64("rng_rate", 1 << 20);
	/* The time the rate needs for a whole request, and a quarter. */
	uint64_t full_us = CHAIN_BYTES * 1000000ull / rate;
	unsigned int i;
	uint64_t n;

	for (i = 0; i < ATTEMPTS; i++) {
		if (!hostile_rng_open(r))
			return false;
		n = hold_one(r, buf, 2 * rate / CHAIN_BYTES + 16, full_us / 4,
			     full_us);
		if (!n)
			continue;
		stop(r, how);
		if (!virtq_has_used(&r->vq)) {
			note("rng_stop_held: request %lu held, Status 0x%x", n,
			     virtio_mmio_status(&r->mmio));
			return true;
		}
		note("rng_stop_held: request %lu answered before the stop: "
		     "again",
		     n);
	}
	return false;
}

static void round_(uint8_t *buf, enum stop how, const char *what)
{
	uint64_t idle = param_u64("idle_ms", 2000);
	struct virtio_rng r;
	bool quiet;

	if (!stopped_holding(&r, buf, how)) {
		hostile_outcome("never-held");
		check(false, "%s: no request held in %u attempts", what,
		      ATTEMPTS);
		return;
	}
	note("rng_stop_held: idle for %lu ms after %s", idle, what);
	udelay(idle * 1000);
	quiet = !virtq_has_used(&r.vq);
	note("rng_stop_held: idle over");
	hostile_outcome("%s", quiet ? "quiet" : "served");
	if (how == STOP_QUEUE_READY)
		check(quiet, "%s: the stopped queue's request was answered",
		      what);
	/* The spec leaves a FAILED device's behaviour open: recorded only. */
	hostile_rng_recover(&r);
}

void hostile_rng_stop_held(void)
{
	uint8_t *buf = alloc(CHAIN_BYTES, 4096);

	if (!check(buf, "no memory"))
		return;
	round_(buf, STOP_QUEUE_READY, "QueueReady 0");
	round_(buf, STOP_FAILED, "FAILED");
}
