// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueue (virtio 1.2, 2.7). Memory ordering: the device runs on
 * another host CPU. Descriptors are written before the avail ring entry,
 * the entry before avail->idx (2.7.13, write barriers: x86 keeps stores in
 * order, so a compiler barrier suffices); avail->idx is written before
 * the notification-suppression field is read, which needs a full fence
 * (2.7.13.4, as Linux's virtio_mb()). The used ring comes from the device:
 * ids and lengths are checked before use.
 */
#include "alloc.h"
#include "io.h"
#include "print.h"
#include "tsc.h"
#include "virtq.h"

#define RING_ALIGN 4096

static size_t avail_bytes(uint16_t size)
{
	/* flags, idx, ring[size], used_event */
	return 2 + 2 + 2u * size + 2;
}

static size_t used_bytes(uint16_t size)
{
	/* flags, idx, ring[size], avail_event */
	return 2 + 2 + sizeof(struct vring_used_elem) * size + 2;
}

static volatile uint16_t *used_event(struct virtq *vq)
{
	return &vq->avail->ring[vq->size];
}

static volatile uint16_t *avail_event(struct virtq *vq)
{
	return (volatile uint16_t *)&vq->used->ring[vq->size];
}

bool virtq_init(struct virtq *vq, uint16_t size, bool event_idx)
{
	uint16_t i;

	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return false;
	*vq = (struct virtq){ .size = size, .event_idx = event_idx };
	vq->desc = alloc(sizeof(*vq->desc) * size, RING_ALIGN);
	vq->avail = alloc(avail_bytes(size), RING_ALIGN);
	vq->used = alloc(used_bytes(size), RING_ALIGN);
	vq->tokens = alloc(sizeof(void *) * size, 8);
	if (!vq->desc || !vq->avail || !vq->used || !vq->tokens)
		return false;
	for (i = 0; i < size; i++)
		vq->desc[i].next = (uint16_t)(i + 1);
	vq->num_free = size;
	return true;
}

bool virtq_add(struct virtq *vq, const struct virtq_buf *bufs,
	       unsigned int n_out, unsigned int n_in, void *token)
{
	unsigned int i, n = n_out + n_in;
	uint16_t head = vq->free_head, d = head;

	if (n == 0 || n > vq->num_free || !token)
		return false;
	/* The free list runs through desc[].next, so the chain's links are
	 * already in place: only the last descriptor loses its NEXT flag. */
	for (i = 0; i < n; i++) {
		vq->desc[d].addr = (uint64_t)bufs[i].addr;
		vq->desc[d].len = bufs[i].len;
		vq->desc[d].flags =
			(uint16_t)((i < n_out ? 0 : VRING_DESC_F_WRITE) |
				   (i + 1 < n ? VRING_DESC_F_NEXT : 0));
		d = vq->desc[d].next;
	}
	vq->free_head = d;
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->tokens[head] = token;
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	vq->avail_idx++;
	return true;
}

void virtq_publish(struct virtq *vq)
{
	barrier(); /* descriptors and ring entries before the index */
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
}

bool virtq_kick_needed(struct virtq *vq)
{
	uint16_t old = vq->kicked_idx, now = vq->avail_idx;

	/* avail->idx must be visible before we read what the device wants. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->kicked_idx = now;
	if (vq->event_idx)
		return vring_need_event(*avail_event(vq), now, old);
	return !(__atomic_load_n(&vq->used->flags, __ATOMIC_ACQUIRE) &
		 VRING_USED_F_NO_NOTIFY);
}

bool virtq_has_used(const struct virtq *vq)
{
	return __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) !=
	       vq->last_used_idx;
}

/* Returns the chain starting at @head to the free list. */
static void free_chain(struct virtq *vq, uint16_t head)
{
	uint16_t d = head, n = 1;

	/* Bounded: a corrupted table cannot make this loop forever. */
	while ((vq->desc[d].flags & VRING_DESC_F_NEXT) && n < vq->size) {
		d = vq->desc[d].next & (vq->size - 1);
		n++;
	}
	vq->desc[d].next = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + n);
}

void *virtq_get_used(struct virtq *vq, uint32_t *len)
{
	struct vring_used_elem e;
	void *token;

	if (vq->broken || !virtq_has_used(vq))
		return NULL;
	e = vq->used->ring[vq->last_used_idx & (vq->size - 1)];
	/* The id comes from the device: it must name a chain in flight. */
	if (e.id >= vq->size || !vq->tokens[e.id]) {
		printf("# virtq: used id %u is not a request in flight\n",
		       e.id);
		vq->broken = true;
		return NULL;
	}
	vq->last_used_idx++;
	token = vq->tokens[e.id];
	vq->tokens[e.id] = NULL;
	free_chain(vq, (uint16_t)e.id);
	*len = e.len;
	return token;
}

void virtq_enable_interrupts(struct virtq *vq)
{
	if (vq->event_idx)
		*used_event(vq) = vq->last_used_idx;
	else
		vq->avail->flags = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* With EVENT_IDX, an event index one behind what we consumed is only
 * reached again after 65535 more completions: in effect, never. */
void virtq_disable_interrupts(struct virtq *vq)
{
	if (vq->event_idx)
		*used_event(vq) = (uint16_t)(vq->last_used_idx - 1);
	else
		vq->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
}

/* Completes everything used so far; whether *@done is now true. */
static bool reap(virtq_complete_fn *complete, void *owner, const bool *done)
{
	while (complete(owner))
		;
	return *done;
}

bool virtq_wait(struct virtq *vq, bool sleep, virtq_complete_fn *complete,
		void *owner, const bool *done, uint64_t timeout_us)
{
	uint64_t end = rdtsc() + ns_to_tsc(timeout_us * 1000);

	while (!reap(complete, owner, done)) {
		if ((int64_t)(rdtsc() - end) > 0 || vq->broken)
			return false;
		if (!sleep) {
			cpu_relax();
			continue;
		}
		/* Sleep unless a completion slipped in: check with interrupts
		 * off, then sti;hlt, which cannot miss the wake-up. */
		virtq_enable_interrupts(vq);
		irq_disable();
		if (!virtq_has_used(vq))
			wait_for_interrupt();
		irq_enable();
	}
	return true;
}
