// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hostile scenarios' shared helpers (hostile.h). Set-up follows virtio
 * 1.2, 3.1.1 through the guest's driver; the raw ring helpers write the
 * split-virtqueue structures of 2.7 directly, with the driver's barriers
 * (descriptors, then the ring entry, then avail->idx).
 */
#include <stdarg.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "alloc.h"
#include "cmdline.h"
#include "hostile.h"
#include "io.h"
#include "platform.h"
#include "print.h"
#include "runner.h"
#include "smp.h"
#include "string.h"
#include "tsc.h"
#include "virtio_rng.h"

#define BIT(n) (1ull << (n))
/* Away from the patterned first sectors test_hostile.py may write. */
#define RECOVER_SECTOR 1024

uint64_t hostile_deadline_ms(uint64_t ms)
{
	return rdtsc() + ns_to_tsc(ms * 1000000);
}

bool hostile_expired(uint64_t deadline)
{
	return (int64_t)(rdtsc() - deadline) > 0;
}

uint32_t hostile_reg_read(const struct virtio_blk *b, uint32_t offset)
{
	return mmio_read32(b->mmio.base + offset);
}

void hostile_reg_write(const struct virtio_blk *b, uint32_t offset,
		       uint32_t value)
{
	mmio_write32(b->mmio.base + offset, value);
}

static void reg_write64(const struct virtio_blk *b, uint32_t low_offset,
			uint64_t value)
{
	hostile_reg_write(b, low_offset, (uint32_t)value);
	hostile_reg_write(b, low_offset + 4, (uint32_t)(value >> 32));
}

void hostile_ring_regs(const struct virtio_blk *b, uint64_t desc,
		       uint64_t avail, uint64_t used)
{
	reg_write64(b, VIRTIO_MMIO_QUEUE_DESC_LOW, desc);
	reg_write64(b, VIRTIO_MMIO_QUEUE_AVAIL_LOW, avail);
	reg_write64(b, VIRTIO_MMIO_QUEUE_USED_LOW, used);
}

/* One mov of exactly @width bytes: the compiler may not split or merge. */
uint64_t hostile_mmio_read(uint64_t addr, unsigned int width)
{
	uint64_t v = 0;

	switch (width) {
	case 1:
		asm volatile("movzbq (%1), %0"
			     : "=r"(v)
			     : "r"(addr)
			     : "memory");
		break;
	case 2:
		asm volatile("movzwq (%1), %0"
			     : "=r"(v)
			     : "r"(addr)
			     : "memory");
		break;
	case 4:
		asm volatile("movl (%1), %k0" : "=r"(v) : "r"(addr) : "memory");
		break;
	default:
		asm volatile("movq (%1), %0" : "=r"(v) : "r"(addr) : "memory");
		break;
	}
	return v;
}

void hostile_mmio_write(uint64_t addr, unsigned int width, uint64_t value)
{
	switch (width) {
	case 1:
		asm volatile("movb %b0, (%1)"
			     :
			     : "r"(value), "r"(addr)
			     : "memory");
		break;
	case 2:
		asm volatile("movw %w0, (%1)"
			     :
			     : "r"(value), "r"(addr)
			     : "memory");
		break;
	case 4:
		asm volatile("movl %k0, (%1)"
			     :
			     : "r"(value), "r"(addr)
			     : "memory");
		break;
	default:
		asm volatile("movq %0, (%1)"
			     :
			     : "r"(value), "r"(addr)
			     : "memory");
		break;
	}
}

uint32_t hostile_pio_read(uint16_t port, unsigned int width)
{
	uint32_t v = 0;

	switch (width) {
	case 1:
		asm volatile("inb %w1, %b0" : "+a"(v) : "Nd"(port));
		break;
	case 2:
		asm volatile("inw %w1, %w0" : "+a"(v) : "Nd"(port));
		break;
	default:
		asm volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
		break;
	}
	return v;
}

void hostile_pio_write(uint16_t port, unsigned int width, uint32_t value)
{
	switch (width) {
	case 1:
		outb(port, (uint8_t)value);
		break;
	case 2:
		outw(port, (uint16_t)value);
		break;
	default:
		outl(port, value);
		break;
	}
}

