// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk device model. A request (spec 5.2.6) is
 *   le32 type; le32 reserved; le64 sector;   16-byte header, device-readable
 *   u8 data[];                               readable (OUT) / writable (IN)
 *   u8 status;                               last byte, device-writable
 * and may be split over the chain's buffers in any arrangement, so the
 * device works on byte ranges of the chain, never on "descriptor 0 is the
 * header".
 */
#include "devices/virtio_blk.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "devices/virtio_kind.h"
#include "devices/virtio_mmio.h"
#include "lib/cli.h"
#include "lib/log.h"
#include "migration/fields.h"

#define BLK_HDR_SIZE sizeof(struct virtio_blk_outhdr)

/* Where the parts of a request are in a validated chain. */
struct blk_req {
	unsigned int nr_out; /* buf[0..nr_out) device-readable, rest writable */
	uint64_t out_bytes;  /* header + OUT data */
	uint64_t in_bytes;   /* IN data + status byte */
	uint64_t status_gpa; /* last byte of the last buffer */
	uint32_t type;	     /* copied once from the header */
	uint64_t sector;     /* copied once from the header */
	bool has_io;	     /* io must run before the request completes */
	struct block_req io;
	uint64_t io_bytes; /* what io transfers */
};

int virtio_blk_init(struct virtio_blk *blk, struct block_backend *bb,
		    const char *name, const char *serial)
{
	size_t serial_len = strnlen(serial, VIRTIO_BLK_ID_BYTES);

	if (bb->size < VIRTIO_BLK_SECTOR_SIZE) {
		log_error("%s: drive %s: size %llu is less than one sector",
			  name, bb->desc, (unsigned long long)bb->size);
		return -EINVAL;
	}
	blk->bb = bb;
	blk->name = name;
	/* A partial last sector is not addressable: round down. */
	blk->capacity = bb->size / VIRTIO_BLK_SECTOR_SIZE;
	blk->features =
		1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_RING_F_EVENT_IDX |
		1ull << VIRTIO_RING_F_INDIRECT_DESC |
		1ull << VIRTIO_BLK_F_FLUSH | 1ull << VIRTIO_BLK_F_SEG_MAX;
	if (bb->readonly)
		blk->features |= 1ull << VIRTIO_BLK_F_RO;
	memset(blk->serial, 0, sizeof(blk->serial));
	memcpy(blk->serial, serial, serial_len);
	memset(&blk->config, 0, sizeof(blk->config));
	blk->config.capacity = htole64(blk->capacity);
	/* Header and status take two descriptors of a chain of <= num. */
	blk->config.seg_max = htole32(VIRTIO_BLK_QUEUE_SIZE - 2);
	return 0;
}

void virtio_blk_config_read(const struct virtio_blk *blk, uint32_t offset,
			    void *buf, uint32_t size)
{
	memcpy(buf, (const uint8_t *)&blk->config + offset, size);
}

/*
 * Find the header, data and status of the request, and copy the header
 * (once: type and sector are never read from guest RAM again).
 */
static int parse_request(struct virtio_blk *blk, const struct guest_mem *gm,
			 const struct virtq_chain *chain, struct blk_req *req)
{
	struct virtio_blk_outhdr hdr;
	const struct virtq_buf *last;
	unsigned int i;

	req->out_bytes = req->in_bytes = 0;
	for (i = 0; i < chain->nr && !chain->buf[i].device_writable; i++)
		req->out_bytes += chain->buf[i].len;
	req->nr_out = i;
	for (; i < chain->nr; i++)
		req->in_bytes += chain->buf[i].len;
	/* No writable byte: there is nowhere to put the status. */
	if (req->in_bytes == 0) {
		guest_error(
			"%s: head %u: request has no device-writable status byte",
			blk->name, chain->head);
		return -EINVAL;
	}
	last = &chain->buf[chain->nr - 1];
	req->status_gpa = last->gpa + last->len - 1;
	if (req->out_bytes < BLK_HDR_SIZE) {
		guest_error(
			"%s: head %u: request header is %llu bytes, not %zu",
			blk->name, chain->head,
			(unsigned long long)req->out_bytes, BLK_HDR_SIZE);
		return -EINVAL;
	}
	if (virtq_chain_read(gm, chain, 0, req->nr_out, 0, &hdr, sizeof(hdr)))
		return -EFAULT;
	req->type = le32toh(hdr.type);
	req->sector = le64toh(hdr.sector);
	return 0;
}

