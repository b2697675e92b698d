// SPDX-License-Identifier: GPL-2.0-only
/*
 * rng_desc_too_long: an entropy request of nine device-writable buffers
 * on a queue of eight: seven in the descriptor table and an indirect
 * table of two behind the eighth. A chain may not be longer than the
 * queue, indirect descriptors included (virtio 1.2, 2.7.5.3.1), and the
 * entropy device offers no VIRTIO_RING_F_INDIRECT_DESC, so the driver may
 * not use an indirect table at all (2.7.5.3.1 again). A device that
 * copies the chain into an array sized by the queue, or that honours an
 * indirect table it never offered, fills nine buffers where it planned
 * for eight.
 *
 * vigil: walk_indirect (devices/virtq.c) refuses the indirect descriptor
 * of a queue without INDIRECT_DESC ("indirect descriptor without
 * VIRTIO_RING_F_INDIRECT_DESC"), DEVICE_NEEDS_RESET. With that check
 * removed, add_buf's bound (chain->nr >= vq->num: "chain longer than
 * queue size 8") stops the ninth buffer and test_hostile.py misses the
 * log line; with both removed the device fills all nine: outcome
 * "filled" instead of "needs-reset".
 */
#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"
#include "string.h"

#define BUF 64u
#define DIRECT (HOSTILE_QUEUE_SIZE - 1)
#define BUFS (DIRECT + 2)

void hostile_rng_desc_too_long(void)
{
	struct vring_desc *t = alloc(2 * sizeof(*t), 16);
	uint8_t *p = alloc(BUFS * BUF + BUF, 64);
	struct virtio_rng r;
	uint32_t used = 0;
	uint16_t i;
	int result;

	if (!check(p && t, "no memory") || !hostile_rng_open(&r))
		return;
	memset(p, 0xa5, BUFS * BUF + BUF);
	for (i = 0; i < DIRECT; i++)
		hostile_rng_desc(&r, i, (uint64_t)(p + i * BUF), BUF,
				 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
				 (uint16_t)(i + 1));
	for (i = 0; i < 2; i++)
		t[i] = (struct vring_desc){
			(uint64_t)(p + (DIRECT + i) * BUF), BUF,
			(uint16_t)(VRING_DESC_F_WRITE |
				   (i ? 0 : VRING_DESC_F_NEXT)),
			1
		};
	hostile_rng_desc(&r, DIRECT, (uint64_t)t, 2 * sizeof(*t),
			 VRING_DESC_F_INDIRECT, 0);
	hostile_rng_post(&r, 0);
	result = hostile_rng_wait(&r, &used);
	hostile_outcome("%s", hostile_rng_result_name(result, used));
	check(result != HOSTILE_SILENT, "the device never answered");
	check(result != HOSTILE_USED || used <= BUFS * BUF,
	      "used length %u for %u bytes", used, BUFS * BUF);
	for (i = 0; i < BUF; i++)
		if (p[BUFS * BUF + i] != 0xa5) {
			check(false, "written past the nine buffers");
			break;
		}
	hostile_rng_recover(&r);
}
