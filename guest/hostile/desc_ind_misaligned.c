// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_ind_misaligned: an indirect table at an address 4 bytes past an
 * 8-byte boundary, its entries otherwise a valid read. A device that maps
 * the table and reads its descriptors through a struct pointer makes
 * misaligned (on some hosts faulting) accesses, and a driver allocator
 * never produces such a table: it is corruption.
 *
 * vigil: walk_indirect (devices/virtq.c) refuses a table that is not
 * 8-byte aligned (VIRTQ_INDIRECT_ALIGN): logged, DEVICE_NEEDS_RESET. The
 * spec sets no alignment for indirect tables, so this is vigil being
 * strict: QEMU serves the read (docs/hostile-vs-qemu.md).
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "string.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t arg)
{
	uint8_t *mem = alloc(3 * sizeof(struct vring_desc) + 4, 16);
	struct vring_desc t[3] = {
		{ (uint64_t)&r->hdr, sizeof(r->hdr), VRING_DESC_F_NEXT, 1 },
		{ (uint64_t)r->data, 512,
		  VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2 },
		{ (uint64_t)&r->status, 1, VRING_DESC_F_WRITE, 0 },
	};

	(void)arg;
	if (!mem)
		return;
	memcpy(mem + 4, t, sizeof(t));
	hostile_desc(b, 0, (uint64_t)(mem + 4), sizeof(t),
		     VRING_DESC_F_INDIRECT, 0);
	hostile_post(b, 0);
}

void hostile_desc_ind_misaligned(void)
{
	hostile_round(1ull << VIRTIO_RING_F_INDIRECT_DESC, post, 0,
		      "indirect table at 8n + 4");
}
