/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-blk device model (virtio 1.2 section 5.2), independent of the
 * transport: virtio-mmio drives it through virtio_blk_dev_ops, the vhost-user
 * server (vigil-blkd) through virtio_blk_process_queue() directly.
 *
 * One request queue. Requests: VIRTIO_BLK_T_IN, OUT, FLUSH, GET_ID; anything
 * else completes with VIRTIO_BLK_S_UNSUPP. Each request is a validated
 * struct virtq_chain (see virtq.h). Framing the device cannot answer (no
 * header, no status byte) is a broken ring: the transport sets
 * DEVICE_NEEDS_RESET. Everything else (a bad sector range, a data length
 * that is not a multiple of 512, a write to a read-only drive, data in the
 * wrong direction) completes with VIRTIO_BLK_S_IOERR and a guest_errors line.
 *
 * Not thread-safe: the caller serialises all calls on one struct virtio_blk
 * (the transport's device lock; vigil-blkd's single thread). A device with
 * a pool (virtio_blk_pool_init; vigil's --drive devices, not vigil-blkd's)
 * hands requests to worker threads and completes them in a later pass, in
 * the order they finish (spec 2.7: without VIRTIO_F_IN_ORDER, any order
 * will do). The workers run concurrently with the rest, touching only the
 * backend and the guest RAM a request transfers.
 */
#ifndef VIGIL_VIRTIO_BLK_H
#define VIGIL_VIRTIO_BLK_H

#include <linux/virtio_blk.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "block/block.h"
#include "block/pool.h"
#include "devices/virtq.h"
#include "lib/guest_mem.h"

/* Queue size offered in QueueNumMax; the chain limit follows from it. */
#define VIRTIO_BLK_QUEUE_SIZE 256u
#define VIRTIO_BLK_NUM_QUEUES 1u /* one request queue */
#define VIRTIO_BLK_SECTOR_SIZE 512u
#define VIRTIO_BLK_PASS_BUDGET 256u /* chains a pass takes at the most */
/*
 * The config space vigil presents: struct virtio_blk_config up to and
 * including num_queues. The later fields (discard, write zeroes, ...) belong
 * to features vigil does not offer.
 */
#define VIRTIO_BLK_CONFIG_SIZE \
	offsetof(struct virtio_blk_config, max_discard_sectors)

/*
 * A request on a worker (virtio-mmio drives whose backend may sleep): what
 * completing it needs, kept from when its chain was popped.
 */
struct blk_inflight {
	struct block_req io; /* first: the pool hands back &io */
	struct blk_inflight *next_free;
	uint16_t head;
	uint64_t status_gpa;
	uint32_t data_len; /* bytes a read fills when it succeeds */
	struct iovec iov[VIRTIO_BLK_QUEUE_SIZE];
};

struct virtio_blk {
	struct block_backend *bb; /* not owned */
	const char *name;	  /* for log lines, e.g. "virtio-blk0" */
	uint64_t features;	  /* offered feature bits */
	uint64_t capacity;	  /* 512-byte sectors */
	/* The GET_ID string: NUL-padded, not NUL-terminated at 20 bytes. */
	char serial[VIRTIO_BLK_ID_BYTES];
	/* Config space as the guest reads it: little-endian. */
	struct virtio_blk_config config;
	/* Per-request scratch (large: this struct lives on the heap). */
	struct virtq_chain chain;
	struct iovec iov[VIRTQ_MAX_CHAIN];
	/*
	 * With a pool, requests that reach the backend run on its workers,
	 * up to BLOCK_POOL_WORKERS at once, each in a slot; NULL: every
	 * request completes within virtio_blk_process_queue().
	 */
	struct block_pool *pool;
	struct blk_inflight *slots;	 /* BLOCK_POOL_WORKERS of them */
	struct blk_inflight *free_slots; /* a list through next_free */
	unsigned int nr_in_flight;	 /* slots taken */
};

