// SPDX-License-Identifier: GPL-2.0-only
/*
 * snapshot_workload: the guest half of the snapshot tests
 * (tests/functional/test_snapshot.py). It keeps every part of the machine
 * busy, so that a snapshot taken at any moment catches state in flight,
 * and checks its own continuity as it goes:
 *
 *  - every CPU counts: each application processor in a tight loop, the
 *    bootstrap processor while it waits between records;
 *  - the LAPIC timer (SDM Vol. 3A, "APIC Timer") keeps ticking: each
 *    record waits snap_ticks= ticks, and a TSC deadline of 2 s without a
 *    tick fails the test instead of hanging it;
 *  - records go to disk blk= (virtio 1.2, 5.2), completed by interrupt
 *    through the I/O APIC: record n is the sector snap_sector= + n and
 *    holds n, the tick count and every CPU's count, with a checksum. Once
 *    the device has completed the write (the record is acknowledged) the
 *    guest prints
 *        # snap record N ticks T counts C0 C1 ...
 *  - no count ever goes back; the tick count grows over each WINDOW
 *    records and every CPU's count within STALL_TICKS ticks (a loaded
 *    host may leave one vCPU thread unscheduled for a while, not for
 *    seconds); at the end all snap_records= records are read back and
 *    checked the same way.
 *
 * Time limits are TSC deadlines that forgive a leap: where KVM cannot
 * restore the TSC (kvm_pvm runs the guest on the host's TSC), a restored
 * guest sees its TSC jump over the time it spent saved; a jump of more than
 * JUMP_US between two looks is that gap, not time the test waited.
 *
 * A run restored from a snapshot continues inside this loop; the host
 * checks that the records on disk and in the output continue across it.
 */
#include <stddef.h>

#include "alloc.h"
#include "blk_common.h"
#include "cmdline.h"
#include "cpu.h"
#include "idt.h"
#include "io.h"
#include "platform.h"
#include "print.h"
#include "runner.h"
#include "smp.h"
#include "string.h"
#include "tests.h"
#include "timer.h"
#include "tsc.h"

#define RECORD_MAGIC "VSNAPREC"
#define TICK_LIMIT_US 2000000ull
#define IO_LIMIT_US 5000000ull
#define JUMP_US 500000ull
#define STOP_LIMIT_US 1000000ull
#define WINDOW 10u
#define STALL_TICKS (3 * TIMER_HZ)

struct snap_record {
	char magic[8];
	uint32_t seq;
	uint32_t ncpus;
	uint64_t ticks;
	uint64_t counts[MAX_CPUS];
	uint64_t checksum; /* FNV-1a of everything before it */
};

static volatile uint64_t counts[MAX_CPUS];
static volatile bool stop_counting;

/* On each application processor, until stop_counting. */
static void count_loop(void *arg)
{
	unsigned int i = this_cpu()->index;

	(void)arg;
	while (!__atomic_load_n(&stop_counting, __ATOMIC_ACQUIRE)) {
		counts[i]++;
		cpu_relax();
	}
}

static void nothing(void *arg)
{
	(void)arg;
}

