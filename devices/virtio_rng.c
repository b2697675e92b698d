// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-rng device model. A request is a chain of device-writable
 * buffers; the answer is the used length: how many random bytes the device
 * wrote at the start of them (spec 5.4.6).
 */
#include "devices/virtio_rng.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>

#include "devices/virtio_kind.h"
#include "devices/virtio_mmio.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/parse.h"

static ssize_t rng_getrandom(void *buf, size_t len)
{
	return getrandom(buf, len, 0);
}

void virtio_rng_init(struct virtio_rng *rng, const char *name, uint64_t rate)
{
	/* The bucket divides by the rate and multiplies it by < 2^30. */
	if (rate == 0 || rate > VIRTIO_RNG_MAX_RATE)
		rate = VIRTIO_RNG_DEFAULT_RATE;
	rng->name = name;
	rng->rate = rate;
	rng->tokens = rate;
	rng->fill = rng_getrandom;
	rng->now_ns = clock_monotonic_ns;
	rng->refilled_ns = rng->now_ns();
	rng->wait_ns = 0;
	rng->held = false;
}

/* Add what the time since the last top-up earned, up to one second's. */
static void rng_refill(struct virtio_rng *rng)
{
	uint64_t now = rng->now_ns();
	uint64_t elapsed = now - rng->refilled_ns;
	uint64_t earned;

	if (elapsed >= NS_PER_SEC) {
		rng->tokens = rng->rate;
		rng->refilled_ns = now;
		return;
	}
	/* elapsed < 2^30 and rate <= 2^30: the product fits in 64 bits. */
	earned = elapsed * rng->rate / NS_PER_SEC;
	if (earned == 0)
		return; /* keep the fraction for the next call */
	rng->tokens = rng->tokens + earned > rng->rate ? rng->rate :
							 rng->tokens + earned;
	rng->refilled_ns = now;
}

/* How long until the bucket holds want bytes (want <= rate). */
static uint64_t rng_time_to(const struct virtio_rng *rng, uint64_t want)
{
	uint64_t missing = want - rng->tokens;

	return (missing * NS_PER_SEC + rng->rate - 1) / rng->rate;
}

/* Bytes the chain can take: its device-writable buffers, all of them. */
static uint64_t rng_chain_room(const struct virtio_rng *rng,
			       const struct virtq_chain *chain)
{
	uint64_t room = 0;

	for (unsigned int i = 0; i < chain->nr; i++) {
		/* The spec gives the device write-only buffers (5.4.6.1). */
		if (!chain->buf[i].device_writable) {
			guest_error("%s: head %u: buffer %u is device-readable",
				    rng->name, chain->head, i);
			return 0;
		}
		room += chain->buf[i].len;
	}
	return room;
}

/*
 * What the held chain gets: its room, at most VIRTIO_RNG_MAX_REQUEST and
 * never more than the bucket holds when full, so that it can be served.
 */
static uint64_t rng_grant(const struct virtio_rng *rng)
{
	uint64_t n = rng_chain_room(rng, &rng->chain);

	if (n > VIRTIO_RNG_MAX_REQUEST)
		n = VIRTIO_RNG_MAX_REQUEST;
	return n > rng->rate ? rng->rate : n;
}

/* Fill the held chain with n bytes from the bucket; 0 or -errno. */
static int rng_fill_chain(struct virtio_rng *rng, const struct guest_mem *gm,
			  uint64_t n, uint32_t *used_len)
{
	ssize_t got;
	int r;

	*used_len = 0;
	if (n == 0)
		return 0;
	got = rng->fill(rng->buf, (size_t)n);
	if (got <= 0) {
		log_error("%s: no random bytes from the host: %s", rng->name,
			  got < 0 ? strerror(errno) : "none");
		return 0;
	}
	r = virtq_chain_write(gm, &rng->chain, 0, rng->chain.nr, 0, rng->buf,
			      (uint64_t)got);
	/* The guest's entropy is the guest's: none of it stays in vigil. */
	explicit_bzero(rng->buf, (size_t)got);
	if (r < 0)
		return r;
	rng->tokens -= (uint64_t)got;
	*used_len = (uint32_t)got;
	return 0;
}

/*
 * Take chains and answer each with its whole grant once the bucket holds
 * it. A chain the bucket cannot pay yet is held (popped, not answered)
 * until a later pass: tiny answers would only make the driver come back
 * sooner, for more interrupts and exits than bytes.
 */
int virtio_rng_process_queue(struct virtio_rng *rng, struct virtq *vq,
			     const struct guest_mem *gm, bool *interrupt)
{
	unsigned int budget = VIRTIO_RNG_PASS_BUDGET;
	uint64_t wait = 0, want;
	bool pushed = false, more = false;
	uint32_t used_len;
	int ret = 0;

	for (;;) {
		if (budget-- == 0) {
			more = true;
			break;
		}
		if (!rng->held) {
			ret = virtq_pop_chain(vq, gm, &rng->chain);
			if (ret <= 0)
				break;
			rng->held = true;
		}
		want = rng_grant(rng);
		rng_refill(rng);
		if (rng->tokens < want) {
			wait = rng_time_to(rng, want);
			break;
		}
		ret = rng_fill_chain(rng, gm, want, &used_len);
		if (ret == 0)
			ret = virtq_push_used(vq, gm, rng->chain.head,
					      used_len);
		rng->held = false;
		if (ret < 0)
			break;
		pushed = true;
	}
	__atomic_store_n(&rng->wait_ns, wait, __ATOMIC_RELAXED);
	*interrupt = pushed && virtq_needs_interrupt(vq, gm);
	return ret < 0 ? ret : more ? VIRTQ_MORE : 0;
}

