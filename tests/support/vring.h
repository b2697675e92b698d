/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The driver's side of a split virtqueue, for tests that play the guest:
 * descriptors, the available ring and the used index, written straight
 * into a test's guest RAM (ram is guest-physical address 0), as a driver
 * would. Little-endian host assumed, as vigil's targets are.
 */
#ifndef VIGIL_TESTS_VRING_H
#define VIGIL_TESTS_VRING_H

#include <linux/virtio_ring.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct test_vring {
	uint8_t *ram;
	uint64_t desc, avail, used; /* guest-physical ring addresses */
	uint16_t num;
};

static inline uint16_t vring_ram16(const struct test_vring *r, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, r->ram + gpa, 2);
	return v;
}

/* Descriptor i of the table at gpa table (the ring's, or an indirect one). */
static inline void vring_put_desc_at(const struct test_vring *r, uint64_t table,
				     uint16_t i, uint64_t addr, uint32_t len,
				     uint16_t flags, uint16_t next)
{
	struct vring_desc d = {
		.addr = addr,
		.len = len,
		.flags = flags,
		.next = next,
	};

	memcpy(r->ram + table + i * 16u, &d, sizeof(d));
}

static inline void vring_put_desc(const struct test_vring *r, uint16_t i,
				  uint64_t addr, uint32_t len, uint16_t flags,
				  uint16_t next)
{
	vring_put_desc_at(r, r->desc, i, addr, len, flags, next);
}

static inline uint16_t vring_avail_idx(const struct test_vring *r)
{
	return vring_ram16(r, r->avail + 2);
}

static inline void vring_set_avail_idx(const struct test_vring *r, uint16_t v)
{
	memcpy(r->ram + r->avail + 2, &v, 2);
}

/* Publish head in the next available slot. */
static inline void vring_offer(const struct test_vring *r, uint16_t head)
{
	uint16_t idx = vring_avail_idx(r);

	memcpy(r->ram + r->avail + 4 + 2 * (idx % r->num), &head, 2);
	vring_set_avail_idx(r, (uint16_t)(idx + 1));
}

static inline uint16_t vring_used_idx(const struct test_vring *r)
{
	return vring_ram16(r, r->used + 2);
}

/*
 * A driver that refills its ring as fast as the device serves it: as a
 * guest_mem before_read hook (opaque: this struct), each read of avail->idx
 * offers head once more, up to limit times in all.
 */
struct vring_refill {
	const struct test_vring *ring;
	uint16_t head;
	unsigned int count, limit;
};

static inline void vring_refill_on_read(void *opaque, uint64_t gpa, size_t len)
{
	struct vring_refill *f = opaque;

	if (gpa == f->ring->avail + 2 && len == 2 && f->count < f->limit) {
		vring_offer(f->ring, f->head);
		f->count++;
	}
}

#endif