/* Device @device_id number blk=N, rng=N or net=N (default 0), by ID. */
static const struct mmio_device *selected_device(uint32_t device_id)
{
	const char *key = device_id == VIRTIO_ID_ENTROPY ? "rng" :
			  device_id == VIRTIO_ID_NET	 ? "net" :
							   "blk";
	uint64_t n = param_u64(key, 0);
	const struct mmio_device *d =
		virtio_mmio_find(device_id, (unsigned int)n);

	check(d, "no modern virtio device %u (%s=%lu)", device_id, key, n);
	return d;
}

/* Probe @d, then reset, ACKNOWLEDGE, DRIVER, @features and VERSION_1. */
static bool negotiate(struct virtio_mmio *m, const struct mmio_device *d,
		      uint64_t features)
{
	const char *why = "";
	bool ok;

	/* why is set by the calls: call first, then report. */
	ok = virtio_mmio_probe(m, d, &why) &&
	     virtio_mmio_negotiate(m, features | BIT(VIRTIO_F_VERSION_1),
				   BIT(VIRTIO_F_VERSION_1), &why);
	return check(ok, "virtio device at 0x%lx: %s", d->base, why);
}

bool hostile_negotiate(struct virtio_blk *b, uint64_t features)
{
	const struct mmio_device *d = selected_device(VIRTIO_ID_BLOCK);

	if (!d)
		return false;
	*b = (struct virtio_blk){ 0 };
	if (!negotiate(&b->mmio, d, features))
		return false;
	b->capacity = virtio_mmio_config_read(
		&b->mmio, offsetof(struct virtio_blk_config, capacity), 8);
	return true;
}

static bool setup_queue(struct virtio_mmio *m, unsigned int q, struct virtq *vq)
{
	const char *why = "";
	bool ok = virtio_mmio_setup_queue(m, q, vq, &why);

	return check(ok, "queue %u: %s", q, why);
}

static bool start_queue(struct virtio_mmio *m, struct virtq *vq)
{
	if (!setup_queue(m, 0, vq))
		return false;
	virtio_mmio_driver_ok(m);
	return true;
}

/* Queue @q on fresh rings of HOSTILE_QUEUE_SIZE, polled. */
static bool fresh_rings(struct virtio_mmio *m, unsigned int q, struct virtq *vq)
{
	if (!check(virtq_init(vq, HOSTILE_QUEUE_SIZE, false),
		   "no memory for the rings"))
		return false;
	/* Polled: no used-buffer interrupts. */
	virtq_disable_interrupts(vq);
	return setup_queue(m, q, vq);
}

/* Queue 0 on fresh rings of HOSTILE_QUEUE_SIZE, then DRIVER_OK. */
static bool fresh_queue(struct virtio_mmio *m, struct virtq *vq)
{
	if (!fresh_rings(m, 0, vq))
		return false;
	virtio_mmio_driver_ok(m);
	return true;
}

/* After negotiate(): false (the scenario skips) unless the device
 * offers all of @features. */
static bool offers(struct virtio_mmio *m, uint64_t features)
{
	if ((m->features & features) == features)
		return true;
	skip("device does not offer features 0x%lx", features & ~m->features);
	virtio_mmio_reset(m);
	return false;
}

bool hostile_open(struct virtio_blk *b, uint64_t features)
{
	return hostile_negotiate(b, features) && offers(&b->mmio, features) &&
	       fresh_queue(&b->mmio, &b->vq);
}

bool hostile_restart(struct virtio_blk *b)
{
	struct virtq vq = b->vq;

	if (!hostile_negotiate(b, b->mmio.features))
		return false;
	memset(vq.desc, 0, sizeof(*vq.desc) * vq.size);
	memset(vq.avail, 0, 6 + 2u * vq.size);
	memset(vq.used, 0, 6 + sizeof(struct vring_used_elem) * vq.size);
	vq.avail_idx = vq.kicked_idx = vq.last_used_idx = 0;
	vq.broken = false;
	b->vq = vq;
	virtq_disable_interrupts(&b->vq);
	return start_queue(&b->mmio, &b->vq);
}