/* [sector, sector + bytes / 512) inside the drive, without overflow. */
static bool sector_range_ok(const struct virtio_blk *blk, uint64_t sector,
			    uint64_t bytes)
{
	uint64_t nr = bytes / VIRTIO_BLK_SECTOR_SIZE;

	return sector <= blk->capacity && nr <= blk->capacity - sector;
}

/*
 * Checks shared by IN and OUT: data_bytes whole sectors inside the drive.
 * Returns true when the transfer may go ahead.
 */
static bool rw_request_ok(const struct virtio_blk *blk,
			  const struct virtq_chain *chain,
			  const struct blk_req *req, uint64_t data_bytes)
{
	if (data_bytes % VIRTIO_BLK_SECTOR_SIZE) {
		guest_error("%s: head %u: type %u: data length %llu not a "
			    "multiple of 512",
			    blk->name, chain->head, req->type,
			    (unsigned long long)data_bytes);
		return false;
	}
	/* A guest-chosen sector must not reach past the end of the drive. */
	if (!sector_range_ok(blk, req->sector, data_bytes)) {
		guest_error(
			"%s: head %u: type %u: sectors %llu+%llu past capacity "
			"%llu",
			blk->name, chain->head, req->type,
			(unsigned long long)req->sector,
			(unsigned long long)(data_bytes /
					     VIRTIO_BLK_SECTOR_SIZE),
			(unsigned long long)blk->capacity);
		return false;
	}
	return true;
}

/* The parts of the chain a request type must not have. */
static bool no_stray_data(const struct virtio_blk *blk,
			  const struct virtq_chain *chain,
			  const struct blk_req *req, bool readable_data,
			  bool writable_data)
{
	if (!readable_data && req->out_bytes != BLK_HDR_SIZE) {
		guest_error(
			"%s: head %u: type %u: %llu device-readable bytes after "
			"the header",
			blk->name, chain->head, req->type,
			(unsigned long long)(req->out_bytes - BLK_HDR_SIZE));
		return false;
	}
	if (!writable_data && req->in_bytes != 1) {
		guest_error("%s: head %u: type %u: %llu device-writable bytes "
			    "before the status",
			    blk->name, chain->head, req->type,
			    (unsigned long long)(req->in_bytes - 1));
		return false;
	}
	return true;
}

/* The transfer a checked read or write asks of the backend. */
static void blk_set_transfer(struct blk_req *req, enum block_op op,
			     const struct iovec *iov, int n, uint64_t bytes)
{
	req->io = (struct block_req){ .op = op,
				      .iov = iov,
				      .iovcnt = n,
				      .offset = req->sector *
						VIRTIO_BLK_SECTOR_SIZE };
	req->has_io = true;
	req->io_bytes = bytes;
}

/*
 * VIRTIO_BLK_T_IN: read sectors into the writable buffers. Like every
 * request kind below, this checks the request and describes the backend
 * I/O it needs in req->io (req->has_io); the caller runs it, here or on a
 * worker.
 */
static uint8_t blk_read(struct virtio_blk *blk, const struct guest_mem *gm,
			const struct virtq_chain *chain, struct blk_req *req,
			struct iovec *iov, uint32_t *data_len)
{
	uint64_t bytes = req->in_bytes - 1;
	int n;

	if (!no_stray_data(blk, chain, req, false, true) ||
	    !rw_request_ok(blk, chain, req, bytes))
		return VIRTIO_BLK_S_IOERR;
	if (bytes == 0)
		return VIRTIO_BLK_S_OK;
	n = virtq_chain_map(gm, chain, req->nr_out, chain->nr, 0, bytes, iov);
	if (n < 0)
		return VIRTIO_BLK_S_IOERR;
	blk_set_transfer(req, BLOCK_OP_READ, iov, n, bytes);
	*data_len = (uint32_t)bytes;
	return VIRTIO_BLK_S_OK;
}

