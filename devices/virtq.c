// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueue, device side. See virtq.h for the discipline; each check
 * below names the risk it defends against.
 *
 * Ring layout (spec 2.7), offsets from each ring's base:
 *   descriptor table  num * 16 bytes: { le64 addr; le32 len; le16 flags;
 *                                       le16 next; }
 *   available ring    le16 flags, le16 idx, le16 ring[num], le16 used_event
 *   used ring         le16 flags, le16 idx, { le32 id; le32 len; } ring[num],
 *                     le16 avail_event
 */
#include "devices/virtq.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_ring.h>
#include <string.h>

#include "lib/log.h"

#define AVAIL_FLAGS_OFF 0u
#define AVAIL_IDX_OFF 2u
#define AVAIL_RING_OFF 4u
#define USED_IDX_OFF 2u
#define USED_RING_OFF 4u

/* Sizes of the three parts, event fields included (spec 2.7 table). */
static uint64_t desc_table_size(uint16_t num)
{
	return (uint64_t)VIRTQ_DESC_SIZE * num;
}

static uint64_t avail_ring_size(uint16_t num)
{
	return 6 + 2 * (uint64_t)num;
}

static uint64_t used_ring_size(uint16_t num)
{
	return 6 + (uint64_t)VIRTQ_USED_ELEM_SIZE * num;
}

/*
 * Addresses of ring fields. The rings were checked to lie inside RAM
 * (virtq_check_layout), so these sums cannot wrap; the gm_* calls that use
 * them check the range again anyway.
 */
static uint64_t avail_entry_gpa(const struct virtq *vq, uint16_t idx)
{
	return vq->avail + AVAIL_RING_OFF + 2 * (uint64_t)(idx % vq->num);
}

static uint64_t used_event_gpa(const struct virtq *vq)
{
	return vq->avail + AVAIL_RING_OFF + 2 * (uint64_t)vq->num;
}

static uint64_t used_entry_gpa(const struct virtq *vq, uint16_t idx)
{
	return vq->used + USED_RING_OFF +
	       VIRTQ_USED_ELEM_SIZE * (uint64_t)(idx % vq->num);
}

static uint64_t avail_event_gpa(const struct virtq *vq)
{
	return vq->used + USED_RING_OFF +
	       VIRTQ_USED_ELEM_SIZE * (uint64_t)vq->num;
}

static const char *vq_name(const struct virtq *vq)
{
	return vq->name ? vq->name : "virtq";
}

void virtq_reset(struct virtq *vq, uint16_t num_max)
{
	const char *name = vq->name;

	memset(vq, 0, sizeof(*vq));
	vq->name = name;
	vq->num = num_max;
}

const char *virtq_check_layout(const struct virtq *vq,
			       const struct guest_mem *gm)
{
	/*
	 * The ring index arithmetic (idx % num on free-running 16-bit
	 * indices) is only right for a power of two; the bound keeps every
	 * chain inside struct virtq_chain.
	 */
	if (vq->num == 0 || vq->num > VIRTQ_MAX_SIZE ||
	    (vq->num & (vq->num - 1)))
		return "queue size is not a power of two in 1..1024";
	if (vq->desc % VRING_DESC_ALIGN_SIZE)
		return "descriptor table not 16-byte aligned";
	if (vq->avail % VRING_AVAIL_ALIGN_SIZE)
		return "available ring not 2-byte aligned";
	if (vq->used % VRING_USED_ALIGN_SIZE)
		return "used ring not 4-byte aligned";
	/* Whole rings inside RAM: no ring access can then leave RAM. */
	if (!gm_range_valid(gm, vq->desc, desc_table_size(vq->num)))
		return "descriptor table outside guest RAM";
	if (!gm_range_valid(gm, vq->avail, avail_ring_size(vq->num)))
		return "available ring outside guest RAM";
	if (!gm_range_valid(gm, vq->used, used_ring_size(vq->num)))
		return "used ring outside guest RAM";
	return NULL;
}

void virtq_enable(struct virtq *vq, bool event_idx, bool indirect)
{
	vq->event_idx = event_idx;
	vq->indirect = indirect;
	vq->last_avail_idx = 0;
	vq->shadow_avail_idx = 0;
	vq->used_idx = 0;
	vq->signalled_used = 0;
	vq->signalled_used_valid = false;
	vq->ready = true;
}

/*
 * Read avail->idx once for this pass. With EVENT_IDX, first tell the driver
 * where we are (avail_event) and fence, so that either we see its next
 * idx update or it sees our avail_event and notifies us: no lost wake-up.
 */
