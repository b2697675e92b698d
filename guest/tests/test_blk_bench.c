// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk_bench: read throughput of virtio-blk device blk=N, each phase for
 * bench_ms milliseconds (default 1000): 4 KiB random reads at queue depth
 * 1 and 32 (IOPS) and 128 KiB sequential reads at depth 4 (MB/s). Figures
 * are TAP comments; the test fails only if a request fails. Completion is
 * polled, or interrupt-driven with bench_irq=1. Offsets come from a fixed
 * xorshift sequence, so every run reads the same sectors. bench_phases=
 * (qd1, qd32, seq, comma-separated) runs only those phases. Each phase
 * also notes how many requests completed, for counting exits per request
 * on the host.
 */
#include "alloc.h"
#include "blk_common.h"
#include "cmdline.h"
#include "idt.h"
#include "io.h"
#include "runner.h"
#include "string.h"
#include "tests.h"
#include "tsc.h"

#define NS_PER_S 1000000000ul
#define MAX_SEGS_PER_REQ 16

struct phase {
	const char *key; /* for bench_phases= */
	const char *name;
	uint32_t size;
	unsigned int depth;
	bool random;
};

struct bench {
	struct virtio_blk *b;
	const struct phase *p;
	uint8_t *bufs;
	struct blk_req *reqs;
	uint64_t rng;
	uint64_t next_sector;
	uint64_t ops;
	bool failed;
};

static uint64_t pick_sector(struct bench *be)
{
	uint64_t span = be->p->size / SECTOR_SIZE;
	uint64_t slots = be->b->capacity / span, s;

	if (!be->p->random) {
		s = be->next_sector;
		be->next_sector = (s + span) % (slots * span);
		return s;
	}
	be->rng ^= be->rng << 13;
	be->rng ^= be->rng >> 7;
	be->rng ^= be->rng << 17;
	return be->rng % slots * span;
}

/* Queues request slot @i, split into segments of at most size_max. */
static bool submit(struct bench *be, unsigned int i)
{
	uint32_t size = be->p->size, seg_len = size, off;
	struct virtq_buf segs[MAX_SEGS_PER_REQ];
	unsigned int n = 0;

	if (be->b->size_max && be->b->size_max < size)
		seg_len = be->b->size_max;
	for (off = 0; off < size && n < MAX_SEGS_PER_REQ; off += seg_len) {
		segs[n].addr = be->bufs + (uint64_t)i * size + off;
		segs[n++].len = size - off < seg_len ? size - off : seg_len;
	}
	if (off < size)
		return false;
	return virtio_blk_submit(be->b, &be->reqs[i], VIRTIO_BLK_T_IN,
				 pick_sector(be), segs, n);
}

static void wait_a_little(struct virtio_blk *b)
{
	if (!b->mmio.irq_mode) {
		cpu_relax();
		return;
	}
	virtq_enable_interrupts(&b->vq);
	irq_disable();
	if (!virtq_has_used(&b->vq))
		wait_for_interrupt();
	irq_enable();
}

/* Completes what is done and refills those slots (one kick for all);
 * false on an error. */
static bool reap_and_refill(struct bench *be, bool refill)
{
	struct blk_req *r;
	unsigned int n = 0;

	while ((r = virtio_blk_poll(be->b))) {
		if (r->status != VIRTIO_BLK_S_OK)
			return check(false, "%s: request failed, status %u",
				     be->p->name, r->status);
		be->ops++;
		if (refill && !submit(be, (unsigned int)(r - be->reqs)))
			return check(false, "%s: cannot queue", be->p->name);
		n++;
	}
	if (n && refill)
		virtio_blk_kick(be->b);
	return true;
}

static void run_phase(struct virtio_blk *b, const struct phase *p, uint64_t ms)
{
	struct bench be = { .b = b, .p = p, .rng = 0x9e3779b97f4a7c15ull };
	uint64_t start, end, ns, ops_at_end;
	unsigned int i;

	be.bufs = alloc((size_t)p->size * p->depth, 4096);
	be.reqs = alloc(sizeof(*be.reqs) * p->depth, 64);
	if (!check(be.bufs && be.reqs, "%s: out of memory", p->name))
		return;
	for (i = 0; i < p->depth; i++) {
		if (!check(submit(&be, i), "%s: cannot queue", p->name))
			return;
	}
	start = rdtsc();
	virtio_blk_kick(b);
	end = start + ns_to_tsc(ms * 1000000);
	while ((int64_t)(rdtsc() - end) < 0) {
		if (!reap_and_refill(&be, true))
			return;
		wait_a_little(b);
	}
	ns = tsc_to_ns(rdtsc() - start);
	ops_at_end = be.ops;
	/* Drain: every request in flight must still complete. */
	end = rdtsc() + ns_to_tsc(5 * NS_PER_S);
	while (be.ops < ops_at_end + p->depth && (int64_t)(rdtsc() - end) < 0)
		if (!reap_and_refill(&be, false))
			return;
	check(be.ops == ops_at_end + p->depth, "%s: requests never completed",
	      p->name);
	if (!ops_at_end || !ns)
		return;
	if (p->random)
		note("%s: %lu IOPS, %lu us per request", p->name,
		     ops_at_end * NS_PER_S / ns,
		     ns / 1000 * p->depth / ops_at_end);
	else
		note("%s: %lu MB/s", p->name, ops_at_end * p->size * 1000 / ns);
	note("%s: %lu requests", p->name, be.ops);
}

/* bench_phases=qd1,qd32,seq (any of them, in any order); all without. */
static bool phase_selected(const char *key)
{
	const char *s = param_str("bench_phases"), *comma;
	size_t len = strlen(key), n;

	while (s) {
		comma = strchr(s, ',');
		n = comma ? (size_t)(comma - s) : strlen(s);
		if (n == len && !memcmp(s, key, len))
			return true;
		s = comma ? comma + 1 : NULL;
	}
	return !param_str("bench_phases");
}

void test_blk_bench(void)
{
	static const struct phase phases[] = {
		{ "qd1", "randread 4k qd1", 4096, 1, true },
		{ "qd32", "randread 4k qd32", 4096, 32, true },
		{ "seq", "seqread 128k qd4", 131072, 4, false },
	};
	uint64_t ms = param_u64("bench_ms", 1000);
	struct virtio_blk b;
	unsigned int i;

	if (!blk_open_selected(&b))
		return;
	if (param_u64("bench_irq", 0) &&
	    !check(virtio_blk_use_interrupts(&b, VECTOR_DEVICE_BASE),
		   "GSI %u: no I/O APIC input", b.mmio.desc->gsi))
		goto out;
	note("completion by %s, queue size %u",
	     b.mmio.irq_mode ? "interrupt" : "polling", b.vq.size);
	for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		if (!phase_selected(phases[i].key))
			continue;
		if (!check(b.capacity * SECTOR_SIZE >= phases[i].size,
			   "%s: device too small", phases[i].name))
			break;
		run_phase(&b, &phases[i], ms);
	}
	check(!b.vq.broken, "the device returned a bad used entry");
out:
	virtio_blk_close(&b);
}