/* VIRTIO_BLK_T_OUT: write the readable buffers after the header. */
static uint8_t blk_write(struct virtio_blk *blk, const struct guest_mem *gm,
			 const struct virtq_chain *chain, struct blk_req *req,
			 struct iovec *iov)
{
	uint64_t bytes = req->out_bytes - BLK_HDR_SIZE;
	int n;

	/* Spec 5.2.6.2: a read-only device fails writes, writing nothing. */
	if (blk->features & (1ull << VIRTIO_BLK_F_RO)) {
		guest_error(
			"%s: head %u: write to read-only drive (sector %llu)",
			blk->name, chain->head,
			(unsigned long long)req->sector);
		return VIRTIO_BLK_S_IOERR;
	}
	if (!no_stray_data(blk, chain, req, true, false) ||
	    !rw_request_ok(blk, chain, req, bytes))
		return VIRTIO_BLK_S_IOERR;
	if (bytes == 0)
		return VIRTIO_BLK_S_OK;
	n = virtq_chain_map(gm, chain, 0, req->nr_out, BLK_HDR_SIZE, bytes,
			    iov);
	if (n < 0)
		return VIRTIO_BLK_S_IOERR;
	blk_set_transfer(req, BLOCK_OP_WRITE, iov, n, bytes);
	return VIRTIO_BLK_S_OK;
}

/* VIRTIO_BLK_T_GET_ID: up to 20 bytes of serial, NUL-padded. */
static uint8_t blk_get_id(struct virtio_blk *blk, const struct guest_mem *gm,
			  const struct virtq_chain *chain,
			  const struct blk_req *req, uint32_t *data_len)
{
	uint64_t room = req->in_bytes - 1;
	uint64_t len = room < VIRTIO_BLK_ID_BYTES ? room : VIRTIO_BLK_ID_BYTES;

	if (!no_stray_data(blk, chain, req, false, true))
		return VIRTIO_BLK_S_IOERR;
	if (virtq_chain_write(gm, chain, req->nr_out, chain->nr, 0, blk->serial,
			      len))
		return VIRTIO_BLK_S_IOERR;
	*data_len = (uint32_t)len;
	return VIRTIO_BLK_S_OK;
}

/* VIRTIO_BLK_T_FLUSH: a real flush of the backend (fdatasync for raw). */
static uint8_t blk_flush(struct virtio_blk *blk,
			 const struct virtq_chain *chain, struct blk_req *req)
{
	if (!no_stray_data(blk, chain, req, false, false))
		return VIRTIO_BLK_S_IOERR;
	req->io = (struct block_req){ .op = BLOCK_OP_FLUSH };
	req->has_io = true;
	return VIRTIO_BLK_S_OK;
}

/*
 * Check the request; the status it completes with unless req->has_io,
 * when it completes once req->io has run. iov has room for one entry per
 * buffer of the chain.
 */