static int read_avail_idx(struct virtq *vq, const struct guest_mem *gm)
{
	uint16_t idx;

	if (vq->event_idx) {
		if (!gm_store_u16_release(gm, avail_event_gpa(vq),
					  htole16(vq->last_avail_idx)))
			return -EFAULT;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	if (!gm_load_u16_acquire(gm, vq->avail + AVAIL_IDX_OFF, &idx))
		return -EFAULT;
	idx = le16toh(idx);
	/*
	 * The driver can have at most num chains outstanding. A bigger jump
	 * (or a decrement, which wraps to a big one) means a corrupt ring;
	 * walking it would consume entries the driver never filled.
	 */
	if ((uint16_t)(idx - vq->last_avail_idx) > vq->num) {
		guest_error(
			"%s: avail idx jumped from %u to %u (queue size %u)",
			vq_name(vq), vq->last_avail_idx, idx, vq->num);
		return -EOVERFLOW;
	}
	vq->shadow_avail_idx = idx;
	return 0;
}

bool virtq_avail_pending(const struct virtq *vq, const struct guest_mem *gm)
{
	uint16_t idx;

	if (!gm_load_u16_acquire(gm, vq->avail + AVAIL_IDX_OFF, &idx))
		return false;
	return le16toh(idx) != vq->last_avail_idx;
}

/* Copy descriptor i of the table at table_gpa: the only read of it. */
static int read_desc(const struct guest_mem *gm, uint64_t table_gpa, uint16_t i,
		     struct vring_desc *d)
{
	struct vring_desc raw;

	if (!gm_read(gm, table_gpa + (uint64_t)i * VIRTQ_DESC_SIZE, &raw,
		     sizeof(raw)))
		return -EFAULT;
	d->addr = le64toh(raw.addr);
	d->len = le32toh(raw.len);
	d->flags = le16toh(raw.flags);
	d->next = le16toh(raw.next);
	return 0;
}

/* Append one checked buffer to the chain; *total counts its bytes. */
static int add_buf(const struct virtq *vq, const struct guest_mem *gm,
		   struct virtq_chain *chain, const struct vring_desc *d,
		   uint64_t *total)
{
	bool writable = d->flags & VRING_DESC_F_WRITE;

	/* Bounds the copy array; the spec forbids chains longer than num. */
	if (chain->nr >= vq->num) {
		guest_error("%s: head %u: chain longer than queue size %u",
			    vq_name(vq), chain->head, vq->num);
		return -E2BIG;
	}
	/* QEMU refuses them too: nothing to transfer, only confusion. */
	if (d->len == 0) {
		guest_error("%s: head %u: buffer %u has length 0", vq_name(vq),
			    chain->head, chain->nr);
		return -EINVAL;
	}
	/* addr + len must neither wrap nor leave RAM (nor straddle a hole). */
	if (!gm_range_valid(gm, d->addr, d->len)) {
		guest_error("%s: head %u: buffer 0x%llx+0x%x outside guest RAM",
			    vq_name(vq), chain->head,
			    (unsigned long long)d->addr, d->len);
		return -EFAULT;
	}
	/* Readable before writable (spec 2.7.4.2): devices split on it. */
	if (!writable && chain->nr &&
	    chain->buf[chain->nr - 1].device_writable) {
		guest_error("%s: head %u: device-readable buffer %u after a "
			    "device-writable one",
			    vq_name(vq), chain->head, chain->nr);
		return -EINVAL;
	}
	/* Spec 2.7.5: at most 2^32 bytes; the used length is 32-bit. */
	*total += d->len;
	if (*total > UINT32_MAX) {
		guest_error("%s: head %u: chain longer than 4 GiB", vq_name(vq),
			    chain->head);
		return -E2BIG;
	}
	chain->buf[chain->nr++] = (struct virtq_buf){
		.gpa = d->addr,
		.len = d->len,
		.device_writable = writable,
	};
	return 0;
}

static int walk_table(const struct virtq *vq, const struct guest_mem *gm,
		      struct virtq_chain *chain, uint64_t table_gpa,
		      uint16_t size, uint16_t first, bool in_indirect,
		      uint64_t *total);

/* The descriptor d points at an indirect table: check it, then walk it. */
static int walk_indirect(const struct virtq *vq, const struct guest_mem *gm,
			 struct virtq_chain *chain, const struct vring_desc *d,
			 bool in_indirect, uint64_t *total)
{
	const char *why = NULL;

	if (!vq->indirect)
		why = "indirect descriptor without VIRTIO_RING_F_INDIRECT_DESC";
	else if (in_indirect) /* spec: one level only; no recursion for us */
		why = "indirect descriptor inside an indirect table";
	else if (d->flags & VRING_DESC_F_NEXT) /* spec 2.7.5.3.1 */
		why = "indirect descriptor with VRING_DESC_F_NEXT";
	else if (d->len == 0 || d->len % VIRTQ_DESC_SIZE)
		why = "indirect table length not a non-zero multiple of 16";
	else if (d->addr % VIRTQ_INDIRECT_ALIGN)
		why = "indirect table misaligned";
	if (why) {
		guest_error("%s: head %u: %s (addr 0x%llx len 0x%x flags 0x%x)",
			    vq_name(vq), chain->head, why,
			    (unsigned long long)d->addr, d->len, d->flags);
		return -EINVAL;
	}
	/* A table longer than the queue would make a chain longer too. */
	if (d->len / VIRTQ_DESC_SIZE > vq->num) {
		guest_error("%s: head %u: indirect table of %u descriptors, "
			    "queue size %u",
			    vq_name(vq), chain->head, d->len / VIRTQ_DESC_SIZE,
			    vq->num);
		return -E2BIG;
	}
	if (!gm_range_valid(gm, d->addr, d->len)) {
		guest_error(
			"%s: head %u: indirect table 0x%llx+0x%x outside guest RAM",
			vq_name(vq), chain->head, (unsigned long long)d->addr,
			d->len);
		return -EFAULT;
	}
	return walk_table(vq, gm, chain, d->addr,
			  (uint16_t)(d->len / VIRTQ_DESC_SIZE), 0, true, total);
}

/*
 * Follow a chain through a table of size descriptors from index first.
 * Each descriptor is copied once and only the copy is used; the walk takes
 * at most size steps, so a loop ends it instead of spinning forever.
 */
static int walk_table(const struct virtq *vq, const struct guest_mem *gm,
		      struct virtq_chain *chain, uint64_t table_gpa,
		      uint16_t size, uint16_t first, bool in_indirect,
		      uint64_t *total)
{
	uint16_t i = first;

	for (unsigned int steps = 0;; steps++) {
		struct vring_desc d;
		int ret;

		/* size steps visit size descriptors; one more is a repeat. */
		if (steps == size) {
			guest_error("%s: head %u: descriptor loop%s",
				    vq_name(vq), chain->head,
				    in_indirect ? " in indirect table" : "");
			return -ELOOP;
		}
		ret = read_desc(gm, table_gpa, i, &d);
		if (ret < 0)
			return ret;
		/* An indirect descriptor is the last of its chain. */
		if (d.flags & VRING_DESC_F_INDIRECT)
			return walk_indirect(vq, gm, chain, &d, in_indirect,
					     total);
		ret = add_buf(vq, gm, chain, &d, total);
		if (ret < 0)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		/* next indexes this table: out of range reads past it. */
		if (d.next >= size) {
			guest_error(
				"%s: head %u: desc %u: next %u past table of %u",
				vq_name(vq), chain->head, i, d.next, size);
			return -ERANGE;
		}
		i = d.next;
	}
}

int virtq_pop_chain(struct virtq *vq, const struct guest_mem *gm,
		    struct virtq_chain *chain)
{
	uint64_t total = 0;
	uint16_t head;
	int ret;

	if (vq->last_avail_idx == vq->shadow_avail_idx) {
		ret = read_avail_idx(vq, gm);
		if (ret < 0)
			return ret;
		if (vq->last_avail_idx == vq->shadow_avail_idx)
			return 0;
	}
	/* The acquire load of avail->idx orders this read after it. */
	if (!gm_read(gm, avail_entry_gpa(vq, vq->last_avail_idx), &head,
		     sizeof(head)))
		return -EFAULT;
	head = le16toh(head);
	/* head indexes the descriptor table: bound it. */
	if (head >= vq->num) {
		guest_error("%s: avail entry %u: head %u past queue size %u",
			    vq_name(vq), vq->last_avail_idx, head, vq->num);
		return -ERANGE;
	}
	chain->head = head;
	chain->nr = 0;
	ret = walk_table(vq, gm, chain, vq->desc, vq->num, head, false, &total);
	if (ret < 0)
		return ret;
	vq->last_avail_idx++;
	return 1;
}

int virtq_push_used_n(struct virtq *vq, const struct guest_mem *gm,
		      const uint16_t *heads, const uint32_t *lens,
		      unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct vring_used_elem elem = {
			.id = htole32(heads[i]),
			.len = htole32(lens[i]),
		};
		uint16_t at = (uint16_t)(vq->used_idx + i);

		if (!gm_write(gm, used_entry_gpa(vq, at), &elem, sizeof(elem)))
			return -EFAULT;
	}
	vq->used_idx = (uint16_t)(vq->used_idx + n);
	/*
	 * Release: the elements and every byte written into the chains'
	 * buffers become visible to the driver before the new index does.
	 */
	if (!gm_store_u16_release(gm, vq->used + USED_IDX_OFF,
				  htole16(vq->used_idx)))
		return -EFAULT;
	return 0;
}

