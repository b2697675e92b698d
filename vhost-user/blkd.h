/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigil-blkd's device: vigil's virtio-blk model (devices/virtio_blk.h) and
 * split virtqueue (devices/virtq.h) over a block backend, driven by
 * vhost-user messages instead of virtio-mmio registers. One device model,
 * two transports.
 *
 * Every message first passes vu_msg_check(). Then:
 *  - a malformed message (bad header, size, fd count, field, regions) ends
 *    the connection: blkd_handle_msg() returns -EPROTO and the server
 *    calls blkd_disconnect();
 *  - a well-formed request that cannot be honoured now (an unsupported
 *    request, features never offered, ring addresses outside the memory
 *    table, reconfiguring a started ring, ...) changes nothing; it is
 *    answered with a non-zero REPLY_ACK when the front-end asked for one
 *    (an empty payload for GET_CONFIG), and logged;
 *  - everything is logged under -d guest_errors, rate-limited.
 * Descriptors that come with a message are owned from then on: kept (kick,
 * call, err) or closed, on every path.
 *
 * Rings (vhost-user.rst "Ring states"): a ring starts on SET_VRING_KICK and
 * stops on GET_VRING_BASE, which answers with the next available index; it
 * is served only while started and enabled (SET_VRING_ENABLE 1, or directly
 * when SET_FEATURES leaves out VHOST_USER_F_PROTOCOL_FEATURES), and once
 * there is a memory table. Its user
 * addresses are translated to guest-physical ones through the memory table
 * whenever it is enabled or the table changes, and virtq_check_layout()
 * checks the result. A ring the front-end breaks (a bad chain) stops being
 * served, its error fd is signalled, until it is stopped and started again.
 *
 * Single-threaded: one thread makes every call on a struct blkd. The
 * process must ignore SIGPIPE (vigil-blkd's main does): the call and error
 * fds are the front-end's pipes or eventfds, and a pipe whose reader is
 * gone must give EPIPE, not kill the device.
 */
#ifndef VIGIL_BLKD_H
#define VIGIL_BLKD_H

#include <stdbool.h>
#include <stdint.h>

#include "block/block.h"
#include "devices/virtio_blk.h"
#include "devices/virtq.h"
#include "vhost-user/vhost_user.h"
#include "vhost-user/vu_mem.h"

/* virtio-blk without VIRTIO_BLK_F_MQ: one request queue. */
#define BLKD_NUM_QUEUES 1u

/*
 * Reads per kick wake-up, each of up to 64 kicks (8 bytes each): an eventfd
 * is drained in two (its counter, then EAGAIN), a pipe of up to 960 pending
 * kicks (nearly one per descriptor of the largest queue) in 16. A kick fd
 * still readable after that is not one: blkd_on_kick() stops watching it.
 */
#define BLKD_KICK_READS 16u
#define BLKD_KICK_READ_KICKS 64u

/*
 * The smallest queue a front-end is expected to choose. It reads the
 * config space (seg_max) before it picks a queue size, and QEMU's and
 * Cloud Hypervisor's default is 128; seg_max = 128 - 2 keeps a request
 * (header, data, status) within such a queue, as the spec requires of
 * every chain, indirect tables included.
 */
#define BLKD_MIN_QUEUE_SIZE 128u

/*
 * Protocol features vigil-blkd offers. BACKEND_REQ only takes the channel
 * (vigil-blkd sends nothing on it): Linux's UML before 6.6 gives its
 * virtqueue interrupts the channel's IRQ, and without the channel asks for
 * IRQ 0, which its timer holds, so virtio_blk fails to probe (-EBUSY).
 */
#define BLKD_PROTOCOL_FEATURES                       \
	(1ull << VHOST_USER_PROTOCOL_F_MQ |          \
	 1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK |   \
	 1ull << VHOST_USER_PROTOCOL_F_BACKEND_REQ | \
	 1ull << VHOST_USER_PROTOCOL_F_CONFIG |      \
	 1ull << VHOST_USER_PROTOCOL_F_RESET_DEVICE)

/*
 * Used-buffer notifications in batches (serve_ring()). A driver with
 * several requests in flight goes on making requests available until it
 * is interrupted, and an interrupt costs it far more than a request costs
 * the daemon (Linux in UML: 7-10k requests a second notified one by one,
 * 20-50k in batches). So a notification the driver wants is held while
 * more requests come: after a pass the daemon polls the ring for up to
 * BLKD_POLL_NS, then sleeps on the ring's timer, and the notification goes
 * once the ring has been quiet for BLKD_NOTIFY_DELAY_NS
 * (BLKD_NOTIFY_FIRST_NS while the batch holds one request), or at once
 * when BLKD_BATCH_MAX are held. A driver that waits for each request
 * loses the wait: after BLKD_SINGLES batches of one in a row the ring
 * notifies at once for BLKD_NOTIFY_AT_ONCE passes, then tries a batch
 * again. A ring starts notifying at once.
 */
#define BLKD_POLL_NS 5000u
#define BLKD_NOTIFY_DELAY_NS 10000u
#define BLKD_NOTIFY_FIRST_NS 200000u
#define BLKD_BATCH_MAX 64u
#define BLKD_SINGLES 4u
#define BLKD_NOTIFY_AT_ONCE 256u

/*
 * How the server learns which fds to watch (NULL members: none): each
 * ring's kick fd, and its notification timer (add_timer; without it,
 * every notification is sent at once).
 */
struct blkd_watch {
	int (*add)(void *opaque, int fd, unsigned int queue);
	void (*remove)(void *opaque, int fd);
	int (*add_timer)(void *opaque, int fd, unsigned int queue);
	void *opaque;
};

struct blkd_ring {
	struct virtq vq; /* vq.ready: the device serves this ring now */
	int kick_fd, call_fd, err_fd;
	bool started; /* SET_VRING_KICK since the last stop */
	bool enabled; /* SET_VRING_ENABLE 1 (or no protocol features) */
	bool broken;  /* the driver broke it: not served until restarted */
	struct vhost_vring_addr addr; /* as set: front-end user addresses */
	bool addr_set;
	uint16_t num;  /* SET_VRING_NUM */
	uint16_t base; /* SET_VRING_BASE: first available index to serve */
	int timer_fd;  /* notification timer: -1 without add_timer */
	bool timer_armed;
	bool notify_owed;     /* completions the driver wants to hear of */
	unsigned int batch;   /* requests served since the last notification */
	unsigned int at_once; /* passes left that notify without waiting */
	unsigned int singles; /* batches of one in a row */
	uint64_t last_served_ns; /* clock_monotonic_ns() of the latest pass */
	bool more; /* the last pass ran out of budget: blkd_serve_more() */
	char name[32];
};

struct blkd {
	struct virtio_blk blk; /* large: struct blkd lives on the heap */
	const char *name;
	struct vu_mem mem;
	uint64_t features;	 /* offered: the model's + PROTOCOL_FEATURES */
	uint64_t acked_features; /* SET_FEATURES */
	uint64_t acked_protocol; /* SET_PROTOCOL_FEATURES */
	struct blkd_ring rings[BLKD_NUM_QUEUES];
	int backend_fd; /* SET_BACKEND_REQ_FD: held, never written */
	struct blkd_watch watch;
};

/*
 * A device over bb (which must outlive it), named name in log lines, with
 * serial as its GET_ID string. NULL (logged) when bb is unusable or memory
 * runs out.
 */
struct blkd *blkd_create(struct block_backend *bb, const char *name,
			 const char *serial, const struct blkd_watch *watch);
/* Disconnect, then free. NULL is a no-op. */
void blkd_destroy(struct blkd *d);

/*
 * Act on one message from the front-end; m's fds are consumed. Returns 1
 * when *reply must be sent, 0 when nothing is to be sent, or a negative
 * errno when the connection must end (a malformed message, or the
 * front-end's memory vanished).
 */
int blkd_handle_msg(struct blkd *d, struct vu_msg *m, struct vu_msg *reply);

/*
 * The kick fd of queue became readable: drain it and serve the queue.
 * Returns 0, or a negative errno when the connection must end.
 */
int blkd_on_kick(struct blkd *d, unsigned int queue);

/* Serve queue if it is ready (no kick fd involved). Same returns. */
int blkd_serve(struct blkd *d, unsigned int queue);

/*
 * Whether a ready queue's last pass stopped at its budget
 * (VIRTIO_BLK_PASS_BUDGET) with requests perhaps left: the event loop
 * then looks at its fds without sleeping and calls blkd_serve_more(), so
 * that a driver keeping its ring full cannot keep the front-end's
 * messages waiting.
 */
bool blkd_has_more(const struct blkd *d);

/* Serve each queue whose last pass ran out of budget. As blkd_serve(). */
int blkd_serve_more(struct blkd *d);

/* The notification timer of queue fired: send what is owed. */
void blkd_on_timer(struct blkd *d, unsigned int queue);

/*
 * The front-end went away: stop every ring, close every fd, unmap its
 * memory and forget what it negotiated. The next front-end finds the
 * device as blkd_create() left it.
 */
void blkd_disconnect(struct blkd *d);

#endif