/*
 * Set up blk over bb (which must outlive it). serial is the GET_ID string,
 * truncated to 20 bytes (e.g. "vigil-0"). Offers VIRTIO_F_VERSION_1,
 * VIRTIO_RING_F_EVENT_IDX, VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_BLK_F_FLUSH,
 * VIRTIO_BLK_F_SEG_MAX, and VIRTIO_BLK_F_RO for a read-only backend.
 * Returns 0 or -EINVAL (with log_error) for a drive smaller than a sector.
 */
int virtio_blk_init(struct virtio_blk *blk, struct block_backend *bb,
		    const char *name, const char *serial);

/*
 * Execute one request described by chain and write its status byte. On
 * return 0 the request is complete: push it to the used ring with *used_len
 * (bytes written into the device-writable buffers, status byte included).
 * A negative errno means the chain cannot carry a request at all (header
 * shorter than 16 bytes or no device-writable status byte): the guest error
 * is logged and the caller sets DEVICE_NEEDS_RESET.
 */
int virtio_blk_handle_chain(struct virtio_blk *blk, const struct guest_mem *gm,
			    const struct virtq_chain *chain,
			    uint32_t *used_len);

/*
 * Serve a ready queue: complete what the pool's workers finished, then pop
 * and handle requests until the ring is empty (or, with a pool, until
 * every slot is in flight: the rest wait in the ring, and the pool's
 * eventfd calls for another pass), or VIRTIO_BLK_PASS_BUDGET of them: a
 * driver that refills the ring as fast as it is served must not keep the
 * caller's thread in one pass. Returns 0, VIRTQ_MORE when the budget ran
 * out (the caller serves the queue again after its other work), or a
 * negative errno when the ring or a chain is broken (the caller sets
 * DEVICE_NEEDS_RESET and stops the device). *interrupt is set when the
 * driver wants a used-buffer notification (virtq_needs_interrupt), also on
 * error for the requests completed before it.
 */
int virtio_blk_process_queue(struct virtio_blk *blk, struct virtq *vq,
			     const struct guest_mem *gm, bool *interrupt);

/*
 * Give blk a pool of workers over its backend (block/pool.h), not yet
 * started: block_pool_start(blk->pool, ...). 0 or a negative errno.
 * virtio_blk_pool_destroy() waits for what is in flight and frees it.
 */
int virtio_blk_pool_init(struct virtio_blk *blk);
void virtio_blk_pool_destroy(struct virtio_blk *blk);

/*
 * Wait until no request is in flight, then complete those the workers
 * finished (push is set) or forget them (a reset; requests no worker has
 * begun are not run). 0 or a negative errno as virtio_blk_process_queue.
 * Without a pool, nothing is ever in flight.
 */
int virtio_blk_drain(struct virtio_blk *blk, struct virtq *vq,
		     const struct guest_mem *gm, bool push, bool *interrupt);

/*
 * Read size bytes of config space at offset into buf. The caller has checked
 * that [offset, offset + size) lies inside VIRTIO_BLK_CONFIG_SIZE.
 */
void virtio_blk_config_read(const struct virtio_blk *blk, uint32_t offset,
			    void *buf, uint32_t size);

/*
 * A drive's state in a snapshot (the device's "drive" node): the backend
 * a restore must reopen, as its normalised spec, and its size then.
 */
struct virtio_blk_snapshot {
	char backend[BLOCK_DESC_MAX]; /* block_backend.desc */
	uint64_t size;		      /* bytes */
};

struct virtio_dev_ops;
/* The device-ops table for a transport (virtio_mmio_init). */
extern const struct virtio_dev_ops virtio_blk_dev_ops;

/*
 * The kind vigil's --drive builds (devices/virtio_kind.h): its devices are
 * struct virtio_blk that own their backend (dev->bb).
 */
struct virtio_kind;
extern const struct virtio_kind virtio_blk_kind;

#endif
