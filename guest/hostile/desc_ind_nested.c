// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_ind_nested: an indirect table whose entry is itself an indirect
 * descriptor (the driver must not, virtio 1.2, 2.7.5.3.1). A device that
 * handles nesting by recursion can be made to recurse as deep as the
 * guest likes - with a table pointing to itself, forever.
 *
 * vigil: walk_indirect (devices/virtq.c) refuses an indirect descriptor
 * inside an indirect table (one level, no recursion): logged,
 * DEVICE_NEEDS_RESET.
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t arg)
{
	struct vring_desc *t = alloc(sizeof(*t), 16);

	(void)arg;
	(void)r;
	if (!t)
		return;
	/* The table's only entry points at the table itself. */
	*t = (struct vring_desc){ (uint64_t)t, sizeof(*t),
				  VRING_DESC_F_INDIRECT, 0 };
	hostile_desc(b, 0, (uint64_t)t, sizeof(*t), VRING_DESC_F_INDIRECT, 0);
	hostile_post(b, 0);
}

void hostile_desc_ind_nested(void)
{
	hostile_round(1ull << VIRTIO_RING_F_INDIRECT_DESC, post, 0,
		      "indirect table inside itself");
}
