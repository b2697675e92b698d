// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigil-blkd's device: vhost-user messages in, vigil's virtio-blk model out.
 * See blkd.h for the rules; each handler below is one request.
 */
#include "vhost-user/blkd.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"

static const struct vu_limits blkd_limits = {
	.nr_queues = BLKD_NUM_QUEUES,
	.queue_size_max = VIRTQ_MAX_SIZE,
};

/* Handler results besides a negative errno (the request failed). */
enum {
	HANDLED = 0, /* done; a REPLY_ACK, if asked for, says success */
	REPLIED = 1, /* *reply holds the request's own answer */
};

static bool need_ack(const struct blkd *d, const struct vu_msg *m)
{
	return (m->hdr.flags & VHOST_USER_NEED_REPLY_MASK) &&
	       (d->acked_protocol & (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK));
}

static int reply_u64(struct vu_msg *reply, const struct vu_msg *m, uint64_t val)
{
	vu_msg_init_reply(reply, m, sizeof(val));
	reply->payload.u64 = val;
	return REPLIED;
}

/* Take the message's one descriptor: from now on the caller owns it. */
static int take_fd(struct vu_msg *m)
{
	int fd = m->fds[0];

	m->fds[0] = -1;
	return fd;
}

/* Write one event to an eventfd or pipe the front-end gave us. */
static void signal_fd(const struct blkd_ring *r, int fd, const char *what)
{
	uint64_t one = 1;

	if (fd < 0)
		return;
	/* The fd is non-blocking: a full pipe means a wake-up is pending. */
	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		guest_error("%s: writing the %s fd: %s", r->name, what,
			    strerror(errno));
}

