// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc_ind_unnegotiated: an indirect descriptor when the driver did not
 * accept VIRTIO_RING_F_INDIRECT_DESC (virtio 1.2, 2.7.5.3.1: the driver
 * must not set the flag then). The table itself is a valid read. A
 * device that honours the flag whatever was negotiated runs a code path
 * the driver said it would not use.
 *
 * vigil: walk_indirect (devices/virtq.c) accepts the flag only on a queue
 * enabled with the feature: logged, DEVICE_NEEDS_RESET.
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

static void post(struct virtio_blk *b, struct hostile_req *r, uint64_t arg)
{
	struct vring_desc *t = alloc(3 * sizeof(*t), 16);

	(void)arg;
	if (!t)
		return;
	t[0] = (struct vring_desc){ (uint64_t)&r->hdr, sizeof(r->hdr),
				    VRING_DESC_F_NEXT, 1 };
	t[1] = (struct vring_desc){ (uint64_t)r->data, 512,
				    VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2 };
	t[2] = (struct vring_desc){ (uint64_t)&r->status, 1, VRING_DESC_F_WRITE,
				    0 };
	hostile_desc(b, 0, (uint64_t)t, 3 * sizeof(*t), VRING_DESC_F_INDIRECT,
		     0);
	hostile_post(b, 0);
}

void hostile_desc_ind_unnegotiated(void)
{
	hostile_round(0, post, 0, "indirect descriptor, feature not agreed");
}