static uint8_t blk_prepare(struct virtio_blk *blk, const struct guest_mem *gm,
			   const struct virtq_chain *chain, struct blk_req *req,
			   struct iovec *iov, uint32_t *data_len)
{
	req->has_io = false;
	req->io_bytes = 0;
	switch (req->type) {
	case VIRTIO_BLK_T_IN:
		return blk_read(blk, gm, chain, req, iov, data_len);
	case VIRTIO_BLK_T_OUT:
		return blk_write(blk, gm, chain, req, iov);
	case VIRTIO_BLK_T_FLUSH:
		return blk_flush(blk, chain, req);
	case VIRTIO_BLK_T_GET_ID:
		return blk_get_id(blk, gm, chain, req, data_len);
	default:
		guest_error("%s: head %u: unsupported request type 0x%x",
			    blk->name, chain->head, req->type);
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/*
 * Write the status byte of a finished request. *used_len: the data
 * actually transferred plus the status byte. On failure this
 * underestimates, which the spec permits (2.7.8.2): better than claiming
 * bytes were written that were not.
 */
static int blk_finish(const struct guest_mem *gm, uint64_t status_gpa,
		      uint8_t status, uint32_t data_len, uint32_t *used_len)
{
	if (status != VIRTIO_BLK_S_OK)
		data_len = 0;
	if (!gm_write(gm, status_gpa, &status, 1))
		return -EFAULT;
	*used_len = data_len + 1;
	return 0;
}

/* Run a prepared request's I/O on this thread: the status it ends with. */
static uint8_t blk_run_io(struct virtio_blk *blk, struct blk_req *req,
			  uint8_t status)
{
	if (status != VIRTIO_BLK_S_OK || !req->has_io)
		return status;
	block_req_execute(blk->bb, &req->io);
	req->has_io = false;
	return req->io.result < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

int virtio_blk_handle_chain(struct virtio_blk *blk, const struct guest_mem *gm,
			    const struct virtq_chain *chain, uint32_t *used_len)
{
	struct blk_req req;
	uint32_t data_len = 0;
	uint8_t status;
	int ret;

	ret = parse_request(blk, gm, chain, &req);
	if (ret < 0)
		return ret;
	status = blk_prepare(blk, gm, chain, &req, blk->iov, &data_len);
	status = blk_run_io(blk, &req, status);
	return blk_finish(gm, req.status_gpa, status, data_len, used_len);
}

/* Whether a request's I/O goes to a worker: the backend says which. */
static bool blk_wants_worker(const struct virtio_blk *blk,
			     const struct blk_req *req)
{
	uint64_t min = blk->bb->worker_min_bytes;

	if (!req->has_io || min == BLOCK_NO_WORKERS)
		return false;
	return req->io.op == BLOCK_OP_FLUSH || req->io_bytes >= min;
}

/*
 * Take one request into the first free slot: 1 when it went to a worker,
 * 0 when it is complete (push it with *used_len), a negative errno for a
 * chain that cannot carry a request.
 */
static int blk_submit_chain(struct virtio_blk *blk, const struct guest_mem *gm,
			    const struct virtq_chain *chain, uint32_t *used_len)
{
	struct blk_inflight *slot = blk->free_slots;
	uint32_t data_len = 0;
	struct blk_req req;
	uint8_t status;
	int ret;

	/*
	 * Without a pool every request completes here; a slot maps a chain
	 * no longer than the queue (spec 2.7.5.3.1).
	 */
	if (!blk->pool || chain->nr > VIRTIO_BLK_QUEUE_SIZE)
		return virtio_blk_handle_chain(blk, gm, chain, used_len);
	ret = parse_request(blk, gm, chain, &req);
	if (ret < 0)
		return ret;
	status = blk_prepare(blk, gm, chain, &req, slot->iov, &data_len);
	if (status != VIRTIO_BLK_S_OK || !blk_wants_worker(blk, &req))
		status = blk_run_io(blk, &req, status);
	if (status != VIRTIO_BLK_S_OK || !req.has_io)
		return blk_finish(gm, req.status_gpa, status, data_len,
				  used_len);
	blk->free_slots = slot->next_free;
	blk->nr_in_flight++;
	slot->head = chain->head;
	slot->status_gpa = req.status_gpa;
	slot->data_len = data_len;
	slot->io = req.io;
	block_pool_submit(blk->pool, &slot->io);
	return 1;
}

/* Pop one chain and start it: 0 when the ring is empty, 1, or -errno. */
static int blk_start_chain(struct virtio_blk *blk, struct virtq *vq,
			   const struct guest_mem *gm, bool *pushed)
{
	uint32_t used_len;
	int ret = virtq_pop_chain(vq, gm, &blk->chain);

	if (ret <= 0)
		return ret;
	ret = blk_submit_chain(blk, gm, &blk->chain, &used_len);
	if (ret == 0)
		ret = virtq_push_used(vq, gm, blk->chain.head, used_len);
	if (ret < 0)
		return ret;
	*pushed |= ret == 0;
	return 1;
}

/*
 * Complete what the workers finished: write each status byte and push the
 * chain when push is set, or forget it (a reset). The slots come back
 * either way; the first error stops the pushing.
 */
static int blk_complete_done(struct virtio_blk *blk, struct virtq *vq,
			     const struct guest_mem *gm, bool push,
			     bool *pushed)
{
	struct block_req *io = block_pool_take_done(blk->pool);
	int ret = 0;

	while (io) {
		struct blk_inflight *slot = (struct blk_inflight *)io;
		uint8_t status = io->result < 0 ? VIRTIO_BLK_S_IOERR :
						  VIRTIO_BLK_S_OK;
		uint32_t used_len;

		io = io->next;
		if (push && ret == 0) {
			ret = blk_finish(gm, slot->status_gpa, status,
					 slot->data_len, &used_len);
			if (ret == 0)
				ret = virtq_push_used(vq, gm, slot->head,
						      used_len);
			*pushed |= ret == 0;
		}
		slot->next_free = blk->free_slots;
		blk->free_slots = slot;
		blk->nr_in_flight--;
	}
	return ret;
}

int virtio_blk_process_queue(struct virtio_blk *blk, struct virtq *vq,
			     const struct guest_mem *gm, bool *interrupt)
{
	unsigned int budget = VIRTIO_BLK_PASS_BUDGET;
	bool pushed = false, more = false;
	int ret = 0;

	/*
	 * With something in flight: clear the pool's eventfd (here, on the
	 * I/O thread, which watches it) and complete what finished. With
	 * nothing, this path makes no system call.
	 */
	if (blk->pool && blk->nr_in_flight) {
		block_pool_ack(blk->pool);
		ret = blk_complete_done(blk, vq, gm, true, &pushed);
	}
	/* No free slot: the rest stays in the ring until one completes. */
	while (ret >= 0 && (!blk->pool || blk->free_slots)) {
		/* The driver may refill the ring as fast as it is served. */
		if (budget-- == 0) {
			more = true;
			break;
		}
		if ((ret = blk_start_chain(blk, vq, gm, &pushed)) == 0)
			break;
	}
	*interrupt = pushed && virtq_needs_interrupt(vq, gm);
	return ret < 0 ? ret : more ? VIRTQ_MORE : 0;
}

int virtio_blk_drain(struct virtio_blk *blk, struct virtq *vq,
		     const struct guest_mem *gm, bool push, bool *interrupt)
{
	bool pushed = false;
	int ret;

	*interrupt = false;
	if (!blk->pool)
		return 0;
	/* Not pushing (a reset): what no worker has begun need not run. */
	block_pool_drain(blk->pool, !push);
	ret = blk_complete_done(blk, vq, gm, push, &pushed);
	*interrupt = pushed && virtq_needs_interrupt(vq, gm);
	return ret;
}

static uint64_t blk_ops_features(void *dev)
{
	return ((struct virtio_blk *)dev)->features;
}

static void blk_ops_config_read(void *dev, uint32_t offset, void *buf,
				uint32_t size)
{
	virtio_blk_config_read(dev, offset, buf, size);
}

static int blk_ops_process_queue(void *dev, unsigned int q, struct virtq *vq,
				 const struct guest_mem *gm, bool *interrupt)
{
	(void)q; /* one request queue: the transport only passes q = 0 */
	return virtio_blk_process_queue(dev, vq, gm, interrupt);
}

static int blk_ops_drain(void *dev, unsigned int q, struct virtq *vq,
			 const struct guest_mem *gm, bool push, bool *interrupt)
{
	(void)q; /* one request queue */
	return virtio_blk_drain(dev, vq, gm, push, interrupt);
}

const struct virtio_dev_ops virtio_blk_dev_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.num_queues = VIRTIO_BLK_NUM_QUEUES,
	.queue_num_max = VIRTIO_BLK_QUEUE_SIZE,
	.config_size = VIRTIO_BLK_CONFIG_SIZE,
	.features = blk_ops_features,
	.config_read = blk_ops_config_read,
	.process_queue = blk_ops_process_queue,
	.drain = blk_ops_drain,
};

/* ---- the blk kind: one --drive ---------------------------------------- */

static int blk_kind_check_spec(const char *spec, char *err, size_t errlen)
{
	struct block_spec parsed;

	return block_spec_parse(spec, &parsed, err, errlen);
}

int virtio_blk_pool_init(struct virtio_blk *blk)
{
	int r;

	blk->pool = malloc(sizeof(*blk->pool));
	blk->slots = calloc(BLOCK_POOL_WORKERS, sizeof(*blk->slots));
	r = blk->pool && blk->slots ? block_pool_init(blk->pool, blk->bb) :
				      -ENOMEM;
	if (r < 0) {
		free(blk->pool);
		free(blk->slots);
		blk->pool = NULL;
		blk->slots = NULL;
		return r;
	}
	blk->nr_in_flight = 0;
	for (unsigned int i = 0; i < BLOCK_POOL_WORKERS; i++) {
		blk->slots[i].next_free = blk->free_slots;
		blk->free_slots = &blk->slots[i];
	}
	return 0;
}

/* A --drive: a struct virtio_blk that owns the backend it opened. */
static void *blk_kind_create(const char *spec, unsigned int index,
			     const char *name, char *err, size_t errlen)
{
	struct virtio_blk *blk = calloc(1, sizeof(*blk));
	struct block_backend *bb;
	char serial[24];

	if (!blk) {
		snprintf(err, errlen, "drive %u: out of memory", index);
		return NULL;
	}
	if (block_open(spec, &bb, err, errlen) < 0) {
		free(blk);
		return NULL;
	}
	snprintf(serial, sizeof(serial), "vigil%u", index);
	if (virtio_blk_init(blk, bb, name, serial) < 0) {
		snprintf(err, errlen, "drive %u (%s): smaller than a sector",
			 index, spec);
		block_close(bb);
		free(blk);
		return NULL;
	}
	/* Workers, for what the I/O thread should not wait on itself. */
	if (bb->worker_min_bytes != BLOCK_NO_WORKERS &&
	    virtio_blk_pool_init(blk) < 0) {
		snprintf(err, errlen, "drive %u (%s): cannot set up workers",
			 index, spec);
		block_close(bb);
		free(blk);
		return NULL;
	}
	return blk;
}

static void blk_kind_destroy(void *dev)
{
	struct virtio_blk *blk = dev;

	virtio_blk_pool_destroy(blk);
	block_close(blk->bb);
	free(blk);
}

void virtio_blk_pool_destroy(struct virtio_blk *blk)
{
	if (blk->pool)
		block_pool_destroy(blk->pool);
	free(blk->pool);
	free(blk->slots);
	blk->pool = NULL;
	blk->slots = blk->free_slots = NULL;
	blk->nr_in_flight = 0;
}

static int blk_kind_start(void *dev, int (*on_start)(void *opaque),
			  void *opaque)
{
	struct virtio_blk *blk = dev;

	return blk->pool ? block_pool_start(blk->pool, on_start, opaque) : 0;
}

static int blk_kind_host_fd(void *dev)
{
	struct virtio_blk *blk = dev;

	return blk->pool ? block_pool_fd(blk->pool) : -1;
}

/* Writes the guest saw complete reach the disk before the snapshot. */
static int blk_kind_quiesce(void *dev)
{
	return block_flush(((struct virtio_blk *)dev)->bb);
}

/* ---- the blk kind in a snapshot: the drive node -------------------------- */

static const char *check_backend(const void *p, size_t len)
{
	struct block_spec *spec = malloc(sizeof(*spec));
	int r;

	(void)len;
	if (!spec)
		return "out of memory";
	r = block_spec_parse(p, spec, NULL, 0);
	free(spec);
	return r ? "not a valid --drive specification" : NULL;
}

static const char *check_drive_size(const void *p, size_t len)
{
	uint64_t v;

	(void)len;
	memcpy(&v, p, sizeof(v));
	return v && !(v % 512) ? NULL : "not a positive multiple of 512";
}

static const struct field drive_fields[] = {
	FIELD_STRING("backend", struct virtio_blk_snapshot, backend,
		     CHECK_FN(check_backend)),
	FIELD_U64("size", struct virtio_blk_snapshot, size,
		  CHECK_FN(check_drive_size)),
};

static const struct field_table drive_table =
	FIELD_TABLE("drive", drive_fields, NULL);

static void blk_snap_capture(void *dev, struct virtio_mmio_state *mmio,
			     void *state)
{
	const struct block_backend *bb = ((struct virtio_blk *)dev)->bb;
	struct virtio_blk_snapshot *d = state;

	(void)mmio; /* the transport's drain completed what was in flight */
	snprintf(d->backend, sizeof(d->backend), "%s", bb->desc);
	d->size = bb->size;
}

static const char *driver_name(enum block_driver d)
{
	return d == BLOCK_DRIVER_NULL_CO ? "null-co" : "raw";
}

/*
 * The drive given at restore must be the kind of drive the guest had, as
 * writable and as large: the guest's RAM (page cache, partition table)
 * expects it.
 */
static int blk_snap_check(void *dev, const void *state, const char *path,
			  char *err, size_t errlen)
{
	const struct virtio_blk *blk = dev;
	const struct block_backend *bb = blk->bb;
	const struct virtio_blk_snapshot *d = state;
	struct block_spec *want = malloc(sizeof(*want));
	struct block_spec *got = malloc(sizeof(*got));
	int r = -EINVAL;

	if (!want || !got) {
		snprintf(err, errlen, "out of memory");
		r = -ENOMEM;
	} else if (block_spec_parse(d->backend, want, NULL, 0) < 0 ||
		   block_spec_parse(bb->desc, got, NULL, 0) < 0) {
		snprintf(err, errlen, "%s/drive/backend: invalid", path);
	} else if (want->driver != got->driver) {
		snprintf(err, errlen,
			 "%s (--drive %s) is a %s drive, the snapshot recorded "
			 "%s (%s/drive/backend)",
			 blk->name, bb->desc, driver_name(got->driver),
			 driver_name(want->driver), path);
	} else if (want->readonly != got->readonly) {
		snprintf(err, errlen,
			 "%s (--drive %s) has readonly=%s, the snapshot "
			 "recorded readonly=%s (%s/drive/backend)",
			 blk->name, bb->desc, got->readonly ? "on" : "off",
			 want->readonly ? "on" : "off", path);
	} else if (bb->size != d->size) {
		snprintf(err, errlen,
			 "%s (--drive %s): %llu bytes, the snapshot recorded "
			 "%llu (%s/drive/size)",
			 blk->name, bb->desc, (unsigned long long)bb->size,
			 (unsigned long long)d->size, path);
	} else {
		r = 0;
	}
	free(want);
	free(got);
	return r;
}

static const char *blk_snap_spec(const void *state)
{
	return ((const struct virtio_blk_snapshot *)state)->backend;
}

static const struct virtio_kind_snap blk_snap = {
	.node = "drive",
	.table = &drive_table,
	.size = sizeof(struct virtio_blk_snapshot),
	.capture = blk_snap_capture,
	.check = blk_snap_check,
	.spec = blk_snap_spec,
};

const struct virtio_kind virtio_blk_kind = {
	.name = "blk",
	.option = "drive",
	.usage =
		"  --drive SPEC           a virtio-blk disk (repeat for more; all virtio\n"
		"                         devices share 8 slots):\n" CLI_DRIVE_SPEC_USAGE,
	.ops = &virtio_blk_dev_ops,
	.check_spec = blk_kind_check_spec,
	.create = blk_kind_create,
	.destroy = blk_kind_destroy,
	.quiesce = blk_kind_quiesce,
	.start = blk_kind_start,
	.host_fd = blk_kind_host_fd,
	.host_fd_events = EPOLLIN, /* the pool's eventfd */
	.snap = &blk_snap,
};
