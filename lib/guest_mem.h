/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one door to guest memory.
 *
 * Guest RAM is a small set of regions, each a guest-physical range backed by
 * host memory. Every access by a guest physical address (gpa) goes through
 * the functions below, which reject a range that overflows (gpa + len wraps
 * past 2^64), that leaves RAM, or that straddles two regions (a RAM/hole
 * boundary). Nothing else in vigil turns a gpa into a host pointer.
 */
#ifndef VIGIL_GUEST_MEM_H
#define VIGIL_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GM_MAX_REGIONS 8

struct gm_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
};

struct guest_mem {
	struct gm_region regions[GM_MAX_REGIONS];
	unsigned int nr_regions;
	/*
	 * Test hook: called before every copy out of guest memory, so unit
	 * tests and fuzzers can model another vCPU rewriting RAM between two
	 * reads. NULL in vigil itself.
	 */
	void (*before_read)(void *opaque, uint64_t gpa, size_t len);
	void *hook_opaque;
};

void gm_init(struct guest_mem *gm);
/*
 * Add a region. Rejects (-EINVAL) a zero size, gpa + size overflow, overlap
 * with an existing region, or (-ENOSPC) too many regions.
 */
int gm_add_region(struct guest_mem *gm, uint64_t gpa, uint64_t size, void *hva);

/* True when [gpa, gpa + len) lies entirely inside one region. */
bool gm_range_valid(const struct guest_mem *gm, uint64_t gpa, uint64_t len);
/*
 * Host pointer to [gpa, gpa + len), or NULL when the range is not valid.
 * len 0 is refused: a caller that wants a pointer wants bytes behind it.
 * The bytes stay guest-writable: copy what you validate (gm_read).
 */
void *gm_slice(const struct guest_mem *gm, uint64_t gpa, uint64_t len);
/* Copy between guest RAM and host buffers; false when the range is bad. */
bool gm_read(const struct guest_mem *gm, uint64_t gpa, void *buf, size_t len);
bool gm_write(const struct guest_mem *gm, uint64_t gpa, const void *buf,
	      size_t len);

/*
 * Single aligned accesses for shared ring fields (virtqueue indices): one
 * load or store the guest sees whole, never torn, with acquire/release
 * ordering. False when the range is bad or misaligned.
 */
bool gm_load_u16_acquire(const struct guest_mem *gm, uint64_t gpa,
			 uint16_t *val);
bool gm_store_u16_release(const struct guest_mem *gm, uint64_t gpa,
			  uint16_t val);

/* Total bytes of RAM in all regions. */
uint64_t gm_total_size(const struct guest_mem *gm);

#endif