int virtq_push_used(struct virtq *vq, const struct guest_mem *gm, uint16_t head,
		    uint32_t len)
{
	return virtq_push_used_n(vq, gm, &head, &len, 1);
}

bool virtq_needs_interrupt(struct virtq *vq, const struct guest_mem *gm)
{
	uint16_t old = vq->signalled_used;
	bool old_valid = vq->signalled_used_valid;
	uint16_t val;

	/*
	 * Full barrier: our used->idx store must be visible before we read
	 * the driver's suppression fields, or we could read a stale "do not
	 * interrupt" while the driver reads a stale used->idx, and it sleeps.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx) {
		if (!gm_load_u16_acquire(gm, vq->avail + AVAIL_FLAGS_OFF, &val))
			return true;
		return !(le16toh(val) & VRING_AVAIL_F_NO_INTERRUPT);
	}
	vq->signalled_used = vq->used_idx;
	vq->signalled_used_valid = true;
	if (!old_valid)
		return true;
	if (!gm_load_u16_acquire(gm, used_event_gpa(vq), &val))
		return true;
	return vring_need_event(le16toh(val), vq->used_idx, old);
}

/* ---- byte ranges of a chain ---------------------------------------------- */

/*
 * Find byte off in buffers [*i, end): advance *i to the buffer that holds
 * it and return the offset inside that buffer, or the remainder when the
 * buffers end first (*i == end).
 */
static uint64_t chain_seek(const struct virtq_chain *chain, unsigned int *i,
			   unsigned int end, uint64_t off)
{
	while (*i < end && off >= chain->buf[*i].len)
		off -= chain->buf[(*i)++].len;
	return off;
}

/* One of to_host (read from the guest) and from_host (write) is NULL. */
static int chain_copy(const struct guest_mem *gm,
		      const struct virtq_chain *chain, unsigned int first,
		      unsigned int end, uint64_t off, uint64_t len,
		      uint8_t *to_host, const uint8_t *from_host)
{
	unsigned int i = first;
	uint64_t done = 0;

	end = end < chain->nr ? end : chain->nr;
	off = chain_seek(chain, &i, end, off);
	for (; i < end && done < len; i++, off = 0) {
		const struct virtq_buf *b = &chain->buf[i];
		uint64_t take = b->len - off < len - done ? b->len - off :
							    len - done;
		bool ok = from_host ? gm_write(gm, b->gpa + off,
					       from_host + done, take) :
				      gm_read(gm, b->gpa + off, to_host + done,
					      take);

		if (!ok)
			return -EFAULT;
		done += take;
	}
	return done < len ? -EFAULT : 0;
}

int virtq_chain_read(const struct guest_mem *gm,
		     const struct virtq_chain *chain, unsigned int first,
		     unsigned int end, uint64_t off, void *buf, uint64_t len)
{
	return chain_copy(gm, chain, first, end, off, len, buf, NULL);
}

int virtq_chain_write(const struct guest_mem *gm,
		      const struct virtq_chain *chain, unsigned int first,
		      unsigned int end, uint64_t off, const void *buf,
		      uint64_t len)
{
	return chain_copy(gm, chain, first, end, off, len, NULL, buf);
}

int virtq_chain_map(const struct guest_mem *gm, const struct virtq_chain *chain,
		    unsigned int first, unsigned int end, uint64_t off,
		    uint64_t len, struct iovec *iov)
{
	unsigned int i = first;
	int n = 0;

	end = end < chain->nr ? end : chain->nr;
	off = chain_seek(chain, &i, end, off);
	for (; i < end && len; i++, off = 0) {
		const struct virtq_buf *b = &chain->buf[i];
		uint64_t take = b->len - off < len ? b->len - off : len;
		/* Checked when the chain was popped; gm_slice checks again. */
		void *p = gm_slice(gm, b->gpa + off, take);

		if (!p)
			return -EFAULT;
		/* One iovec per buffer at most: n < chain->nr. */
		iov[n++] = (struct iovec){ .iov_base = p, .iov_len = take };
		len -= take;
	}
	return len ? -EFAULT : n;
}
