/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio network device (virtio 1.2 section 5.1), the device model
 * only: queue 0 receives (frames from the backend into the guest's
 * device-writable chains), queue 1 transmits (the guest's device-readable
 * chains to the backend). Every frame, both ways, starts with the 12-byte
 * struct virtio_net_hdr_v1 (VIRTIO_F_VERSION_1 is always negotiated).
 *
 * Offered: VERSION_1, MAC, STATUS (link always up), MTU (1500 unless set)
 * and MRG_RXBUF. No checksum or segmentation offload: a TX header must
 * have flags 0 and gso_type GSO_NONE, and a frame is an Ethernet header
 * and at most MTU bytes after it (14..MTU + 14 bytes, no VLAN tag room).
 *
 * The backend (net/: a passt socket, a tap device) is a small ops table:
 * the device hands it each TX frame as an iovec over guest RAM, and takes
 * each frame it has for the guest with peek()/consume() in an RX pass. Both directions have backpressure and no buffering in the
 * device beyond one held TX chain: see virtio_net_process_tx() and
 * virtio_net_receive().
 *
 * Not thread-safe, like virtio_blk: the transport's device lock serialises
 * every call, virtio_net_receive() included.
 */
#ifndef VIGIL_VIRTIO_NET_H
#define VIGIL_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "devices/virtq.h"
#include "lib/guest_mem.h"

#define VIRTIO_NET_QUEUE_SIZE 256u
#define VIRTIO_NET_NUM_QUEUES 2u
#define VIRTIO_NET_RXQ 0u
#define VIRTIO_NET_TXQ 1u
#define VIRTIO_NET_HDR_SIZE 12u /* struct virtio_net_hdr_v1 */
#define VIRTIO_NET_ETH_HLEN 14u /* destination, source, EtherType */
#define VIRTIO_NET_DEFAULT_MTU 1500u
#define VIRTIO_NET_MIN_MTU 68u /* RFC 791's minimum for IPv4 */
/* passt's largest: the MTU it offers a QEMU guest, whose device has none. */
#define VIRTIO_NET_MAX_MTU 65520u
#define VIRTIO_NET_TX_BUDGET 256u  /* chains per TX pass */
#define VIRTIO_NET_RX_BUDGET 256u  /* frames per RX pass */
#define VIRTIO_NET_CONFIG_SIZE 12u /* mac, status, max pairs, mtu */
/*
 * With MRG_RXBUF a frame spans at most every chain of the ring: the
 * device's largest ring is the bound.
 */
#define VIRTIO_NET_RX_MAX_BUFS VIRTIO_NET_QUEUE_SIZE

/* The host side of the link. */
struct virtio_net_backend_ops {
	/*
	 * Send one frame (without the virtio header), iov pointing into guest
	 * RAM: valid only during the call. 0 when sent (or dropped by the
	 * backend), -EAGAIN when it cannot take the frame now (the device
	 * holds it and stops the TX pass: serve queue 1 again when the
	 * backend can take more), another negative errno for an error (the
	 * frame is dropped and counted).
	 */
	int (*send)(void *opaque, const struct iovec *iov, int iovcnt);
	/*
	 * Finish what an earlier send() took but could not write yet, before
	 * a TX pass: 0, or -EAGAIN to stop the pass (the backend's descriptor
	 * wakes the device when it can go on). May be NULL.
	 */
	int (*flush)(void *opaque);
	/*
	 * The next frame for the guest, left in the backend until consume():
	 * 1 with *frame and *len (valid until consume() or the next call), 0
	 * when there is none now (the backend's descriptor wakes the device
	 * when there is), or a negative errno when the link is gone.
	 */
	int (*peek)(void *opaque, const uint8_t **frame, size_t *len);
	/* The frame peek() gave was delivered or dropped: forget it. */
	void (*consume)(void *opaque);
};

/* Frames and drops, by reason; each drop also has a guest_errors line. */
struct virtio_net_stats {
	uint64_t tx_frames;	   /* handed to the backend */
	uint64_t tx_bytes;	   /* their frame bytes, headers not counted */
	uint64_t tx_bad_chain;	   /* a device-writable buffer in a TX chain */
	uint64_t tx_bad_header;	   /* flags or gso_type we did not offer */
	uint64_t tx_bad_length;	   /* frame outside 14..MTU + 14 bytes */
	uint64_t tx_backend_error; /* send() failed with other than -EAGAIN */
	uint64_t tx_backpressure;  /* send() said -EAGAIN: chain held */
	uint64_t rx_frames;	   /* delivered to the guest */
	uint64_t rx_bytes;	   /* their frame bytes */
	uint64_t rx_bad_length;	   /* from the backend, outside 14..MTU+14 */
	uint64_t rx_bad_chain;	   /* a device-readable buffer in an RX chain */
	uint64_t rx_short_chain;   /* chains too small for the frame */
	uint64_t rx_no_buffer;	   /* -EAGAIN: the ring was empty */
	uint64_t rx_backend_error; /* peek() failed: the link is gone */
	uint64_t announce;	   /* RARP frames sent after a restore */
};

