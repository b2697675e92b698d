// SPDX-License-Identifier: GPL-2.0-only
/*
 * size_queue_num: QueueNum sizes the rings and is the divisor of every
 * ring index (idx % num). After a valid 8, write 0, 3, 0x10000 and 512
 * (past QueueNumMax), then enable the queue. With 0 a device divides by
 * zero; with 3 its index arithmetic on free-running 16-bit indices goes
 * wrong at the wrap (split rings need a power of two, virtio 1.2, 2.7);
 * 0x10000 stored in a 16-bit field becomes 0; a size past QueueNumMax
 * overruns arrays sized by the maximum.
 *
 * vigil: write_queue_num (devices/virtio_mmio.c) accepts only a power of
 * two up to QueueNumMax, checked on the 32-bit value before it is stored
 * in 16 bits; anything else is logged and leaves the size as it was. So
 * the queue comes up with 8 entries, matching the driver's rings, and ten
 * requests in a row (past 3 and 8 slots) complete.
 */
#include <linux/virtio_mmio.h>

#include "alloc.h"
#include "hostile.h"
#include "runner.h"
#include "scenarios.h"

#define REQUESTS 10

static const uint32_t bad_num[] = { 0, 3, 0x10000, 512 };

/* Ten reads through the queue; the status of the first that fails. */
static int serve(struct virtio_blk *b, unsigned int *done)
{
	void *buf = alloc(HOSTILE_DATA_SIZE, 4096);
	int r = buf ? VIRTIO_BLK_S_OK : BLK_STATUS_TIMEOUT;

	for (*done = 0; *done < REQUESTS && r == VIRTIO_BLK_S_OK; ++*done)
		r = virtio_blk_rw(b, VIRTIO_BLK_T_IN, *done, buf,
				  HOSTILE_DATA_SIZE);
	return r;
}

void hostile_size_queue_num(void)
{
	struct virtio_blk b;
	unsigned int i, done = 0;
	int r = BLK_STATUS_TIMEOUT;
	bool ready;

	if (!hostile_negotiate(&b, 0))
		return;
	if (!check(virtq_init(&b.vq, HOSTILE_QUEUE_SIZE, false), "no memory"))
		return;
	virtq_disable_interrupts(&b.vq);
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_SEL, 0);
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_NUM, HOSTILE_QUEUE_SIZE);
	for (i = 0; i < sizeof(bad_num) / sizeof(bad_num[0]); i++)
		hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_NUM, bad_num[i]);
	hostile_ring_regs(&b, (uint64_t)b.vq.desc, (uint64_t)b.vq.avail,
			  (uint64_t)b.vq.used);
	hostile_reg_write(&b, VIRTIO_MMIO_QUEUE_READY, 1);
	ready = hostile_reg_read(&b, VIRTIO_MMIO_QUEUE_READY) == 1;
	if (ready) {
		virtio_mmio_driver_ok(&b.mmio);
		r = serve(&b, &done);
	}
	hostile_outcome("%s", !ready		   ? "not-ready" :
			      r == VIRTIO_BLK_S_OK ? "ignored" :
						     "queue-broken");
	check(ready && r == VIRTIO_BLK_S_OK,
	      "the queue does not serve with the driver's 8 entries: ready "
	      "%d, request %u gave %s",
	      ready, done, hostile_result_name(r));
	hostile_recover(&b);
}
