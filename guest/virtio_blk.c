// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk (virtio 1.2, 5.2): a request is a descriptor chain of a
 * struct virtio_blk_outhdr (type, sector), the data buffers, and a
 * one-byte status the device writes last (5.2.6). Configuration layout:
 * struct virtio_blk_config (5.2.4). Feature bits: <linux/virtio_blk.h>.
 */
#include <stddef.h>
#include <linux/virtio_config.h>

#include "alloc.h"
#include "virtio_blk.h"

#define BIT(n) (1ull << (n))
#define MAX_SEGS 16
#define RW_TIMEOUT_US 5000000

/* What this driver understands; VERSION_1 is the modern interface. */
#define WANTED_FEATURES                                           \
	(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_RING_F_EVENT_IDX) | \
	 BIT(VIRTIO_BLK_F_FLUSH) | BIT(VIRTIO_BLK_F_BLK_SIZE) |   \
	 BIT(VIRTIO_BLK_F_SEG_MAX) | BIT(VIRTIO_BLK_F_SIZE_MAX) | \
	 BIT(VIRTIO_BLK_F_RO))

const struct mmio_device *virtio_blk_find(unsigned int n)
{
	return virtio_mmio_find(VIRTIO_ID_BLOCK, n);
}

bool virtio_blk_has(const struct virtio_blk *b, unsigned int feature)
{
	return b->mmio.features & BIT(feature);
}

static uint32_t config32(struct virtio_blk *b, size_t offset)
{
	return (uint32_t)virtio_mmio_config_read(&b->mmio, (unsigned int)offset,
						 4);
}

static void read_config(struct virtio_blk *b)
{
	b->capacity = virtio_mmio_config_read(
		&b->mmio, offsetof(struct virtio_blk_config, capacity), 8);
	if (virtio_blk_has(b, VIRTIO_BLK_F_BLK_SIZE))
		b->blk_size = config32(b, offsetof(struct virtio_blk_config,
						   blk_size));
	if (virtio_blk_has(b, VIRTIO_BLK_F_SEG_MAX))
		b->seg_max = config32(b, offsetof(struct virtio_blk_config,
						  seg_max));
	if (virtio_blk_has(b, VIRTIO_BLK_F_SIZE_MAX))
		b->size_max = config32(b, offsetof(struct virtio_blk_config,
						   size_max));
	b->read_only = virtio_blk_has(b, VIRTIO_BLK_F_RO);
}

bool virtio_blk_open(struct virtio_blk *b, const struct mmio_device *d,
		     uint16_t queue_size, const char **why)
{
	*b = (struct virtio_blk){ 0 };
	if (!virtio_mmio_probe(&b->mmio, d, why))
		return false;
	if (b->mmio.device_id != VIRTIO_ID_BLOCK) {
		*why = "not a block device";
		return false;
	}
	if (!virtio_mmio_negotiate(&b->mmio, WANTED_FEATURES,
				   BIT(VIRTIO_F_VERSION_1), why))
		return false;
	if (!virtio_mmio_create_queue(
		    &b->mmio, 0, &b->vq, queue_size,
		    virtio_blk_has(b, VIRTIO_RING_F_EVENT_IDX), why))
		return false;
	read_config(b);
	virtio_mmio_driver_ok(&b->mmio);
	return true;
}

bool virtio_blk_use_interrupts(struct virtio_blk *b, unsigned int vector)
{
	return virtio_mmio_use_interrupts(&b->mmio, &b->vq, vector);
}

void virtio_blk_close(struct virtio_blk *b)
{
	virtio_mmio_close(&b->mmio);
}

bool virtio_blk_submit(struct virtio_blk *b, struct blk_req *r, uint32_t type,
		       uint64_t sector, const struct virtq_buf *segs,
		       unsigned int nsegs)
{
	struct virtq_buf bufs[MAX_SEGS + 2];
	bool device_reads = type == VIRTIO_BLK_T_OUT;
	unsigned int i;

	if (nsegs > MAX_SEGS)
		return false;
	r->hdr = (struct virtio_blk_outhdr){ .type = type, .sector = sector };
	r->status = 0xff; /* not a status the device may write */
	r->done = false;
	r->written = 0;
	bufs[0] = (struct virtq_buf){ &r->hdr, sizeof(r->hdr) };
	for (i = 0; i < nsegs; i++)
		bufs[1 + i] = segs[i];
	bufs[1 + nsegs] = (struct virtq_buf){ &r->status, 1 };
	return virtq_add(&b->vq, bufs, device_reads ? 1 + nsegs : 1,
			 device_reads ? 1 : nsegs + 1, r);
}

void virtio_blk_kick(struct virtio_blk *b)
{
	virtq_publish(&b->vq);
	if (virtq_kick_needed(&b->vq))
		virtio_mmio_notify(&b->mmio, 0);
}

struct blk_req *virtio_blk_poll(struct virtio_blk *b)
{
	uint32_t len;
	struct blk_req *r = virtq_get_used(&b->vq, &len);

	if (r) {
		r->written = len;
		r->done = true;
	}
	return r;
}

/* virtio_blk_poll() as a virtq_complete_fn. */
static void *complete_one(void *b)
{
	return virtio_blk_poll(b);
}

bool virtio_blk_wait(struct virtio_blk *b, struct blk_req *r,
		     uint64_t timeout_us)
{
	return virtq_wait(&b->vq, b->mmio.irq_mode, complete_one, b, &r->done,
			  timeout_us);
}

int virtio_blk_request(struct virtio_blk *b, uint32_t type, uint64_t sector,
		       const struct virtq_buf *segs, unsigned int nsegs,
		       uint32_t *written)
{
	size_t mark = alloc_mark();
	struct blk_req *r = alloc(sizeof(*r), 16);
	int status;

	if (!r || !virtio_blk_submit(b, r, type, sector, segs, nsegs))
		return BLK_STATUS_TIMEOUT;
	virtio_blk_kick(b);
	if (!virtio_blk_wait(b, r, RW_TIMEOUT_US))
		return BLK_STATUS_TIMEOUT; /* still the device's: keep r */
	status = r->status;
	if (written)
		*written = r->written;
	alloc_release(mark);
	return status;
}

int virtio_blk_rw(struct virtio_blk *b, uint32_t type, uint64_t sector,
		  void *buf, uint32_t len)
{
	struct virtq_buf seg = { buf, len };

	return virtio_blk_request(b, type, sector, &seg, buf ? 1 : 0, NULL);
}