/* Our side of an event fd must never block the device's only thread. */
static int set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static void close_kick(struct blkd *d, struct blkd_ring *r)
{
	if (r->kick_fd < 0)
		return;
	if (d->watch.remove)
		d->watch.remove(d->watch.opaque, r->kick_fd);
	close(r->kick_fd);
	r->kick_fd = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---------------------------------------------------------- rings ---- */

static uint64_t desc_table_size(uint16_t num)
{
	return (uint64_t)VIRTQ_DESC_SIZE * num;
}

static uint64_t avail_ring_size(uint16_t num)
{
	return 6 + 2 * (uint64_t)num; /* flags, idx, ring[num], used_event */
}

static uint64_t used_ring_size(uint16_t num)
{
	return 6 + (uint64_t)VIRTQ_USED_ELEM_SIZE * num;
}

/*
 * The ring's user addresses, as guest-physical addresses the virtqueue can
 * use: each whole ring inside one region of the table, then the layout
 * checks of virtq_check_layout(). NULL, or why not.
 */
static const char *ring_translate(struct blkd *d, struct blkd_ring *r)
{
	const struct vhost_vring_addr *a = &r->addr;
	struct virtq *vq = &r->vq;

	if (!r->addr_set)
		return "ring addresses not set";
	vq->num = r->num;
	if (!vu_mem_uaddr_to_gpa(&d->mem, a->desc_user_addr,
				 desc_table_size(r->num), &vq->desc))
		return "descriptor table outside the memory table";
	if (!vu_mem_uaddr_to_gpa(&d->mem, a->avail_user_addr,
				 avail_ring_size(r->num), &vq->avail))
		return "available ring outside the memory table";
	if (!vu_mem_uaddr_to_gpa(&d->mem, a->used_user_addr,
				 used_ring_size(r->num), &vq->used))
		return "used ring outside the memory table";
	return virtq_check_layout(vq, &d->mem.gm);
}

/* The front-end broke the ring: stop serving it and say so. */
static void ring_break(struct blkd_ring *r, const char *why)
{
	guest_error("%s: %s: ring stopped until it is restarted", r->name, why);
	r->broken = true;
	r->vq.ready = false;
	signal_fd(r, r->err_fd, "error");
}

/* Arm the notification timer, or disarm it (ns = 0). */
static void set_timer(struct blkd_ring *r, uint64_t ns)
{
	const struct itimerspec t = { .it_value = timespec_from_ns(ns) };

	if (timerfd_settime(r->timer_fd, 0, &t, NULL) < 0)
		log_error("%s: notification timer: %s", r->name,
			  strerror(errno));
	r->timer_armed = ns != 0;
}

/* Send the notification owed, if any, and end the batch. */
static void notify_now(struct blkd_ring *r)
{
	if (r->notify_owed)
		signal_fd(r, r->call_fd, "call");
	if (r->timer_armed)
		set_timer(r, 0);
	r->notify_owed = false;
	r->batch = 0;
}

/* After a pass: notify now (false), or let the batch wait for more. */
static bool batch_waits(struct blkd_ring *r, unsigned int served)
{
	if (!r->notify_owed)
		return false;
	r->batch += served;
	if (r->timer_fd < 0 || r->at_once || r->batch >= BLKD_BATCH_MAX) {
		if (r->at_once)
			r->at_once--;
		notify_now(r);
		return false;
	}
	return true;
}

/* Whether the driver makes a request available within BLKD_POLL_NS. */
static bool poll_avail(struct blkd *d, struct blkd_ring *r)
{
	uint64_t end = clock_monotonic_ns() + BLKD_POLL_NS;

	do {
		if (virtq_avail_pending(&r->vq, &d->mem.gm))
			return true;
		__builtin_ia32_pause();
	} while (clock_monotonic_ns() < end);
	return false;
}

void blkd_on_timer(struct blkd *d, unsigned int queue)
{
	struct blkd_ring *r = &d->rings[queue % BLKD_NUM_QUEUES];
	uint64_t expirations, quiet, wanted;

	if (r->timer_fd < 0 ||
	    read(r->timer_fd, &expirations, sizeof(expirations)) < 0)
		return; /* EAGAIN: disarmed or re-armed since it fired */
	r->timer_armed = false;
	if (!r->notify_owed)
		return;
	/* Not yet quiet for long enough: wait the rest. */
	quiet = clock_monotonic_ns() - r->last_served_ns;
	wanted = r->batch > 1 ? BLKD_NOTIFY_DELAY_NS : BLKD_NOTIFY_FIRST_NS;
	if (quiet < wanted) {
		set_timer(r, wanted - quiet);
		return;
	}
	/* Batches of one in a row: this driver waits for each request. */
	r->singles = r->batch <= 1 ? r->singles + 1 : 0;
	if (r->singles >= BLKD_SINGLES) {
		r->at_once = BLKD_NOTIFY_AT_ONCE;
		r->singles = 0;
	}
	notify_now(r);
}

/*
 * Serve what is available, and notify now or hold the notification for a
 * batch (blkd.h). Faults in front-end memory are left recorded.
 */
static void serve_ring(struct blkd *d, struct blkd_ring *r)
{
	uint16_t before;
	int ret;

	if (!r->vq.ready)
		return;
	do {
		bool interrupt = false;

		before = r->vq.last_avail_idx;
		ret = virtio_blk_process_queue(&d->blk, &r->vq, &d->mem.gm,
					       &interrupt);
		r->more = ret == VIRTQ_MORE;
		r->notify_owed |= interrupt;
		if (ret < 0) {
			ring_break(r, "bad request (see above)");
			notify_now(r);
			return;
		}
		if (!batch_waits(r, (uint16_t)(r->vq.last_avail_idx - before)))
			return;
	} while (poll_avail(d, r));
	/* Armed once a batch; blkd_on_timer() extends it while it grows. */
	r->last_served_ns = clock_monotonic_ns();
	if (!r->timer_armed)
		set_timer(r, BLKD_NOTIFY_DELAY_NS);
}

/*
 * Decide whether the ring is served, after any change to its state or to
 * the memory table: started, enabled, not broken, and its addresses valid
 * in the current table. A ring that becomes ready is served at once: the
 * driver may have queued requests before it sent the kick fd.
 */
static void ring_update(struct blkd *d, struct blkd_ring *r)
{
	bool was_ready = r->vq.ready;
	const char *why;

	r->vq.ready = false;
	if (!r->started || !r->enabled || r->broken)
		return;
	/* No memory table yet: the ring waits for SET_MEM_TABLE. */
	if (d->mem.nr == 0)
		return;
	why = ring_translate(d, r);
	if (why) {
		ring_break(r, why);
		return;
	}
	r->vq.ready = true;
	if (!was_ready)
		serve_ring(d, r);
}

/* SET_VRING_KICK on a stopped ring: start at the base the front-end set. */
static void ring_start(struct blkd *d, struct blkd_ring *r)
{
	virtq_enable(&r->vq,
		     d->acked_features & (1ull << VIRTIO_RING_F_EVENT_IDX),
		     d->acked_features & (1ull << VIRTIO_RING_F_INDIRECT_DESC));
	r->vq.ready = false; /* until ring_update() has checked the layout */
	/*
	 * Every chain this device takes is completed before it returns to
	 * the event loop, so the used index resumes where the available
	 * index does.
	 */
	r->vq.last_avail_idx = r->base;
	r->vq.shadow_avail_idx = r->base;
	r->vq.used_idx = r->base;
	r->started = true;
	r->broken = false;
	ring_update(d, r);
}

/* GET_VRING_BASE: stop the ring and remember where it stopped. */
static void ring_stop(struct blkd *d, struct blkd_ring *r)
{
	if (r->started)
		r->base = r->vq.last_avail_idx;
	notify_now(r); /* what was served is told before the ring stops */
	r->started = false;
	r->broken = false;
	r->vq.ready = false;
	r->more = false;
	/* The front-end sends both again before it restarts the ring. */
	close_kick(d, r);
	close_fd(&r->call_fd);
}

/* Back to the state of a new connection. */
static void ring_reset(struct blkd *d, struct blkd_ring *r)
{
	close_kick(d, r);
	close_fd(&r->call_fd);
	close_fd(&r->err_fd);
	virtq_reset(&r->vq, 0);
	if (r->timer_armed)
		set_timer(r, 0);
	r->notify_owed = false;
	r->batch = 0;
	r->at_once = BLKD_NOTIFY_AT_ONCE;
	r->singles = 0;
	r->more = false;
	r->started = r->enabled = r->broken = r->addr_set = false;
	memset(&r->addr, 0, sizeof(r->addr));
	r->num = 0;
	r->base = 0;
}

static struct blkd_ring *ring_of(struct blkd *d, uint64_t index)
{
	/* vu_msg_check() bounded index by blkd_limits.nr_queues. */
	return &d->rings[index % BLKD_NUM_QUEUES];
}

/* Size, addresses and base are fixed while the ring runs. */
static int ring_busy(const struct blkd_ring *r, const char *request)
{
	guest_error("%s: %s while the ring is started (stop it with "
		    "GET_VRING_BASE first)",
		    r->name, request);
	return -EBUSY;
}

/* -------------------------------------------------------- handlers --- */

static int set_features(struct blkd *d, const struct vu_msg *m)
{
	uint64_t f = m->payload.u64;

	if (f & ~d->features) {
		guest_error("%s: SET_FEATURES 0x%llx: bits 0x%llx were never "
			    "offered",
			    d->name, (unsigned long long)f,
			    (unsigned long long)(f & ~d->features));
		return -EINVAL;
	}
	d->acked_features = f;
	/* Without protocol features there is no SET_VRING_ENABLE. */
	if (!(f & (1ull << VHOST_USER_F_PROTOCOL_FEATURES)))
		for (unsigned int i = 0; i < BLKD_NUM_QUEUES; i++) {
			d->rings[i].enabled = true;
			ring_update(d, &d->rings[i]);
		}
	return HANDLED;
}

static int set_protocol_features(struct blkd *d, const struct vu_msg *m)
{
	uint64_t f = m->payload.u64;

	if (f & ~BLKD_PROTOCOL_FEATURES) {
		guest_error("%s: SET_PROTOCOL_FEATURES 0x%llx: bits 0x%llx "
			    "were never offered",
			    d->name, (unsigned long long)f,
			    (unsigned long long)(f & ~BLKD_PROTOCOL_FEATURES));
		return -EINVAL;
	}
	d->acked_protocol = f;
	return HANDLED;
}

static int set_mem_table(struct blkd *d, struct vu_msg *m)
{
	char why[192];
	int ret =
		vu_mem_map(&d->mem, &m->payload.mem, m->fds, why, sizeof(why));

	m->nr_fds = 0; /* vu_mem_map closed them */
	if (ret < 0) {
		guest_error("%s: SET_MEM_TABLE: %s", d->name, why);
		return ret;
	}
	/* Running rings now translate through the new table. */
	for (unsigned int i = 0; i < BLKD_NUM_QUEUES; i++)
		ring_update(d, &d->rings[i]);
	return HANDLED;
}

static int set_vring_num(struct blkd *d, const struct vu_msg *m)
{
	struct blkd_ring *r = ring_of(d, m->payload.state.index);

	if (r->started)
		return ring_busy(r, "SET_VRING_NUM");
	r->num = (uint16_t)m->payload.state.num; /* checked: <= 1024 */
	return HANDLED;
}

static int set_vring_addr(struct blkd *d, const struct vu_msg *m)
{
	const struct vhost_vring_addr *a = &m->payload.addr;
	struct blkd_ring *r = ring_of(d, a->index);

	if (r->started)
		return ring_busy(r, "SET_VRING_ADDR");
	/* Dirty logging belongs to VHOST_F_LOG_ALL, which is not offered. */
	if (a->flags & (1u << VHOST_VRING_F_LOG)) {
		guest_error("%s: SET_VRING_ADDR: logging was not offered",
			    r->name);
		return -EINVAL;
	}
	r->addr = *a;
	r->addr_set = true;
	return HANDLED;
}

static int set_vring_base(struct blkd *d, const struct vu_msg *m)
{
	struct blkd_ring *r = ring_of(d, m->payload.state.index);

	if (r->started)
		return ring_busy(r, "SET_VRING_BASE");
	r->base = (uint16_t)m->payload.state.num; /* checked: 16 bits */
	return HANDLED;
}

static int get_vring_base(struct blkd *d, const struct vu_msg *m,
			  struct vu_msg *reply)
{
	struct blkd_ring *r = ring_of(d, m->payload.state.index);

	ring_stop(d, r);
	vu_msg_init_reply(reply, m, sizeof(reply->payload.state));
	reply->payload.state.index = m->payload.state.index;
	reply->payload.state.num = r->base;
	return REPLIED;
}

static int set_vring_kick(struct blkd *d, struct vu_msg *m)
{
	struct blkd_ring *r =
		ring_of(d, m->payload.u64 & VHOST_USER_VRING_IDX_MASK);
	int fd, ret;

	/* Polling would need a thread spinning on the ring: not offered. */
	if (m->payload.u64 & VHOST_USER_VRING_NOFD_MASK) {
		guest_error("%s: SET_VRING_KICK without an fd (polling) is "
			    "not supported",
			    r->name);
		return -EOPNOTSUPP;
	}
	fd = take_fd(m);
	ret = set_nonblocking(fd);
	if (ret == 0 && d->watch.add)
		ret = d->watch.add(d->watch.opaque, fd,
				   (unsigned int)(r - d->rings));
	if (ret < 0) {
		guest_error("%s: SET_VRING_KICK: cannot watch the fd: %s",
			    r->name, strerror(-ret));
		close(fd);
		return ret;
	}
	close_kick(d, r);
	r->kick_fd = fd;
	if (!r->started)
		ring_start(d, r);
	else
		serve_ring(d, r);
	return HANDLED;
}

/* SET_VRING_CALL and SET_VRING_ERR: replace the fd (or drop it). */
static int set_vring_signal(struct blkd *d, struct vu_msg *m, bool call)
{
	struct blkd_ring *r =
		ring_of(d, m->payload.u64 & VHOST_USER_VRING_IDX_MASK);
	int *slot = call ? &r->call_fd : &r->err_fd;
	int fd = -1, ret;

	if (!(m->payload.u64 & VHOST_USER_VRING_NOFD_MASK)) {
		fd = take_fd(m);
		ret = set_nonblocking(fd);
		if (ret < 0) {
			guest_error("%s: SET_VRING_%s: fd: %s", r->name,
				    call ? "CALL" : "ERR", strerror(-ret));
			close(fd);
			return ret;
		}
	}
	close_fd(slot);
	*slot = fd;
	/* A notification owed goes to the new call fd. */
	if (call && r->notify_owed)
		notify_now(r);
	return HANDLED;
}

/* The back-end's request channel: kept open until the front-end leaves. */
static int set_backend_req_fd(struct blkd *d, struct vu_msg *m)
{
	if (!(d->acked_protocol &
	      (1ull << VHOST_USER_PROTOCOL_F_BACKEND_REQ))) {
		guest_error("%s: SET_BACKEND_REQ_FD without the BACKEND_REQ "
			    "protocol feature",
			    d->name);
		return -EPROTO;
	}
	close_fd(&d->backend_fd);
	d->backend_fd = take_fd(m);
	return HANDLED;
}

static int set_vring_enable(struct blkd *d, const struct vu_msg *m)
{
	struct blkd_ring *r = ring_of(d, m->payload.state.index);

	r->enabled = m->payload.state.num == 1;
	ring_update(d, r);
	return HANDLED;
}

/*
 * GET_CONFIG: the virtio-blk config space; bytes past the fields vigil
 * presents read as zero (front-ends ask for the size of the fields they
 * know, e.g. QEMU for the discard and write-zeroes ones).
 */
static int get_config(struct blkd *d, const struct vu_msg *m,
		      struct vu_msg *reply)
{
	const struct vhost_user_config *req = &m->payload.config;
	struct vhost_user_config *out = &reply->payload.config;
	uint32_t end = req->offset + req->size; /* checked: <= 256 */

	if (!(d->acked_protocol & (1ull << VHOST_USER_PROTOCOL_F_CONFIG))) {
		guest_error("%s: GET_CONFIG without the CONFIG protocol "
			    "feature",
			    d->name);
		vu_msg_init_reply(reply, m, 0); /* the spec's error reply */
		return REPLIED;
	}
	vu_msg_init_reply(reply, m, m->hdr.size);
	out->offset = req->offset;
	out->size = req->size;
	out->flags = req->flags;
	if (req->offset < VIRTIO_BLK_CONFIG_SIZE)
		virtio_blk_config_read(&d->blk, req->offset, out->region,
				       (end < VIRTIO_BLK_CONFIG_SIZE ?
						end :
						VIRTIO_BLK_CONFIG_SIZE) -
					       req->offset);
	return REPLIED;
}

static int reset_device(struct blkd *d)
{
	for (unsigned int i = 0; i < BLKD_NUM_QUEUES; i++)
		ring_reset(d, &d->rings[i]);
	d->acked_features = 0;
	return HANDLED;
}

/* Deprecated; the spec recommends treating it as "disable all rings". */
static int reset_owner(struct blkd *d)
{
	for (unsigned int i = 0; i < BLKD_NUM_QUEUES; i++) {
		d->rings[i].enabled = false;
		ring_update(d, &d->rings[i]);
	}
	return HANDLED;
}

static int dispatch(struct blkd *d, struct vu_msg *m, struct vu_msg *reply)
{
	switch (m->hdr.request) {
	case VHOST_USER_GET_FEATURES:
		return reply_u64(reply, m, d->features);
	case VHOST_USER_SET_FEATURES:
		return set_features(d, m);
	case VHOST_USER_SET_OWNER:
		return HANDLED;
	case VHOST_USER_RESET_OWNER:
		return reset_owner(d);
	case VHOST_USER_SET_MEM_TABLE:
		return set_mem_table(d, m);
	case VHOST_USER_SET_VRING_NUM:
		return set_vring_num(d, m);
	case VHOST_USER_SET_VRING_ADDR:
		return set_vring_addr(d, m);
	case VHOST_USER_SET_VRING_BASE:
		return set_vring_base(d, m);
	case VHOST_USER_GET_VRING_BASE:
		return get_vring_base(d, m, reply);
	case VHOST_USER_SET_VRING_KICK:
		return set_vring_kick(d, m);
	case VHOST_USER_SET_VRING_CALL:
		return set_vring_signal(d, m, true);
	case VHOST_USER_SET_VRING_ERR:
		return set_vring_signal(d, m, false);
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		return reply_u64(reply, m, BLKD_PROTOCOL_FEATURES);
	case VHOST_USER_SET_PROTOCOL_FEATURES:
		return set_protocol_features(d, m);
	case VHOST_USER_GET_QUEUE_NUM:
		return reply_u64(reply, m, BLKD_NUM_QUEUES);
	case VHOST_USER_SET_VRING_ENABLE:
		return set_vring_enable(d, m);
	case VHOST_USER_SET_BACKEND_REQ_FD:
		return set_backend_req_fd(d, m);
	case VHOST_USER_GET_CONFIG:
		return get_config(d, m, reply);
	case VHOST_USER_SET_CONFIG:
		/* No writable field: VIRTIO_BLK_F_CONFIG_WCE is not offered. */
		guest_error("%s: SET_CONFIG: the config space is read-only",
			    d->name);
		return -EPERM;
	case VHOST_USER_RESET_DEVICE:
		return reset_device(d);
	default: /* vu_msg_check() let through only the requests above */
		return -EOPNOTSUPP;
	}
}

/* ------------------------------------------------------------ API ---- */

int blkd_handle_msg(struct blkd *d, struct vu_msg *m, struct vu_msg *reply)
{
	char why[192];
	enum vu_verdict v = vu_msg_check(m, &blkd_limits, why, sizeof(why));
	int ret;

	if (v != VU_VALID && v != VU_UNSUPPORTED) {
		guest_error("%s: malformed message, closing the connection: %s",
			    d->name, why);
		vu_msg_close_fds(m);
		return -EPROTO;
	}
	if (v == VU_UNSUPPORTED) {
		guest_error("%s: %s", d->name, why);
		ret = -EOPNOTSUPP;
	} else {
		ret = dispatch(d, m, reply);
	}
	vu_msg_close_fds(m); /* whatever the handler did not keep */
	if (vu_mem_fault_taken()) {
		guest_error("%s: front-end memory vanished under the device "
			    "(its file shrank): closing the connection",
			    d->name);
		return -EFAULT;
	}
	if (ret == REPLIED)
		return 1;
	if (need_ack(d, m)) {
		reply_u64(reply, m, ret < 0 ? 1 : 0);
		return 1;
	}
	return 0;
}

int blkd_serve(struct blkd *d, unsigned int queue)
{
	if (queue >= BLKD_NUM_QUEUES)
		return -EINVAL;
	serve_ring(d, &d->rings[queue]);
	if (vu_mem_fault_taken()) {
		guest_error("%s: front-end memory vanished under the device "
			    "(its file shrank): closing the connection",
			    d->name);
		return -EFAULT;
	}
	return 0;
}

bool blkd_has_more(const struct blkd *d)
{
	for (unsigned int i = 0; i < BLKD_NUM_QUEUES; i++)
		if (d->rings[i].more && d->rings[i].vq.ready)
			return true;
	return false;
}

int blkd_serve_more(struct blkd *d)
{
	int r = 0;

	for (unsigned int i = 0; i < BLKD_NUM_QUEUES && r == 0; i++)
		if (d->rings[i].more)
			r = blkd_serve(d, i);
	return r;
}

/*
 * Empty the kick fd, a bounded number of reads per wake-up. An eventfd
 * gives its counter in one read and a pipe 8 bytes per kick; an fd that is
 * still readable after BLKD_KICK_READS reads is not a kick fd at all
 * (/dev/random, an eventfd in semaphore mode, a pipe the front-end keeps
 * full) and would keep the daemon spinning here: returns -EMSGSIZE for it,
 * -errno when the fd is broken or closed, 0 when drained. (An fd epoll
 * cannot poll, /dev/zero or a regular file, is refused by set_vring_kick.)
 */
static int drain_kick(int fd)
{
	uint64_t buf[BLKD_KICK_READ_KICKS];

	for (unsigned int i = 0; i < BLKD_KICK_READS; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n == 0)
			return -EPIPE;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	}
	return -EMSGSIZE;
}