struct hostile_req *hostile_req(uint32_t type, uint64_t sector)
{
	struct hostile_req *r = alloc(sizeof(*r), 4096);

	if (!r)
		return NULL;
	r->hdr.type = type;
	r->hdr.sector = sector;
	r->status = 0xff;
	return r;
}

static void vq_desc(struct virtq *vq, uint16_t i, uint64_t addr, uint32_t len,
		    uint16_t flags, uint16_t next)
{
	struct vring_desc *d = &vq->desc[i];

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

static void vq_post(struct virtio_mmio *m, struct virtq *vq, unsigned int q,
		    uint16_t head)
{
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	vq->avail_idx++;
	virtq_publish(vq);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	virtio_mmio_notify(m, q);
}

/*
 * Waits for the next used entry: HOSTILE_USED (its length in *used_len,
 * may be NULL), HOSTILE_NEEDS_RESET or HOSTILE_SILENT.
 */
static int vq_wait(struct virtio_mmio *m, struct virtq *vq, uint32_t *used_len)
{
	uint64_t end = hostile_deadline_ms(HOSTILE_WAIT_MS);

	for (;;) {
		if (virtq_has_used(vq)) {
			if (used_len)
				*used_len = vq->used->ring[vq->last_used_idx &
							   (vq->size - 1)]
						    .len;
			vq->last_used_idx++;
			return HOSTILE_USED;
		}
		if (virtio_mmio_status(m) & VIRTIO_CONFIG_S_NEEDS_RESET)
			return HOSTILE_NEEDS_RESET;
		if (hostile_expired(end))
			return HOSTILE_SILENT;
		cpu_relax();
	}
}

void hostile_desc(struct virtio_blk *b, uint16_t i, uint64_t addr, uint32_t len,
		  uint16_t flags, uint16_t next)
{
	vq_desc(&b->vq, i, addr, len, flags, next);
}

void hostile_post(struct virtio_blk *b, uint16_t head)
{
	vq_post(&b->mmio, &b->vq, 0, head);
}

void hostile_chain(struct virtio_blk *b, const struct hostile_seg *segs,
		   unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		hostile_desc(b, (uint16_t)i, segs[i].addr, segs[i].len,
			     (uint16_t)(segs[i].flags |
					(i + 1 < n ? VRING_DESC_F_NEXT : 0)),
			     (uint16_t)(i + 1 < n ? i + 1 : 0));
	hostile_post(b, 0);
}

void hostile_post_read(struct virtio_blk *b, struct hostile_req *r,
		       uint64_t addr, uint32_t len)
{
	const struct hostile_seg segs[] = {
		{ (uint64_t)&r->hdr, sizeof(r->hdr), 0 },
		{ addr, len, VRING_DESC_F_WRITE },
		{ (uint64_t)&r->status, 1, VRING_DESC_F_WRITE },
	};

	hostile_chain(b, segs, 3);
}

int hostile_request(struct virtio_blk *b, struct hostile_req *r, uint32_t type,
		    uint64_t sector, uint32_t len, uint32_t *used_len)
{
	uint16_t data_flags = type == VIRTIO_BLK_T_OUT ? 0 : VRING_DESC_F_WRITE;
	struct hostile_seg segs[] = {
		{ (uint64_t)&r->hdr, sizeof(r->hdr), 0 },
		{ (uint64_t)r->data, len, data_flags },
		{ (uint64_t)&r->status, 1, VRING_DESC_F_WRITE },
	};

	r->hdr.type = type;
	r->hdr.sector = sector;
	r->status = 0xff;
	if (len) {
		hostile_chain(b, segs, 3);
	} else {
		segs[1] = segs[2];
		hostile_chain(b, segs, 2);
	}
	return hostile_wait(b, r, used_len);
}

int hostile_wait(struct virtio_blk *b, const struct hostile_req *r,
		 uint32_t *used_len)
{
	int result = vq_wait(&b->mmio, &b->vq, used_len);

	if (result != HOSTILE_USED)
		return result;
	return __atomic_load_n(&r->status, __ATOMIC_ACQUIRE);
}

const char *hostile_result_name(int result)
{
	static char other[24];

	switch (result) {
	case VIRTIO_BLK_S_OK:
		return "ok";
	case VIRTIO_BLK_S_IOERR:
		return "ioerr";
	case VIRTIO_BLK_S_UNSUPP:
		return "unsupp";
	case HOSTILE_NEEDS_RESET:
		return "needs-reset";
	case HOSTILE_SILENT:
		return "silent";
	default:
		snprintf(other, sizeof(other), "status-0x%x", result);
		return other;
	}
}

void hostile_outcome(const char *fmt, ...)
{
	char word[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(word, sizeof(word), fmt, ap);
	va_end(ap);
	note("outcome: %s", word);
}

bool hostile_refused(int result, const char *attack)
{
	hostile_outcome("%s", hostile_result_name(result));
	return check(result == VIRTIO_BLK_S_IOERR ||
			     result == VIRTIO_BLK_S_UNSUPP ||
			     result == HOSTILE_NEEDS_RESET,
		     "%s: the device answered %s", attack,
		     hostile_result_name(result));
}

bool hostile_recover(struct virtio_blk *b)
{
	const struct mmio_device *d = b->mmio.desc;
	struct virtio_blk fresh;
	const char *why = "";
	void *buf;
	int w, r;

	if (!check(virtio_mmio_reset(&b->mmio),
		   "after the attack: reset does not read back 0"))
		return false;
	buf = alloc(HOSTILE_DATA_SIZE, 4096);
	/* why is set by the call: call first, then report. */
	if (!check(buf && virtio_blk_open(&fresh, d, HOSTILE_QUEUE_SIZE, &why),
		   "after the attack: cannot set the device up again: %s", why))
		return false;
	memset(buf, 0x5a, HOSTILE_DATA_SIZE);
	w = virtio_blk_rw(&fresh, VIRTIO_BLK_T_OUT, RECOVER_SECTOR, buf,
			  HOSTILE_DATA_SIZE);
	r = virtio_blk_rw(&fresh, VIRTIO_BLK_T_IN, RECOVER_SECTOR, buf,
			  HOSTILE_DATA_SIZE);
	check(w == VIRTIO_BLK_S_OK && r == VIRTIO_BLK_S_OK,
	      "after the attack: write %s, read %s", hostile_result_name(w),
	      hostile_result_name(r));
	virtio_blk_close(&fresh);
	return w == VIRTIO_BLK_S_OK && r == VIRTIO_BLK_S_OK;
}

void hostile_round(uint64_t features, hostile_post_fn *post, uint64_t arg,
		   const char *what)
{
	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, 0);
	struct virtio_blk b;

	if (!r || !hostile_open(&b, features))
		return;
	post(&b, r, arg);
	hostile_refused(hostile_wait(&b, r, NULL), what);
	hostile_recover(&b);
}

bool hostile_still_works(struct virtio_blk *b)
{
	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, RECOVER_SECTOR);
	int result = HOSTILE_SILENT;

	if (r) {
		hostile_post_read(b, r, (uint64_t)r->data, HOSTILE_DATA_SIZE);
		result = hostile_wait(b, r, NULL);
	}
	return check(result == VIRTIO_BLK_S_OK,
		     "the live queue no longer serves: a read gave %s",
		     hostile_result_name(result));
}

