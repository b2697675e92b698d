/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vhost-user wire format (QEMU docs/interop/vhost-user.rst), back-end
 * side, and the checks every message from the front-end passes before any
 * of it is used. No socket I/O here (vu_socket.h does that), so unit tests
 * and the fuzzer drive these functions with plain buffers.
 *
 * A message is a 12-byte header { u32 request; u32 flags; u32 size; }, size
 * bytes of payload, and file descriptors in SCM_RIGHTS ancillary data. The
 * front-end is untrusted: vu_msg_check() accepts a message only when
 *  - the header carries version 1 and no flag but NEED_REPLY;
 *  - the payload length is exactly what the request's payload is (the
 *    memory table: a whole number of regions, at least as many as it
 *    claims; the config space: its header plus exactly `size` bytes);
 *  - exactly the number of file descriptors the request carries came
 *    with it (one per memory region; one for SET_VRING_KICK/CALL/ERR
 *    unless the payload sets VHOST_USER_VRING_NOFD_MASK; one for
 *    SET_BACKEND_REQ_FD; none otherwise);
 *  - every field is in range: queue indexes below the device's queue
 *    count, queue sizes powers of two up to the device's limit, ring
 *    addresses aligned, reserved bits clear, config accesses inside the
 *    256-byte config space, memory regions non-empty and neither wrapping
 *    past 2^64 nor overlapping another region (as guest-physical or as
 *    front-end user addresses).
 * Requests the back-end does not implement are framed correctly or not; a
 * correctly framed one is VU_UNSUPPORTED, not malformed.
 */
#ifndef VIGIL_VHOST_USER_H
#define VIGIL_VHOST_USER_H

#include <linux/vhost_types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Header flags. */
#define VHOST_USER_VERSION 0x1u
#define VHOST_USER_VERSION_MASK 0x3u
#define VHOST_USER_REPLY_MASK (1u << 2)
#define VHOST_USER_NEED_REPLY_MASK (1u << 3)

/* The u64 payload of SET_VRING_KICK/CALL/ERR. */
#define VHOST_USER_VRING_IDX_MASK 0xffu
#define VHOST_USER_VRING_NOFD_MASK (1ull << 8)

/* Feature bit (in GET_FEATURES) that gates the protocol-feature messages. */
#define VHOST_USER_F_PROTOCOL_FEATURES 30

/* Protocol feature bits (GET/SET_PROTOCOL_FEATURES). */
enum vhost_user_protocol_feature {
	VHOST_USER_PROTOCOL_F_MQ = 0,
	VHOST_USER_PROTOCOL_F_LOG_SHMFD = 1,
	VHOST_USER_PROTOCOL_F_RARP = 2,
	VHOST_USER_PROTOCOL_F_REPLY_ACK = 3,
	VHOST_USER_PROTOCOL_F_MTU = 4,
	VHOST_USER_PROTOCOL_F_BACKEND_REQ = 5,
	VHOST_USER_PROTOCOL_F_CROSS_ENDIAN = 6,
	VHOST_USER_PROTOCOL_F_CRYPTO_SESSION = 7,
	VHOST_USER_PROTOCOL_F_PAGEFAULT = 8,
	VHOST_USER_PROTOCOL_F_CONFIG = 9,
	VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD = 10,
	VHOST_USER_PROTOCOL_F_HOST_NOTIFIER = 11,
	VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD = 12,
	VHOST_USER_PROTOCOL_F_RESET_DEVICE = 13,
	VHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS = 14,
	VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS = 15,
	VHOST_USER_PROTOCOL_F_STATUS = 16,
};

/* Front-end requests (the ones vigil-blkd knows by name). */
enum vhost_user_request {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_LOG_BASE = 6,
	VHOST_USER_SET_LOG_FD = 7,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
	VHOST_USER_SET_BACKEND_REQ_FD = 21,
	VHOST_USER_GET_CONFIG = 24,
	VHOST_USER_SET_CONFIG = 25,
	VHOST_USER_RESET_DEVICE = 34,
};