/* The config space (spec 5.1.4), little-endian as it is read. */
struct virtio_net_config_le {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
} __attribute__((packed));

struct virtio_net {
	const char *name;  /* for log lines, e.g. "virtio-net0" */
	uint16_t mtu;	   /* VIRTIO_NET_MIN_MTU..VIRTIO_NET_MAX_MTU */
	uint64_t features; /* negotiated; see virtio_net_set_features() */
	struct virtio_net_config_le config;
	const struct virtio_net_backend_ops *backend;
	void *backend_opaque;
	struct virtio_net_stats stats;
	/*
	 * The TX chain the backend refused with -EAGAIN: popped, checked, not
	 * answered. The next TX pass sends it first. (A snapshot must give it
	 * back to the ring, as virtio-rng's held chain is.)
	 */
	bool tx_held;
	uint32_t tx_len; /* its frame length, checked */
	struct virtq_chain tx_chain;
	/* RX: the first chain of a frame (its header), and the ones after. */
	struct virtq_chain rx_chain;
	struct virtq_chain rx_next;
	struct iovec iov[VIRTQ_MAX_CHAIN];
};

/*
 * Set up net with mac and mtu (outside VIRTIO_NET_MIN_MTU..
 * VIRTIO_NET_MAX_MTU: the default), link up, no features negotiated yet,
 * and backend (ops copied by reference, opaque passed to them).
 */
void virtio_net_init(struct virtio_net *net, const char *name,
		     const uint8_t mac[6], unsigned int mtu,
		     const struct virtio_net_backend_ops *backend,
		     void *backend_opaque);

/* The driver's accepted features (the transport's set_features). */
void virtio_net_set_features(struct virtio_net *net, uint64_t features);

/*
 * Serve the TX queue: hand each chain's frame to the backend, at most
 * VIRTIO_NET_TX_BUDGET chains a pass.
 * A bad chain is completed with 0 bytes, counted and logged. When the
 * backend says -EAGAIN the chain is held in the device (not answered) and
 * the pass stops. Returns 0, VIRTQ_MORE when the budget ran out (serve
 * again after the thread's other work), or a negative errno for a broken
 * ring.
 */
int virtio_net_process_tx(struct virtio_net *net, struct virtq *vq,
			  const struct guest_mem *gm, bool *interrupt);

/*
 * Deliver one frame (without a virtio header) from the backend into the
 * RX queue vq. Returns 0 when the frame was delivered or dropped (stats
 * say which), -EAGAIN when the ring has no buffer for it (the backend
 * keeps the frame and retries after rx_ready), or another negative errno
 * for a broken ring. Call only with the device live (DRIVER_OK), under
 * the device lock; a queue not ready is -EAGAIN.
 */
int virtio_net_receive(struct virtio_net *net, struct virtq *vq,
		       const struct guest_mem *gm, const void *frame,
		       size_t len, bool *interrupt);

/*
 * Serve the RX queue: deliver the backend's frames (peek(), then
 * virtio_net_receive(), then consume()), at most VIRTIO_NET_RX_BUDGET a
 * pass. A frame the ring has no buffer for stays in the backend until the
 * driver adds buffers and notifies queue 0. Returns 0, VIRTQ_MORE when
 * the budget ran out with frames perhaps left in the backend, or a
 * negative errno for a broken ring.
 */
int virtio_net_process_rx(struct virtio_net *net, struct virtq *vq,
			  const struct guest_mem *gm, bool *interrupt);

/*
 * After a restore: send one RARP frame from the guest's MAC to everyone,
 * as QEMU announces a guest that did not negotiate GUEST_ANNOUNCE, so a
 * bridge the backend is on learns where that MAC now lives. The backend's
 * answer (0, or a negative errno when it could not take the frame).
 */
int virtio_net_announce(struct virtio_net *net);

/* The device was reset: forget the held chain and the features. */
void virtio_net_reset(struct virtio_net *net);

/* Read the config space: the transport checked offset and size. */
void virtio_net_config_read(const struct virtio_net *net, uint32_t offset,
			    void *buf, uint32_t size);

struct virtio_dev_ops;
extern const struct virtio_dev_ops virtio_net_dev_ops;

/*
 * The net kind's part in a snapshot: what the guest's driver read and
 * keeps (MAC, MTU), as the --net spec that would give them back, e.g.
 * "passt,mac=52:54:00:12:34:56,mtu=1500". The backend is the restore
 * command line's; the link and what was in flight are not saved (TCP
 * resends what a restore lost, as after any dropped frame).
 */
struct virtio_net_snapshot {
	char spec[64];
};

struct virtio_kind;
extern const struct virtio_kind virtio_net_kind;

#endif