static uint64_t hostile_latency_ms(void)
{
	return param_u64("latency_ms", 200);
}

/*
 * True (with the outcome "late") when this vCPU was held up so long since
 * the post that the read may be done before the attack that follows.
 */
static bool in_flight_late(uint64_t posted)
{
	uint64_t ms = tsc_to_ns(rdtsc() - posted) / 1000000;

	/* Half the latency leaves the few instructions up to the attack's
	 * register write a wide margin. */
	if (ms < hostile_latency_ms() / 2)
		return false;
	note("%lu ms since the read was posted (latency %lu ms): this vCPU "
	     "was held up, the read may already be done",
	     ms, hostile_latency_ms());
	hostile_outcome("late");
	return true;
}

struct hostile_req *hostile_in_flight(struct virtio_blk *b)
{
	struct hostile_req *r = hostile_req(VIRTIO_BLK_T_IN, 0);
	uint64_t posted;

	if (!check(r, "no memory"))
		return NULL;
	memset(r->data, 0xa5, HOSTILE_DATA_SIZE);
	posted = rdtsc();
	hostile_post_read(b, r, (uint64_t)r->data, HOSTILE_DATA_SIZE);
	udelay(hostile_latency_ms() * 1000 / 4);
	if (in_flight_late(posted)) {
		hostile_recover(b);
		return NULL;
	}
	return r;
}

