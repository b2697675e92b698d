// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-user message checks. Every check names the risk it defends against;
 * see vhost_user.h for the rules.
 */
#include "vhost-user/vhost_user.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The payload shapes of the requests vigil-blkd implements. */
enum payload_kind {
	P_UNSUPPORTED, /* known or not, vigil-blkd does not implement it */
	P_NONE,	       /* no payload */
	P_U64,	       /* a u64 */
	P_STATE,       /* struct vhost_vring_state */
	P_ADDR,	       /* struct vhost_vring_addr */
	P_MEM,	       /* memory regions description */
	P_CONFIG,      /* virtio device config space */
	P_VRING_FD,    /* u64 index (+ NOFD) and maybe one fd */
	P_FD,	       /* no payload, one fd */
};

static const struct request_info {
	const char *name;
	uint32_t request;
	enum payload_kind kind;
} requests[] = {
	{ "GET_FEATURES", VHOST_USER_GET_FEATURES, P_NONE },
	{ "SET_FEATURES", VHOST_USER_SET_FEATURES, P_U64 },
	{ "SET_OWNER", VHOST_USER_SET_OWNER, P_NONE },
	{ "RESET_OWNER", VHOST_USER_RESET_OWNER, P_NONE },
	{ "SET_MEM_TABLE", VHOST_USER_SET_MEM_TABLE, P_MEM },
	{ "SET_LOG_BASE", VHOST_USER_SET_LOG_BASE, P_UNSUPPORTED },
	{ "SET_LOG_FD", VHOST_USER_SET_LOG_FD, P_UNSUPPORTED },
	{ "SET_VRING_NUM", VHOST_USER_SET_VRING_NUM, P_STATE },
	{ "SET_VRING_ADDR", VHOST_USER_SET_VRING_ADDR, P_ADDR },
	{ "SET_VRING_BASE", VHOST_USER_SET_VRING_BASE, P_STATE },
	{ "GET_VRING_BASE", VHOST_USER_GET_VRING_BASE, P_STATE },
	{ "SET_VRING_KICK", VHOST_USER_SET_VRING_KICK, P_VRING_FD },
	{ "SET_VRING_CALL", VHOST_USER_SET_VRING_CALL, P_VRING_FD },
	{ "SET_VRING_ERR", VHOST_USER_SET_VRING_ERR, P_VRING_FD },
	{ "GET_PROTOCOL_FEATURES", VHOST_USER_GET_PROTOCOL_FEATURES, P_NONE },
	{ "SET_PROTOCOL_FEATURES", VHOST_USER_SET_PROTOCOL_FEATURES, P_U64 },
	{ "GET_QUEUE_NUM", VHOST_USER_GET_QUEUE_NUM, P_NONE },
	{ "SET_VRING_ENABLE", VHOST_USER_SET_VRING_ENABLE, P_STATE },
	{ "SET_BACKEND_REQ_FD", VHOST_USER_SET_BACKEND_REQ_FD, P_FD },
	{ "GET_CONFIG", VHOST_USER_GET_CONFIG, P_CONFIG },
	{ "SET_CONFIG", VHOST_USER_SET_CONFIG, P_CONFIG },
	{ "RESET_DEVICE", VHOST_USER_RESET_DEVICE, P_NONE },
};

static const struct request_info *request_info(uint32_t request)
{
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		if (requests[i].request == request)
			return &requests[i];
	return NULL;
}

const char *vu_request_name(uint32_t request, char *buf, size_t len)
{
	const struct request_info *ri = request_info(request);

	if (ri)
		return ri->name;
	snprintf(buf, len, "request %u", request);
	return buf;
}

void vu_msg_close_fds(struct vu_msg *m)
{
	for (unsigned int i = 0; i < m->nr_fds && i < VHOST_USER_MAX_FDS; i++) {
		if (m->fds[i] >= 0)
			close(m->fds[i]);
		m->fds[i] = -1;
	}
	m->nr_fds = 0;
}

/* Last byte of [start, start + len); false when len is 0 or it wraps. */
static bool range_last(uint64_t start, uint64_t len, uint64_t *last)
{
	if (len == 0)
		return false;
	return !__builtin_add_overflow(start, len - 1, last);
}

static bool ranges_overlap(uint64_t a, uint64_t a_last, uint64_t b,
			   uint64_t b_last)
{
	return a <= b_last && b <= a_last;
}

struct check {
	const struct vu_msg *m;
	const struct vu_limits *lim;
	const char *name;
	char *why;
	size_t whylen;
};