#define VHOST_USER_HDR_SIZE 12u
/* SET_MEM_TABLE carries at most this many regions (and fds). */
#define VHOST_USER_MAX_REGIONS 8u
/* No message vigil-blkd accepts carries more descriptors than that. */
#define VHOST_USER_MAX_FDS VHOST_USER_MAX_REGIONS
/* The largest virtio config space a GET/SET_CONFIG may address. */
#define VHOST_USER_MAX_CONFIG_SIZE 256u

struct vhost_user_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

/* A region as SET_MEM_TABLE describes it: mmap_offset is into its fd. */
struct vhost_user_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vhost_user_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vhost_user_mem_region regions[VHOST_USER_MAX_REGIONS];
};

#define VHOST_USER_MEM_TABLE_HDR_SIZE \
	offsetof(struct vhost_user_mem_table, regions)

struct vhost_user_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags; /* 0: front-end write; 1: live migration */
	uint8_t region[VHOST_USER_MAX_CONFIG_SIZE];
};

#define VHOST_USER_CONFIG_HDR_SIZE offsetof(struct vhost_user_config, region)

/* The largest payload of any request vigil-blkd accepts. */
#define VHOST_USER_MAX_PAYLOAD sizeof(struct vhost_user_config)

union vhost_user_payload {
	uint64_t u64;
	struct vhost_vring_state state;
	struct vhost_vring_addr addr;
	struct vhost_user_mem_table mem;
	struct vhost_user_config config;
	uint8_t raw[VHOST_USER_MAX_PAYLOAD];
};

/*
 * One message with its descriptors. Whoever holds a vu_msg owns its fds:
 * each is either taken (set to -1) or closed with vu_msg_close_fds().
 */
struct vu_msg {
	struct vhost_user_hdr hdr;
	union vhost_user_payload payload;
	int fds[VHOST_USER_MAX_FDS];
	unsigned int nr_fds;
};

/* What the device behind the socket accepts. */
struct vu_limits {
	unsigned int nr_queues;	     /* queue indexes 0..nr_queues-1 */
	unsigned int queue_size_max; /* a power of two */
};

enum vu_verdict {
	VU_VALID,	/* well formed: act on it */
	VU_UNSUPPORTED, /* well framed, but not a request we implement */
	VU_BAD_HEADER,	/* wrong version, unknown or reply flags */
	VU_BAD_SIZE,	/* payload length wrong for the request */
	VU_BAD_FDS,	/* number of file descriptors wrong */
	VU_BAD_FIELD,	/* a field out of range or a reserved bit set */
	VU_BAD_REGIONS, /* memory regions empty, wrapping or overlapping */
};

/*
 * Check m (header, payload size, fd count, fields) against lim. Returns the
 * verdict; for anything but VU_VALID a one-line reason naming the request,
 * the field and the value goes to why. Touches no fd.
 */
enum vu_verdict vu_msg_check(const struct vu_msg *m,
			     const struct vu_limits *lim, char *why,
			     size_t whylen);

/* The request's name ("SET_MEM_TABLE"), or "request N" in buf. */
const char *vu_request_name(uint32_t request, char *buf, size_t len);

/* Close every fd m still holds and forget them. */
void vu_msg_close_fds(struct vu_msg *m);

/*
 * A region's bytes in its file, [mmap_offset, mmap_offset + memory_size),
 * must lie inside a file of file_size bytes: mapping past the end would
 * SIGBUS on the first access.
 */
bool vu_region_fits_file(const struct vhost_user_mem_region *r,
			 uint64_t file_size);

/*
 * Translate the front-end user address range [uaddr, uaddr + len) into a
 * guest-physical address through the regions: the whole range must lie in
 * one region, without wrapping. Returns true with *gpa set.
 */
bool vu_uaddr_to_gpa(const struct vhost_user_mem_region *regions,
		     unsigned int nr, uint64_t uaddr, uint64_t len,
		     uint64_t *gpa);

/*
 * Fill reply as the answer to req: same request, REPLY flag, size bytes of
 * payload (the caller fills reply->payload), no fds.
 */
void vu_msg_init_reply(struct vu_msg *reply, const struct vu_msg *req,
		       uint32_t size);

#endif