static uint64_t checksum(const uint8_t *p, size_t n)
{
	uint64_t sum = 0;

	while (n--)
		sum = sum * 31 + *p++;
	return sum;
}

bool hostile_quiet(struct virtio_blk *b, const struct hostile_req *r)
{
	uint16_t used = __atomic_load_n(&b->vq.used->idx, __ATOMIC_ACQUIRE);
	uint8_t status = r->status;
	uint64_t sum = checksum(r->data, HOSTILE_DATA_SIZE);
	bool quiet;

	udelay(hostile_latency_ms() * 2000);
	quiet = used == __atomic_load_n(&b->vq.used->idx, __ATOMIC_ACQUIRE) &&
		status == r->status &&
		sum == checksum(r->data, HOSTILE_DATA_SIZE);
	note("the in-flight read %s", used != b->vq.last_used_idx ?
					      "completed before the change" :
					      "never completed");
	b->vq.last_used_idx = used;
	return quiet;
}

struct cpu *hostile_ap_start(void)
{
	const struct madt_info *m = &platform.madt;
	struct cpu *cpu;
	unsigned int i;

	for (i = 0; platform.have_madt && i < m->ncpus && i < MAX_CPUS; i++) {
		if (m->apic_ids[i] == platform.bsp_apic_id)
			continue;
		cpu = smp_start(1, m->apic_ids[i]);
		check(cpu, "CPU with APIC ID %u did not start", m->apic_ids[i]);
		return cpu;
	}
	skip("needs two CPUs (--cpus 2, -smp 2)");
	return NULL;
}

/* smp_call() without the wait: the BSP attacks while the AP runs. */
void hostile_ap_post(struct cpu *cpu, void (*fn)(void *arg), void *arg)
{
	cpu->work_fn = fn;
	cpu->work_arg = arg;
	__atomic_store_n(&cpu->work_seq, cpu->work_seq + 1, __ATOMIC_RELEASE);
}

bool hostile_ap_wait(struct cpu *cpu, uint64_t ms)
{
	uint64_t end = hostile_deadline_ms(ms);

	while (__atomic_load_n(&cpu->work_done, __ATOMIC_ACQUIRE) !=
	       cpu->work_seq) {
		if (hostile_expired(end))
			return false;
		cpu_relax();
	}
	return true;
}

uint64_t hostile_ram_end(void)
{
	return param_u64("ram_size", 256ull << 20);
}

uint64_t hostile_flood(const char *name, uint64_t ms, void (*turn)(void *),
		       void *arg)
{
	uint64_t start, end;

	note("%s: flooding for %lu ms", name, ms);
	start = rdtsc();
	end = hostile_deadline_ms(ms);
	while (!hostile_expired(end))
		turn(arg);
	return tsc_to_ns(rdtsc() - start) / 1000000;
}

/* ---- the entropy device ------------------------------------------------ */

bool hostile_rng_open(struct virtio_rng *r)
{
	const struct mmio_device *d = selected_device(VIRTIO_ID_ENTROPY);

	if (!d)
		return false;
	*r = (struct virtio_rng){ 0 };
	return negotiate(&r->mmio, d, 0) && fresh_queue(&r->mmio, &r->vq);
}