int blkd_on_kick(struct blkd *d, unsigned int queue)
{
	struct blkd_ring *r;
	int e;

	if (queue >= BLKD_NUM_QUEUES)
		return -EINVAL;
	r = &d->rings[queue];
	e = r->kick_fd >= 0 ? drain_kick(r->kick_fd) : 0;
	/*
	 * A broken fd, or one that would wake us forever, is dropped: the
	 * front-end's next SET_VRING_KICK may bring a good one.
	 */
	if (e < 0) {
		guest_error("%s: kick fd %s: no longer watched", r->name,
			    e == -EPIPE	   ? "closed" :
			    e == -EMSGSIZE ? "never runs dry (not an eventfd)" :
					     strerror(-e));
		close_kick(d, r);
	}
	return blkd_serve(d, queue);
}

void blkd_disconnect(struct blkd *d)
{
	for (unsigned int i = 0; i < BLKD_NUM_QUEUES; i++)
		ring_reset(d, &d->rings[i]);
	close_fd(&d->backend_fd);
	vu_mem_unmap(&d->mem);
	vu_mem_fault_taken(); /* a fault of the old session is dealt with */
	d->acked_features = 0;
	d->acked_protocol = 0;
}

/* Without a timer the ring notifies at once (see BLKD_NOTIFY_DELAY_NS). */
static void add_notify_timer(struct blkd *d, struct blkd_ring *r,
			     unsigned int queue)
{
	int ret;

	if (!d->watch.add_timer)
		return;
	r->timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	ret = r->timer_fd < 0 ?
		      -errno :
		      d->watch.add_timer(d->watch.opaque, r->timer_fd, queue);
	if (ret < 0) {
		log_error("%s: no notification timer (%s): each notification "
			  "is sent at once",
			  r->name, strerror(-ret));
		close_fd(&r->timer_fd);
	}
}