void virtio_rng_reset(struct virtio_rng *rng)
{
	/* The held chain belonged to the old rings. */
	rng->held = false;
	__atomic_store_n(&rng->wait_ns, 0, __ATOMIC_RELAXED);
}

uint64_t virtio_rng_wait_ns(struct virtio_rng *rng)
{
	return __atomic_load_n(&rng->wait_ns, __ATOMIC_RELAXED);
}

int virtio_rng_spec_parse(const char *spec, uint64_t *rate, char *err,
			  size_t errlen)
{
	static const char key[] = "bytes-per-second=";
	const char *v;
	uint64_t n;

	*rate = VIRTIO_RNG_DEFAULT_RATE;
	if (!spec || !*spec)
		return 0;
	if (strncmp(spec, key, sizeof(key) - 1) != 0) {
		snprintf(err, errlen, "rng: '%s': expected bytes-per-second=N",
			 spec);
		return -EINVAL;
	}
	v = spec + sizeof(key) - 1;
	if (parse_size(v, 0, &n) < 0 || n == 0 || n > VIRTIO_RNG_MAX_RATE) {
		snprintf(err, errlen,
			 "rng: bytes-per-second=%s: expected 1..%llu (K, M, G "
			 "suffixes)",
			 v, VIRTIO_RNG_MAX_RATE);
		return -EINVAL;
	}
	*rate = n;
	return 0;
}

/* ---- the transport's view ------------------------------------------------ */

static uint64_t rng_ops_features(void *dev)
{
	(void)dev;
	return 1ull << VIRTIO_F_VERSION_1;
}

static void rng_ops_reset(void *dev)
{
	virtio_rng_reset(dev);
}

static int rng_ops_process_queue(void *dev, unsigned int q, struct virtq *vq,
				 const struct guest_mem *gm, bool *interrupt)
{
	(void)q; /* one request queue: the transport only passes q = 0 */
	return virtio_rng_process_queue(dev, vq, gm, interrupt);
}

const struct virtio_dev_ops virtio_rng_dev_ops = {
	.device_id = VIRTIO_ID_RNG,
	.num_queues = VIRTIO_RNG_NUM_QUEUES,
	.queue_num_max = VIRTIO_RNG_QUEUE_SIZE,
	.config_size = 0,
	.features = rng_ops_features,
	.reset = rng_ops_reset,
	.process_queue = rng_ops_process_queue,
};

/* ---- the rng kind: --rng --------------------------------------------- */

static int rng_kind_check_spec(const char *spec, char *err, size_t errlen)
{
	uint64_t rate;

	return virtio_rng_spec_parse(spec, &rate, err, errlen);
}

static void *rng_kind_create(const char *spec, unsigned int index,
			     const char *name, char *err, size_t errlen)
{
	struct virtio_rng *rng;
	uint64_t rate;

	if (virtio_rng_spec_parse(spec, &rate, err, errlen) < 0)
		return NULL;
	rng = calloc(1, sizeof(*rng));
	if (!rng) {
		snprintf(err, errlen, "rng %u: out of memory", index);
		return NULL;
	}
	virtio_rng_init(rng, name, rate);
	return rng;
}

static void rng_kind_destroy(void *dev)
{
	free(dev);
}

static uint64_t rng_kind_wait_ns(void *dev)
{
	return virtio_rng_wait_ns(dev);
}

/* What serving the queue adds to the I/O thread's system calls. */
static const int rng_io_syscalls[] = {
	SYS_getrandom, /* the bytes (the slot's timer wakes it: vmm/sandbox.c) */
};

/*
 * The bucket is not saved: a restored device starts full, as a new one.
 * A chain the device holds was taken from the ring but not answered; the
 * snapshot gives it back (the chain before last-avail-idx is still in the
 * available ring: the driver cannot reuse its slot until it is used), so
 * the restored device pops it again and the guest loses no request.
 */
static void rng_snap_capture(void *dev, struct virtio_mmio_state *mmio,
			     void *state)
{
	const struct virtio_rng *rng = dev;

	(void)state;
	if (rng->held)
		mmio->queue[0].last_avail_idx--;
}

static const struct virtio_kind_snap rng_snap = {
	.capture = rng_snap_capture,
};

const struct virtio_kind virtio_rng_kind = {
	.name = "rng",
	.option = "rng",
	.arg_optional = true,
	.usage =
		"  --rng[=bytes-per-second=N]\n"
		"                         a virtio entropy device fed from the\n"
		"                         host's getrandom(2), at most N bytes a\n"
		"                         second (default 1M; K, M, G suffixes)\n",
	.ops = &virtio_rng_dev_ops,
	.check_spec = rng_kind_check_spec,
	.create = rng_kind_create,
	.destroy = rng_kind_destroy,
	.wait_ns = rng_kind_wait_ns,
	.io_syscalls = rng_io_syscalls,
	.nr_io_syscalls = sizeof(rng_io_syscalls) / sizeof(rng_io_syscalls[0]),
	.snap = &rng_snap,
};