void hostile_rng_desc(struct virtio_rng *r, uint16_t i, uint64_t addr,
		      uint32_t len, uint16_t flags, uint16_t next)
{
	vq_desc(&r->vq, i, addr, len, flags, next);
}

void hostile_rng_post(struct virtio_rng *r, uint16_t head)
{
	vq_post(&r->mmio, &r->vq, 0, head);
}

int hostile_rng_wait(struct virtio_rng *r, uint32_t *used_len)
{
	return vq_wait(&r->mmio, &r->vq, used_len);
}

const char *hostile_rng_result_name(int result, uint32_t used_len)
{
	if (result == HOSTILE_USED)
		return used_len ? "filled" : "empty";
	return hostile_result_name(result);
}

bool hostile_rng_recover(struct virtio_rng *r)
{
	const struct mmio_device *d = r->mmio.desc;
	struct virtio_rng fresh;
	const char *why = "";
	uint8_t *buf;
	int64_t n;

	if (!check(virtio_mmio_reset(&r->mmio),
		   "after the attack: reset does not read back 0"))
		return false;
	buf = alloc(HOSTILE_RNG_READ, 64);
	/* why is set by the call: call first, then report. */
	if (!check(buf && virtio_rng_open(&fresh, d, HOSTILE_QUEUE_SIZE, &why),
		   "after the attack: cannot set the device up again: %s", why))
		return false;
	n = virtio_rng_read(&fresh, buf, HOSTILE_RNG_READ);
	check(n > 0 && n <= HOSTILE_RNG_READ,
	      "after the attack: a read of %u bytes gave used length %ld",
	      HOSTILE_RNG_READ, n);
	virtio_rng_close(&fresh);
	return n > 0 && n <= HOSTILE_RNG_READ;
}

/* ---- the network device ------------------------------------------------ */

bool hostile_net_setup(struct virtio_net *n, uint64_t features)
{
	const struct mmio_device *d = selected_device(VIRTIO_ID_NET);

	*n = (struct virtio_net){ 0 };
	return d && negotiate(&n->mmio, d, features) &&
	       offers(&n->mmio, features) &&
	       fresh_rings(&n->mmio, HOSTILE_NET_RX, &n->rx) &&
	       fresh_rings(&n->mmio, HOSTILE_NET_TX, &n->tx);
}

bool hostile_net_open(struct virtio_net *n, uint64_t features)
{
	if (!hostile_net_setup(n, features))
		return false;
	virtio_mmio_driver_ok(&n->mmio);
	return true;
}

static struct virtq *net_vq(struct virtio_net *n, unsigned int q)
{
	return q == HOSTILE_NET_TX ? &n->tx : &n->rx;
}

void hostile_net_desc(struct virtio_net *n, unsigned int q, uint16_t i,
		      uint64_t addr, uint32_t len, uint16_t flags,
		      uint16_t next)
{
	vq_desc(net_vq(n, q), i, addr, len, flags, next);
}

void hostile_net_post(struct virtio_net *n, unsigned int q, uint16_t head)
{
	vq_post(&n->mmio, net_vq(n, q), q, head);
}

int hostile_net_wait(struct virtio_net *n, unsigned int q, uint32_t *used_len)
{
	return vq_wait(&n->mmio, net_vq(n, q), used_len);
}

void hostile_net_frame(uint8_t *buf, uint32_t len, const char *tag,
		       uint8_t seed)
{
	static const uint8_t src[6] = { 0x02, 0x76, 0x67, 0x00, 0x00, 0x01 };
	uint8_t *f = buf + NET_HDR_LEN;
	uint32_t i;

	memset(buf, 0, NET_HDR_LEN);
	memset(f, 0xff, len < 6 ? len : 6);
	for (i = 6; i < len && i < 12; i++)
		f[i] = src[i - 6];
	if (len > 12)
		f[12] = HOSTILE_NET_ETHERTYPE >> 8;
	if (len > 13)
		f[13] = HOSTILE_NET_ETHERTYPE & 0xff;
	for (i = 14; i < len && i < 18; i++)
		f[i] = (uint8_t)tag[i - 14];
	for (i = 18; i < len; i++)
		f[i] = (uint8_t)((i - 18) * 7 + seed);
}