struct blkd *blkd_create(struct block_backend *bb, const char *name,
			 const char *serial, const struct blkd_watch *watch)
{
	struct blkd *d = calloc(1, sizeof(*d));

	if (!d) {
		log_error("%s: out of memory", name);
		return NULL;
	}
	if (virtio_blk_init(&d->blk, bb, name, serial) < 0) {
		free(d);
		return NULL;
	}
	d->name = name;
	d->blk.config.seg_max = htole32(BLKD_MIN_QUEUE_SIZE - 2);
	d->features = d->blk.features | 1ull << VHOST_USER_F_PROTOCOL_FEATURES;
	if (watch)
		d->watch = *watch;
	d->backend_fd = -1;
	vu_mem_init(&d->mem);
	for (unsigned int i = 0; i < BLKD_NUM_QUEUES; i++) {
		struct blkd_ring *r = &d->rings[i];

		snprintf(r->name, sizeof(r->name), "%s q%u", name, i);
		r->vq.name = r->name;
		r->kick_fd = r->call_fd = r->err_fd = r->timer_fd = -1;
		ring_reset(d, r);
		add_notify_timer(d, r, i);
	}
	return d;
}

void blkd_destroy(struct blkd *d)
{
	if (!d)
		return;
	blkd_disconnect(d);
	for (unsigned int i = 0; i < BLKD_NUM_QUEUES; i++) {
		if (d->rings[i].timer_fd >= 0 && d->watch.remove)
			d->watch.remove(d->watch.opaque, d->rings[i].timer_fd);
		close_fd(&d->rings[i].timer_fd);
	}
	free(d);
}
