/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio entropy device (virtio 1.2 section 5.4): one request queue
 * whose chains are device-writable buffers, filled with random bytes from
 * the host's RNG. A guest could ask for bytes without end; a token bucket
 * limits it to `rate` bytes per second (burst: one second's worth). Each
 * chain is answered whole: its length, at most VIRTIO_RNG_MAX_REQUEST and
 * the rate, once the bucket holds that much. A chain the bucket cannot
 * pay yet is held; virtio_rng_wait_ns() says when to serve the queue
 * again.
 *
 * Not thread-safe, like virtio_blk: the transport's device lock serialises
 * every call except virtio_rng_wait_ns(), which may be called from any
 * thread.
 */
#ifndef VIGIL_VIRTIO_RNG_H
#define VIGIL_VIRTIO_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "devices/virtq.h"
#include "lib/guest_mem.h"

#define VIRTIO_RNG_QUEUE_SIZE 64u
#define VIRTIO_RNG_NUM_QUEUES 1u
#define VIRTIO_RNG_MAX_REQUEST 4096u
#define VIRTIO_RNG_DEFAULT_RATE (1ull << 20) /* bytes per second */
#define VIRTIO_RNG_MAX_RATE (1ull << 30)
#define VIRTIO_RNG_PASS_BUDGET 256u /* chains a pass answers at the most */

struct virtio_rng {
	const char *name;     /* for log lines, e.g. "virtio-rng0" */
	uint64_t rate;	      /* bytes per second, 1..VIRTIO_RNG_MAX_RATE */
	uint64_t tokens;      /* bytes the guest may take now, <= rate */
	uint64_t refilled_ns; /* clock when tokens were last topped up */
	uint64_t wait_ns;     /* atomic: serve again after this; 0 = no wait */
	bool held;	      /* chain was popped and waits for the bucket */
	/* The entropy source and the clock; tests replace them. */
	ssize_t (*fill)(void *buf, size_t len);
	uint64_t (*now_ns)(void);
	struct virtq_chain chain; /* the chain being served (or held) */
	uint8_t buf[VIRTIO_RNG_MAX_REQUEST];
};

/*
 * Set up rng with a full bucket of rate bytes per second (outside
 * 1..VIRTIO_RNG_MAX_RATE: the default).
 */
void virtio_rng_init(struct virtio_rng *rng, const char *name, uint64_t rate);

/*
 * Serve the queue while the bucket pays: fill each chain's buffers with
 * min(their length, VIRTIO_RNG_MAX_REQUEST, rate) bytes, at most
 * VIRTIO_RNG_PASS_BUDGET chains (a chain with no room costs no bytes,
 * and a driver refilling the ring with them must not hold the I/O
 * thread). Returns 0, VIRTQ_MORE when the budget ran out (serve again
 * after the thread's other work), or a negative errno for a broken ring
 * (the transport sets DEVICE_NEEDS_RESET). A chain with device-readable buffers is a driver
 * error: it completes with no bytes and a guest_errors line.
 */
int virtio_rng_process_queue(struct virtio_rng *rng, struct virtq *vq,
			     const struct guest_mem *gm, bool *interrupt);

/* The device was reset: forget the held chain. */
void virtio_rng_reset(struct virtio_rng *rng);

/* Nanoseconds until the bucket can serve again, or 0 when nothing waits. */
uint64_t virtio_rng_wait_ns(struct virtio_rng *rng);

/*
 * Parse --rng's argument: NULL or "" for the default rate, else
 * "bytes-per-second=N" with N in 1..VIRTIO_RNG_MAX_RATE (a K/M/G suffix
 * multiplies by 1024s). Returns 0 or -EINVAL with a reason in err.
 */
int virtio_rng_spec_parse(const char *spec, uint64_t *rate, char *err,
			  size_t errlen);

struct virtio_dev_ops;
extern const struct virtio_dev_ops virtio_rng_dev_ops;
struct virtio_kind;
/* --rng: a struct virtio_rng fed from getrandom(2). */
extern const struct virtio_kind virtio_rng_kind;

#endif