static uint64_t fnv1a(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	while (len--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

/* Starts every other CPU of the MADT on count_loop; returns how many. */
static unsigned int start_counters(struct cpu **aps)
{
	const struct madt_info *m = &platform.madt;
	unsigned int i, n = 0;
	struct cpu *cpu;

	for (i = 0; i < m->ncpus && n + 1 < MAX_CPUS; i++) {
		if (m->apic_ids[i] == platform.bsp_apic_id)
			continue;
		cpu = smp_start(n + 1, m->apic_ids[i]);
		if (!check(cpu, "CPU %u (APIC ID %u) did not start", n + 1,
			   m->apic_ids[i]))
			break;
		/* Returns at once: the loop runs until stop_counting. */
		smp_call(cpu, count_loop, NULL, 0);
		aps[n++] = cpu;
	}
	return n;
}

static void stop_counters(struct cpu **aps, unsigned int n)
{
	unsigned int i;

	__atomic_store_n(&stop_counting, true, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++) {
		/* Queued behind count_loop: done once the loop ended. */
		check(smp_call(aps[i], nothing, NULL, STOP_LIMIT_US),
		      "CPU %u did not stop counting", aps[i]->index);
		smp_stop(aps[i]);
	}
}

struct deadline {
	uint64_t end;
	uint64_t last; /* TSC at the last look */
};

static void deadline_start(struct deadline *d, uint64_t us)
{
	d->last = rdtsc();
	d->end = d->last + ns_to_tsc(us * 1000);
}

static bool deadline_passed(struct deadline *d)
{
	uint64_t now = rdtsc(), gap = now - d->last;

	if (gap > ns_to_tsc(JUMP_US * 1000))
		d->end += gap; /* the VM was away: a snapshot, a pause */
	d->last = now;
	return (int64_t)(now - d->end) > 0;
}

/* The BSP counts while it waits; false if the timer stopped ticking. */
static bool wait_ticks(uint64_t until)
{
	uint64_t seen = timer_ticks();
	struct deadline d;

	deadline_start(&d, TICK_LIMIT_US);
	while (timer_ticks() < until) {
		counts[0]++;
		cpu_relax();
		if (timer_ticks() != seen) {
			seen = timer_ticks();
			deadline_start(&d, TICK_LIMIT_US);
		} else if (deadline_passed(&d)) {
			return false;
		}
	}
	return true;
}

/*
 * One request r on one sector, completed by interrupt (as virtio_blk_wait,
 * with a deadline that forgives a snapshot). The virtio status, or -1.
 */
static int sector_io(struct virtio_blk *b, struct blk_req *r, uint32_t type,
		     uint64_t sector, void *buf)
{
	struct virtq_buf seg = { buf, SECTOR_SIZE };
	struct deadline d;

	if (!virtio_blk_submit(b, r, type, sector, &seg, 1))
		return -1;
	virtio_blk_kick(b);
	deadline_start(&d, IO_LIMIT_US);
	for (;;) {
		while (virtio_blk_poll(b))
			;
		if (r->done)
			return r->status;
		if (deadline_passed(&d) || b->vq.broken)
			return -1;
		/* Sleep unless a completion slipped in (sti;hlt). */
		virtq_enable_interrupts(&b->vq);
		irq_disable();
		if (!virtq_has_used(&b->vq))
			wait_for_interrupt();
		irq_enable();
	}
}

/* sector: SECTOR_SIZE bytes; the record is padded with zeroes. */
static void fill_record(void *sector, uint32_t seq, unsigned int ncpus)
{
	struct snap_record *r = sector;
	unsigned int i;

	memset(sector, 0, SECTOR_SIZE);
	memcpy(r->magic, RECORD_MAGIC, sizeof(r->magic));
	r->seq = seq;
	r->ncpus = ncpus;
	r->ticks = timer_ticks();
	for (i = 0; i < ncpus; i++)
		r->counts[i] = counts[i];
	r->checksum = fnv1a(r, offsetof(struct snap_record, checksum));
}

static void print_record(const struct snap_record *r)
{
	char list[MAX_CPUS * 22];
	size_t off = 0;
	unsigned int i;

	list[0] = '\0';
	for (i = 0; i < r->ncpus; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, " %lu",
					r->counts[i]);
	note("snap record %u ticks %lu counts%s", r->seq, r->ticks, list);
}

/* What counts_ok() keeps of the records so far. */
struct progress {
	struct snap_record last;
	uint32_t ticks_grew; /* seq of the last record whose ticks grew */
	uint64_t count_grew[MAX_CPUS]; /* ticks when each count last grew */
};

/*
 * cur after the records in p: no count and no tick count goes back; the
 * tick count grows over every WINDOW records (the timer is not stuck) and
 * every CPU's count within STALL_TICKS ticks (no vCPU is stuck). Time,
 * not records: a loaded host (sanitizers, a nested host on one CPU) may
 * leave one vCPU thread unscheduled while the others write many records.
 */
static bool counts_ok(struct progress *p, const struct snap_record *cur)
{
	const struct snap_record *last = &p->last;
	unsigned int i;

	if (cur->seq == 0) {
		p->ticks_grew = 0;
		for (i = 0; i < cur->ncpus; i++)
			p->count_grew[i] = cur->ticks;
		memcpy(&p->last, cur, sizeof(*cur));
		return true;
	}
	for (i = 0; i < cur->ncpus; i++) {
		if (!check(cur->counts[i] >= last->counts[i],
			   "record %u: CPU %u count %lu, record %u had %lu",
			   cur->seq, i, cur->counts[i], last->seq,
			   last->counts[i]))
			return false;
		if (cur->counts[i] > last->counts[i])
			p->count_grew[i] = cur->ticks;
		if (!check(cur->ticks - p->count_grew[i] < STALL_TICKS,
			   "record %u: CPU %u count %lu has not grown for %lu "
			   "ticks",
			   cur->seq, i, cur->counts[i],
			   cur->ticks - p->count_grew[i]))
			return false;
	}
	if (!check(cur->ticks >= last->ticks,
		   "record %u: ticks %lu, record %u had %lu", cur->seq,
		   cur->ticks, last->seq, last->ticks))
		return false;
	if (cur->ticks > last->ticks)
		p->ticks_grew = cur->seq;
	if (!check(cur->seq - p->ticks_grew < WINDOW,
		   "record %u: ticks %lu, the same since record %u", cur->seq,
		   cur->ticks, p->ticks_grew))
		return false;
	memcpy(&p->last, cur, sizeof(*cur));
	return true;
}

static bool record_ok(const struct snap_record *r, uint32_t seq,
		      unsigned int ncpus)
{
	return check(!memcmp(r->magic, RECORD_MAGIC, sizeof(r->magic)) &&
			     r->seq == seq && r->ncpus == ncpus &&
			     r->checksum ==
				     fnv1a(r, offsetof(struct snap_record,
						       checksum)),
		     "record %u on disk is damaged (seq %u)", seq, r->seq);
}

/* Reads every record back: all there, in order, counts never shrinking. */
static void verify_records(struct virtio_blk *b, uint64_t first, uint32_t n,
			   unsigned int ncpus)
{
	struct progress *p = alloc(sizeof(*p), 8);
	struct snap_record *cur = alloc(SECTOR_SIZE, 512);
	struct blk_req *req = alloc(sizeof(*req), 16);
	uint32_t seq;
	int status;

	for (seq = 0; seq < n; seq++) {
		status = sector_io(b, req, VIRTIO_BLK_T_IN, first + seq, cur);
		if (!check(status == VIRTIO_BLK_S_OK,
			   "read of record %u: status %d", seq, status) ||
		    !record_ok(cur, seq, ncpus) || !counts_ok(p, cur))
			return;
	}
}

static void write_records(struct virtio_blk *b, uint64_t first, uint32_t n,
			  unsigned int ncpus)
{
	uint64_t wait = param_u64("snap_ticks", 2);
	struct progress *p = alloc(sizeof(*p), 8);
	struct snap_record *cur = alloc(SECTOR_SIZE, 512);
	struct blk_req *req = alloc(sizeof(*req), 16);
	uint32_t seq;
	int status;

	for (seq = 0; seq < n; seq++) {
		if (!check(wait_ticks(timer_ticks() + wait),
			   "record %u: no timer tick for %llu us", seq,
			   TICK_LIMIT_US))
			return;
		fill_record(cur, seq, ncpus);
		status = sector_io(b, req, VIRTIO_BLK_T_OUT, first + seq, cur);
		if (!check(status == VIRTIO_BLK_S_OK,
			   "write of record %u: status %d", seq, status))
			return;
		print_record(cur);
		if (!counts_ok(p, cur))
			return;
	}
}

void test_snapshot_workload(void)
{
	uint64_t n = param_u64("snap_records", 200);
	uint64_t first = param_u64("snap_sector", 0);
	struct cpu *aps[MAX_CPUS];
	struct virtio_blk b;
	unsigned int naps;

	if (!blk_open_selected(&b))
		return;
	if (!check(virtio_blk_use_interrupts(&b, VECTOR_DEVICE_BASE),
		   "GSI %u: no I/O APIC input", b.mmio.desc->gsi) ||
	    !check(!b.read_only && n && n <= UINT32_MAX &&
			   first + n <= b.capacity,
		   "snap_records=%lu at snap_sector=%lu: does not fit %lu "
		   "sectors",
		   n, first, b.capacity))
		goto out;
	naps = start_counters(aps);
	note("snap start: %lu records, %u CPUs counting", n, naps + 1);
	write_records(&b, first, (uint32_t)n, naps + 1);
	stop_counters(aps, naps);
	verify_records(&b, first, (uint32_t)n, naps + 1);
	note("snap done: %u interrupts", b.mmio.irqs);
out:
	virtio_blk_close(&b);
}