uint8_t *hostile_net_open_tx(struct virtio_net *n, uint32_t len,
			     const char *tag, uint8_t seed)
{
	uint8_t *p = alloc(NET_HDR_LEN + len, 64);

	if (!check(p, "no memory") || !hostile_net_open(n, 0))
		return NULL;
	hostile_net_frame(p, len, tag, seed);
	return p;
}

int hostile_net_outcome(int result, uint32_t used_len, const char *what)
{
	hostile_outcome("%s", hostile_rng_result_name(result, used_len));
	check(result != HOSTILE_SILENT, "%s: the device never answered", what);
	return result;
}

int hostile_net_send(struct virtio_net *n, uint16_t i, const uint8_t *buf,
		     uint32_t len, uint32_t *used_len)
{
	hostile_net_desc(n, HOSTILE_NET_TX, i, (uint64_t)buf, len, 0, 0);
	hostile_net_post(n, HOSTILE_NET_TX, i);
	return hostile_net_wait(n, HOSTILE_NET_TX, used_len);
}

int hostile_net_rx_round(struct virtio_net *n, uint32_t *used_len)
{
	uint8_t *echo = alloc(NET_HDR_LEN + HOSTILE_NET_FRAME, 64);
	int result = HOSTILE_SILENT;
	unsigned int tries;

	if (!check(echo, "no memory"))
		return result;
	hostile_net_post(n, HOSTILE_NET_RX, 0);
	hostile_net_frame(echo, HOSTILE_NET_FRAME, "echo", 0);
	hostile_net_send(n, 0, echo, NET_HDR_LEN + HOSTILE_NET_FRAME, NULL);
	/* The frame goes round through the host's peer: a few waits. */
	for (tries = 0; tries < 3 && result == HOSTILE_SILENT; tries++)
		result = hostile_net_wait(n, HOSTILE_NET_RX, used_len);
	return result;
}

static bool is_echo(const struct net_frame *f)
{
	return f->len >= 18 && memcmp(f->data + 14, "echo", 4) == 0;
}

/* An echo frame back within @ms; other frames are given back. */
static bool echo_back(struct virtio_net *n, uint64_t ms, const char **why)
{
	uint64_t end = hostile_deadline_ms(ms);
	struct net_frame f;
	enum net_rx got;
	bool ok;

	while (!hostile_expired(end)) {
		got = virtio_net_receive(n, &f, 100000, why);
		if (got == NET_RX_BAD)
			return false;
		if (got != NET_RX_FRAME)
			continue;
		ok = is_echo(&f);
		virtio_net_recycle(n, &f);
		if (ok)
			return true;
	}
	*why = "no echo frame came back";
	return false;
}

bool hostile_net_recover(struct virtio_net *n)
{
	const struct mmio_device *d = n->mmio.desc;
	uint8_t *buf = alloc(NET_HDR_LEN + HOSTILE_NET_FRAME, 64);
	struct virtio_net fresh;
	const char *why = "";
	bool ok;

	if (!check(virtio_mmio_reset(&n->mmio),
		   "after the attack: reset does not read back 0"))
		return false;
	/* why is set by the calls: call first, then report. */
	if (!check(buf && virtio_net_open(&fresh, d, &why),
		   "after the attack: cannot set the device up again: %s", why))
		return false;
	/* QEMU 7.2 writes num_buffers only with MRG_RXBUF: say so. */
	fresh.num_buffers_may_be_unwritten =
		param_is("net_num_buffers", "unwritten");
	hostile_net_frame(buf, HOSTILE_NET_FRAME, "echo", 0);
	ok = virtio_net_send(&fresh, buf + NET_HDR_LEN, HOSTILE_NET_FRAME,
			     &why) &&
	     echo_back(&fresh, 3000, &why);
	check(ok, "after the attack: %s", why);
	virtio_net_close(&fresh);
	return ok;
}
