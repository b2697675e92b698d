// SPDX-License-Identifier: GPL-2.0-only
#include "lib/guest_mem.h"

#include <errno.h>
#include <string.h>

void gm_init(struct guest_mem *gm)
{
	memset(gm, 0, sizeof(*gm));
}

/* Last byte of [start, start + len); false when len is 0 or the sum wraps. */
static bool range_last(uint64_t start, uint64_t len, uint64_t *last)
{
	if (len == 0)
		return false;
	return !__builtin_add_overflow(start, len - 1, last);
}

int gm_add_region(struct guest_mem *gm, uint64_t gpa, uint64_t size, void *hva)
{
	uint64_t last;

	if (!hva || !range_last(gpa, size, &last))
		return -EINVAL;
	if (gm->nr_regions == GM_MAX_REGIONS)
		return -ENOSPC;
	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->regions[i];
		uint64_t r_last = r->gpa + (r->size - 1);

		if (gpa <= r_last && r->gpa <= last)
			return -EINVAL;
	}
	gm->regions[gm->nr_regions++] = (struct gm_region){
		.gpa = gpa,
		.size = size,
		.hva = hva,
	};
	return 0;
}

static const struct gm_region *region_of(const struct guest_mem *gm,
					 uint64_t gpa, uint64_t len)
{
	uint64_t last;

	if (!range_last(gpa, len, &last))
		return NULL;
	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->regions[i];

		/* Both ends inside the same region: no straddling a hole. */
		if (gpa >= r->gpa && last - r->gpa < r->size)
			return r;
	}
	return NULL;
}

bool gm_range_valid(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	return region_of(gm, gpa, len) != NULL;
}

void *gm_slice(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	const struct gm_region *r = region_of(gm, gpa, len);

	return r ? r->hva + (gpa - r->gpa) : NULL;
}

bool gm_read(const struct guest_mem *gm, uint64_t gpa, void *buf, size_t len)
{
	const void *src;

	if (len == 0)
		return true;
	src = gm_slice(gm, gpa, len);
	if (!src)
		return false;
	if (gm->before_read)
		gm->before_read(gm->hook_opaque, gpa, len);
	memcpy(buf, src, len);
	return true;
}

bool gm_write(const struct guest_mem *gm, uint64_t gpa, const void *buf,
	      size_t len)
{
	void *dst;

	if (len == 0)
		return true;
	dst = gm_slice(gm, gpa, len);
	if (!dst)
		return false;
	memcpy(dst, buf, len);
	return true;
}

bool gm_load_u16_acquire(const struct guest_mem *gm, uint64_t gpa,
			 uint16_t *val)
{
	uint16_t *p;

	if (gpa & 1)
		return false;
	p = gm_slice(gm, gpa, sizeof(*p));
	if (!p)
		return false;
	if (gm->before_read)
		gm->before_read(gm->hook_opaque, gpa, sizeof(*p));
	*val = __atomic_load_n(p, __ATOMIC_ACQUIRE);
	return true;
}

bool gm_store_u16_release(const struct guest_mem *gm, uint64_t gpa,
			  uint16_t val)
{
	uint16_t *p;

	if (gpa & 1)
		return false;
	p = gm_slice(gm, gpa, sizeof(*p));
	if (!p)
		return false;
	__atomic_store_n(p, val, __ATOMIC_RELEASE);
	return true;
}

uint64_t gm_total_size(const struct guest_mem *gm)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < gm->nr_regions; i++)
		total += gm->regions[i].size;
	return total;
}
