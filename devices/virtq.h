/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Split virtqueues (virtio 1.2 section 2.7), device side, independent of the
 * transport: virtio-mmio and the vhost-user server both drive a struct virtq.
 *
 * The rings live in guest RAM and the guest may rewrite them at any moment,
 * from another vCPU, while the device reads them. So the device follows one
 * discipline ("copy in, validate, use"):
 *
 *  - the available index is read once per pass (one acquire load) and a jump
 *    of more than the queue size is a broken ring;
 *  - each descriptor is read once, with gm_read, into a local copy; the chain
 *    is walked from the copies, bounded by the queue size, and every field is
 *    checked (next in range, no loop, indirect table well formed, buffer
 *    inside RAM) before the chain is handed to the device model;
 *  - the device model sees only struct virtq_chain, never the ring.
 *
 * A broken ring is reported as a negative errno; the transport then sets
 * DEVICE_NEEDS_RESET and stops the device. Nothing here trusts a value it
 * has not just copied and checked.
 *
 * Not thread-safe: one thread at a time per queue (the transport's device
 * lock, or the vhost-user server's single thread).
 */
#ifndef VIGIL_VIRTQ_H
#define VIGIL_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lib/guest_mem.h"

/*
 * The largest queue size vigil supports, and so the longest chain: the spec
 * forbids a chain longer than the queue size, indirect tables included. A
 * transport offers at most this in QueueNumMax. 1024 matches QEMU's limit and
 * Linux's IOV_MAX, so a chain always fits one preadv/pwritev.
 */
#define VIRTQ_MAX_SIZE 1024u
#define VIRTQ_MAX_CHAIN VIRTQ_MAX_SIZE

/* Ring element sizes (spec 2.7): they fix the ring layout below. */
#define VIRTQ_DESC_SIZE 16u
#define VIRTQ_USED_ELEM_SIZE 8u

/*
 * An indirect table must be aligned to a descriptor's natural alignment. The
 * spec sets none; every driver allocator gives at least 8 (Linux's kmalloc
 * guarantees ARCH_KMALLOC_MINALIGN >= 8), so anything less is corruption.
 */
#define VIRTQ_INDIRECT_ALIGN 8u

/*
 * What a device's queue pass returns when it stopped at its budget with
 * buffers perhaps left in the ring (otherwise 0, or a negative errno for
 * a broken ring). A driver can refill its ring as fast as the device
 * serves it, so a pass that ran until the ring was empty might never end:
 * the caller serves the queue again after its other work (the I/O
 * thread: the queue's eventfd, vmm/virtio_slot.c; vigil-blkd: its loop).
 */
#define VIRTQ_MORE 1

struct virtq {
	/* Name for guest_errors lines, e.g. "virtio-blk@0xd0000000 q0". */
	const char *name;

	/* Set by the driver through the transport; see virtq_check_layout(). */
	uint16_t num;	/* queue size: a power of two, 1..VIRTQ_MAX_SIZE */
	bool ready;	/* QueueReady: the device may touch the rings */
	uint64_t desc;	/* descriptor table (Descriptor Area) */
	uint64_t avail; /* available ring (Driver Area) */
	uint64_t used;	/* used ring (Device Area) */

	/* Negotiated ring features, fixed when the queue is enabled. */
	bool event_idx; /* VIRTIO_RING_F_EVENT_IDX */
	bool indirect;	/* VIRTIO_RING_F_INDIRECT_DESC */

	/* Device-side state: our cursors, never read back from the guest. */
	uint16_t last_avail_idx;   /* next available entry to consume */
	uint16_t shadow_avail_idx; /* avail->idx as read at the last pass */
	uint16_t used_idx;	   /* our copy of used->idx */
	uint16_t signalled_used;   /* used_idx when we last notified */
	bool signalled_used_valid; /* false: the next check must notify */
};

struct virtq_buf {
	uint64_t gpa; /* checked: [gpa, gpa + len) is inside one RAM region */
	uint32_t len; /* > 0 */
	bool device_writable;
};

/*
 * A copied and validated descriptor chain: nr buffers, every device-readable
 * buffer before every device-writable one, total length < 2^32.
 */
struct virtq_chain {
	uint16_t head; /* descriptor index to return in the used ring */
	unsigned int nr;
	struct virtq_buf buf[VIRTQ_MAX_CHAIN];
};

/* Reset to "not configured": not ready, size num_max, no addresses. */
void virtq_reset(struct virtq *vq, uint16_t num_max);

/*
 * Check a queue's layout before the device may use it: num a power of two in
 * 1..VIRTQ_MAX_SIZE, each ring aligned as spec 2.7 requires (descriptors 16,
 * available 2, used 4) and wholly inside guest RAM, event fields included.
 * Used by the transport when the driver sets QueueReady and by the snapshot
 * loader. Returns NULL when valid, else a short reason for the caller's log
 * line (which names the device and the values).
 */
const char *virtq_check_layout(const struct virtq *vq,
			       const struct guest_mem *gm);

/*
 * Start using a queue whose layout passed virtq_check_layout(): zero the
 * device-side cursors (a freshly enabled ring starts at index 0), record the
 * negotiated ring features and mark it ready.
 */
void virtq_enable(struct virtq *vq, bool event_idx, bool indirect);

/*
 * Whether the driver has made a chain available that virtq_pop_chain()
 * has not taken: one read of avail->idx, nothing changed (for polling).
 */
bool virtq_avail_pending(const struct virtq *vq, const struct guest_mem *gm);

/*
 * Take the next available chain. Returns 1 with *chain filled, 0 when the
 * ring is empty, or a negative errno when the ring is broken (the guest
 * error is logged; the caller must set DEVICE_NEEDS_RESET and stop using the
 * queue). The queue must be ready. The chain is the caller's (it is large:
 * keep it in a heap-allocated device struct, not on the stack).
 */
int virtq_pop_chain(struct virtq *vq, const struct guest_mem *gm,
		    struct virtq_chain *chain);

/*
 * Return a chain to the driver: write the used element (head, len = bytes
 * written into the chain's device-writable buffers), then publish it with a
 * release store of used->idx. Returns 0 or -EFAULT when the used ring is not
 * in RAM (impossible after virtq_check_layout, checked anyway).
 */
int virtq_push_used(struct virtq *vq, const struct guest_mem *gm, uint16_t head,
		    uint32_t len);

/*
 * Return n chains at once: every element is written before the one release
 * store of used->idx, so the driver never sees some of them without the
 * rest (a merged RX frame taken in part is a frame lost, and the rest read
 * as frames whose headers are payload).
 */
int virtq_push_used_n(struct virtq *vq, const struct guest_mem *gm,
		      const uint16_t *heads, const uint32_t *lens,
		      unsigned int n);

/*
 * After one or more virtq_push_used(): does the driver want a used-buffer
 * notification? With EVENT_IDX, when used->idx crossed avail->used_event
 * since the last notification; otherwise unless the driver set
 * VRING_AVAIL_F_NO_INTERRUPT. Call once per batch; it records what it
 * decided. A ring that cannot be read asks for a notification.
 */
bool virtq_needs_interrupt(struct virtq *vq, const struct guest_mem *gm);

/*
 * Byte ranges of a popped chain, after crosvm's Reader and Writer: the
 * bytes [off, off + len) of the chain's buffers [first, end), counted as
 * one stream, so device models never hand-roll offsets. Each guest byte is
 * touched once. A range that runs past the buffers is -EFAULT; so is a
 * buffer that is no longer inside RAM.
 *
 * virtq_chain_read/write copy into buf / out of buf. virtq_chain_map
 * fills iov (room for VIRTQ_MAX_CHAIN entries: at most one per buffer)
 * with pointers into guest RAM and returns the entry count.
 */
int virtq_chain_read(const struct guest_mem *gm,
		     const struct virtq_chain *chain, unsigned int first,
		     unsigned int end, uint64_t off, void *buf, uint64_t len);
int virtq_chain_write(const struct guest_mem *gm,
		      const struct virtq_chain *chain, unsigned int first,
		      unsigned int end, uint64_t off, const void *buf,
		      uint64_t len);
int virtq_chain_map(const struct guest_mem *gm, const struct virtq_chain *chain,
		    unsigned int first, unsigned int end, uint64_t off,
		    uint64_t len, struct iovec *iov);

#endif