static __attribute__((format(printf, 3, 4))) enum vu_verdict
reject(const struct check *c, enum vu_verdict v, const char *fmt, ...)
{
	char detail[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (c->whylen)
		snprintf(c->why, c->whylen, "%s: %s", c->name, detail);
	return v;
}

static enum vu_verdict expect_size(const struct check *c, uint32_t size)
{
	/* A short payload would have us read fields that never arrived. */
	if (c->m->hdr.size != size)
		return reject(c, VU_BAD_SIZE,
			      "payload of %u bytes, expected %u",
			      c->m->hdr.size, size);
	return VU_VALID;
}

static enum vu_verdict expect_fds(const struct check *c, unsigned int nr)
{
	/* Extra descriptors would leak; missing ones would be read as -1. */
	if (c->m->nr_fds != nr)
		return reject(c, VU_BAD_FDS, "%u file descriptors, expected %u",
			      c->m->nr_fds, nr);
	return VU_VALID;
}

/* The vring index of a state/addr/fd payload: it indexes the ring table. */
static enum vu_verdict check_index(const struct check *c, uint64_t index)
{
	if (index >= c->lim->nr_queues)
		return reject(c, VU_BAD_FIELD,
			      "vring index %llu, device has %u queue%s",
			      (unsigned long long)index, c->lim->nr_queues,
			      c->lim->nr_queues == 1 ? "" : "s");
	return VU_VALID;
}

static enum vu_verdict check_fixed(const struct check *c, uint32_t size)
{
	enum vu_verdict v = expect_size(c, size);

	return v != VU_VALID ? v : expect_fds(c, 0);
}

static enum vu_verdict check_state(const struct check *c)
{
	const struct vhost_vring_state *s = &c->m->payload.state;
	enum vu_verdict v = check_fixed(c, sizeof(*s));

	if (v == VU_VALID)
		v = check_index(c, s->index);
	if (v != VU_VALID)
		return v;
	switch (c->m->hdr.request) {
	case VHOST_USER_SET_VRING_NUM:
		/* Ring arithmetic needs a power of two; the bound sizes
		 * the chain copy. */
		if (s->num == 0 || s->num > c->lim->queue_size_max ||
		    (s->num & (s->num - 1)))
			return reject(c, VU_BAD_FIELD,
				      "queue size %u is not a power of two "
				      "in 1..%u",
				      s->num, c->lim->queue_size_max);
		break;
	case VHOST_USER_SET_VRING_BASE:
		/* A split ring's available index is 16 bits wide. */
		if (s->num > UINT16_MAX)
			return reject(c, VU_BAD_FIELD,
				      "ring base %u does not fit 16 bits",
				      s->num);
		break;
	case VHOST_USER_SET_VRING_ENABLE:
		if (s->num > 1)
			return reject(c, VU_BAD_FIELD,
				      "enable value %u is not 0 or 1", s->num);
		break;
	default: /* GET_VRING_BASE: num is not used */
		break;
	}
	return VU_VALID;
}

static enum vu_verdict check_addr(const struct check *c)
{
	const struct vhost_vring_addr *a = &c->m->payload.addr;
	enum vu_verdict v = check_fixed(c, sizeof(*a));

	if (v == VU_VALID)
		v = check_index(c, a->index);
	if (v != VU_VALID)
		return v;
	if (a->flags & ~(1u << VHOST_VRING_F_LOG))
		return reject(c, VU_BAD_FIELD, "unknown flags 0x%x", a->flags);
	/* Spec 2.7 alignments; the gpa is checked again after translation. */
	if (a->desc_user_addr % 16 || a->avail_user_addr % 2 ||
	    a->used_user_addr % 4)
		return reject(c, VU_BAD_FIELD,
			      "misaligned ring: desc 0x%llx avail 0x%llx "
			      "used 0x%llx",
			      (unsigned long long)a->desc_user_addr,
			      (unsigned long long)a->avail_user_addr,
			      (unsigned long long)a->used_user_addr);
	return VU_VALID;
}

static enum vu_verdict check_vring_fd(const struct check *c)
{
	uint64_t val = c->m->payload.u64;
	enum vu_verdict v = expect_size(c, sizeof(val));

	if (v != VU_VALID)
		return v;
	if (val & ~(VHOST_USER_VRING_IDX_MASK | VHOST_USER_VRING_NOFD_MASK))
		return reject(c, VU_BAD_FIELD, "reserved bits set in 0x%llx",
			      (unsigned long long)val);
	v = expect_fds(c, (val & VHOST_USER_VRING_NOFD_MASK) ? 0 : 1);
	if (v == VU_VALID)
		v = check_index(c, val & VHOST_USER_VRING_IDX_MASK);
	return v;
}

/* One region: non-empty, and no end wraps past 2^64 (gpa, uaddr, file). */
static enum vu_verdict check_region(const struct check *c, unsigned int i)
{
	const struct vhost_user_mem_region *r = &c->m->payload.mem.regions[i];
	uint64_t last;

	if (!range_last(r->guest_phys_addr, r->memory_size, &last) ||
	    !range_last(r->userspace_addr, r->memory_size, &last) ||
	    !range_last(r->mmap_offset, r->memory_size, &last))
		return reject(c, VU_BAD_REGIONS,
			      "region %u (gpa 0x%llx uaddr 0x%llx offset "
			      "0x%llx size 0x%llx) is empty or wraps",
			      i, (unsigned long long)r->guest_phys_addr,
			      (unsigned long long)r->userspace_addr,
			      (unsigned long long)r->mmap_offset,
			      (unsigned long long)r->memory_size);
	return VU_VALID;
}

/* Regions i and j must not share a guest-physical or a user address. */
static enum vu_verdict check_disjoint(const struct check *c, unsigned int i,
				      unsigned int j)
{
	const struct vhost_user_mem_region *a = &c->m->payload.mem.regions[i];
	const struct vhost_user_mem_region *b = &c->m->payload.mem.regions[j];
	uint64_t size_a = a->memory_size - 1, size_b = b->memory_size - 1;

	/* check_region() proved that none of these sums wraps. */
	if (ranges_overlap(a->guest_phys_addr, a->guest_phys_addr + size_a,
			   b->guest_phys_addr, b->guest_phys_addr + size_b))
		return reject(c, VU_BAD_REGIONS,
			      "regions %u and %u overlap in guest memory", i,
			      j);
	/* Ring addresses are translated by user address: keep it unique. */
	if (ranges_overlap(a->userspace_addr, a->userspace_addr + size_a,
			   b->userspace_addr, b->userspace_addr + size_b))
		return reject(c, VU_BAD_REGIONS,
			      "regions %u and %u overlap in user addresses", i,
			      j);
	return VU_VALID;
}

static enum vu_verdict check_mem(const struct check *c)
{
	const struct vhost_user_mem_table *t = &c->m->payload.mem;
	uint32_t size = c->m->hdr.size;
	uint32_t room;
	enum vu_verdict v;

	/* The header plus whole regions: anything else is not a table. */
	if (size < VHOST_USER_MEM_TABLE_HDR_SIZE ||
	    (size - VHOST_USER_MEM_TABLE_HDR_SIZE) %
		    sizeof(struct vhost_user_mem_region))
		return reject(c, VU_BAD_SIZE,
			      "payload of %u bytes is not a region table",
			      size);
	/*
	 * Room for this many regions. Front-ends differ: QEMU sends exactly
	 * nregions, Linux's UML a fixed array of two.
	 */
	room = (size - (uint32_t)VHOST_USER_MEM_TABLE_HDR_SIZE) /
	       (uint32_t)sizeof(struct vhost_user_mem_region);
	if (t->nregions == 0 || t->nregions > room ||
	    t->nregions > VHOST_USER_MAX_REGIONS)
		return reject(c, VU_BAD_FIELD,
			      "%u regions in a payload with room for %u",
			      t->nregions, room);
	v = expect_fds(c, t->nregions);
	for (unsigned int i = 0; v == VU_VALID && i < t->nregions; i++)
		v = check_region(c, i);
	for (unsigned int i = 0; v == VU_VALID && i < t->nregions; i++)
		for (unsigned int j = i + 1; v == VU_VALID && j < t->nregions;
		     j++)
			v = check_disjoint(c, i, j);
	return v;
}

static enum vu_verdict check_config(const struct check *c)
{
	const struct vhost_user_config *cfg = &c->m->payload.config;
	uint32_t size = c->m->hdr.size;
	enum vu_verdict v;

	if (size < VHOST_USER_CONFIG_HDR_SIZE)
		return reject(c, VU_BAD_SIZE,
			      "payload of %u bytes, shorter than the config "
			      "header",
			      size);
	/* The payload is the header and exactly cfg->size bytes. */
	if (cfg->size > VHOST_USER_MAX_CONFIG_SIZE ||
	    size != VHOST_USER_CONFIG_HDR_SIZE + cfg->size)
		return reject(c, VU_BAD_SIZE,
			      "payload of %u bytes for a config access of %u",
			      size, cfg->size);
	v = expect_fds(c, 0);
	if (v != VU_VALID)
		return v;
	/* offset + size inside the config space, without wrapping. */
	if (cfg->size == 0 ||
	    cfg->offset > VHOST_USER_MAX_CONFIG_SIZE - cfg->size)
		return reject(c, VU_BAD_FIELD,
			      "config access of %u bytes at offset %u outside "
			      "%u bytes",
			      cfg->size, cfg->offset,
			      VHOST_USER_MAX_CONFIG_SIZE);
	if (cfg->flags > 1)
		return reject(c, VU_BAD_FIELD, "config flags %u", cfg->flags);
	return VU_VALID;
}

static enum vu_verdict check_header(const struct check *c)
{
	uint32_t flags = c->m->hdr.flags;

	if ((flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION)
		return reject(c, VU_BAD_HEADER, "version %u, expected %u",
			      flags & VHOST_USER_VERSION_MASK,
			      VHOST_USER_VERSION);
	/* A reply or an unknown flag from the front-end is not a request. */
	if (flags & ~(VHOST_USER_VERSION_MASK | VHOST_USER_NEED_REPLY_MASK))
		return reject(c, VU_BAD_HEADER, "flags 0x%x", flags);
	/* The payload buffer is this large: the socket layer enforces it. */
	if (c->m->hdr.size > VHOST_USER_MAX_PAYLOAD)
		return reject(c, VU_BAD_SIZE,
			      "payload of %u bytes, at most %zu",
			      c->m->hdr.size, VHOST_USER_MAX_PAYLOAD);
	if (c->m->nr_fds > VHOST_USER_MAX_FDS)
		return reject(c, VU_BAD_FDS, "%u file descriptors, at most %u",
			      c->m->nr_fds, VHOST_USER_MAX_FDS);
	return VU_VALID;
}

enum vu_verdict vu_msg_check(const struct vu_msg *m,
			     const struct vu_limits *lim, char *why,
			     size_t whylen)
{
	const struct request_info *ri = request_info(m->hdr.request);
	char name[32];
	struct check c = {
		.m = m,
		.lim = lim,
		.name = vu_request_name(m->hdr.request, name, sizeof(name)),
		.why = why,
		.whylen = whylen,
	};
	enum vu_verdict v = check_header(&c);

	if (v != VU_VALID)
		return v;
	switch (ri ? ri->kind : P_UNSUPPORTED) {
	case P_NONE:
		return check_fixed(&c, 0);
	case P_U64:
		return check_fixed(&c, sizeof(uint64_t));
	case P_STATE:
		return check_state(&c);
	case P_ADDR:
		return check_addr(&c);
	case P_MEM:
		return check_mem(&c);
	case P_CONFIG:
		return check_config(&c);
	case P_VRING_FD:
		return check_vring_fd(&c);
	case P_FD:
		v = expect_size(&c, 0);
		return v != VU_VALID ? v : expect_fds(&c, 1);
	case P_UNSUPPORTED:
	default:
		return reject(&c, VU_UNSUPPORTED, "not implemented");
	}
}

bool vu_region_fits_file(const struct vhost_user_mem_region *r,
			 uint64_t file_size)
{
	return r->mmap_offset <= file_size &&
	       r->memory_size <= file_size - r->mmap_offset;
}

bool vu_uaddr_to_gpa(const struct vhost_user_mem_region *regions,
		     unsigned int nr, uint64_t uaddr, uint64_t len,
		     uint64_t *gpa)
{
	uint64_t last;

	if (!range_last(uaddr, len, &last))
		return false;
	for (unsigned int i = 0; i < nr; i++) {
		const struct vhost_user_mem_region *r = &regions[i];

		/* Both ends in this region: no straddling into the next. */
		if (uaddr >= r->userspace_addr &&
		    last - r->userspace_addr < r->memory_size)
			return !__builtin_add_overflow(
				r->guest_phys_addr, uaddr - r->userspace_addr,
				gpa);
	}
	return false;
}

void vu_msg_init_reply(struct vu_msg *reply, const struct vu_msg *req,
		       uint32_t size)
{
	memset(reply, 0, sizeof(*reply));
	reply->hdr.request = req->hdr.request;
	reply->hdr.flags = VHOST_USER_VERSION | VHOST_USER_REPLY_MASK;
	reply->hdr.size = size;
	for (unsigned int i = 0; i < VHOST_USER_MAX_FDS; i++)
		reply->fds[i] = -1;
}
