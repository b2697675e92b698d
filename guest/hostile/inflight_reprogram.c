// SPDX-License-Identifier: GPL-2.0-only
/*
 * inflight_reprogram: reset the device while a read is in flight and at
 * once set it up again on new rings, then make a new request. The old
 * request belongs to the old session: it must not appear in the new used
 * ring (its head would name a descriptor the driver has not used) nor
 * write into the old buffers. A device that keeps a request's ring
 * position across the reset completes it into the new ring.
 *
 * vigil: the reset drains the request first (the device lock and
 * drain_queue, see inflight_reset); virtq_enable (devices/virtq.c) starts the new rings
 * at index 0, so the new used ring holds exactly the new request.
 */
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

void hostile_inflight_reprogram(void)
{
	struct hostile_req *old, *r;
	struct virtio_blk b, renewed;
	uint32_t len = 0;
	int result;
	bool quiet;

	if (!hostile_open(&b, 0) || !(old = hostile_in_flight(&b)))
		return;
	if (!hostile_open(&renewed, 0) ||
	    !(r = hostile_req(VIRTIO_BLK_T_IN, 8)))
		return;
	hostile_post_read(&renewed, r, (uint64_t)r->data, 512);
	result = hostile_wait(&renewed, r, &len);
	check(result == VIRTIO_BLK_S_OK && len == 513,
	      "the new session's read gave %s, used length %u",
	      hostile_result_name(result), len);
	quiet = hostile_quiet(&b, old) &&
		__atomic_load_n(&renewed.vq.used->idx, __ATOMIC_ACQUIRE) == 1 &&
		renewed.vq.used->ring[0].id == 0;
	hostile_outcome("%s", quiet ? "quiet" : "old-request-leaked");
	check(quiet, "the old session's request reached the new rings or "
		     "wrote after the reset");
	hostile_recover(&renewed);
}
