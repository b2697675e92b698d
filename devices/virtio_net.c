// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net device model (spec 5.1.6). A TX chain is a header and a frame
 * in device-readable buffers, answered with a used length of 0; an RX
 * chain is device-writable buffers the device fills with a header and a
 * frame (or, with MRG_RXBUF, several chains share one frame).
 */
#include "devices/virtio_net.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

#include "devices/virtio_kind.h"
#include "devices/virtio_mmio.h"
#include "lib/log.h"
#include "migration/fields.h"
#include "net/backend.h"

_Static_assert(sizeof(struct virtio_net_hdr_v1) == VIRTIO_NET_HDR_SIZE,
	       "the VERSION_1 header is 12 bytes");
_Static_assert(sizeof(struct virtio_net_config_le) == VIRTIO_NET_CONFIG_SIZE,
	       "mac, status, max_virtqueue_pairs, mtu");

/*
 * EVENT_IDX: the driver notifies only when the device has taken every
 * buffer, and is interrupted only past the used entry it asks for; without
 * it Linux kicks for every RX refill and TX frame, an exit each.
 */
#define NET_FEATURES                                                          \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_EVENT_IDX) |   \
	 (1ull << VIRTIO_RING_F_INDIRECT_DESC) | (1ull << VIRTIO_NET_F_MAC) | \
	 (1ull << VIRTIO_NET_F_STATUS) | (1ull << VIRTIO_NET_F_MTU) |         \
	 (1ull << VIRTIO_NET_F_MRG_RXBUF))

void virtio_net_init(struct virtio_net *net, const char *name,
		     const uint8_t mac[6], unsigned int mtu,
		     const struct virtio_net_backend_ops *backend,
		     void *backend_opaque)
{
	if (mtu < VIRTIO_NET_MIN_MTU || mtu > VIRTIO_NET_MAX_MTU)
		mtu = VIRTIO_NET_DEFAULT_MTU;
	net->name = name;
	net->mtu = (uint16_t)mtu;
	net->backend = backend;
	net->backend_opaque = backend_opaque;
	memset(&net->config, 0, sizeof(net->config));
	memcpy(net->config.mac, mac, sizeof(net->config.mac));
	net->config.status = htole16(VIRTIO_NET_S_LINK_UP);
	net->config.max_virtqueue_pairs = htole16(1);
	net->config.mtu = htole16(net->mtu);
	memset(&net->stats, 0, sizeof(net->stats));
	virtio_net_reset(net);
}

void virtio_net_set_features(struct virtio_net *net, uint64_t features)
{
	/* Only what we offered: the transport checks, this keeps us sure. */
	net->features = features & NET_FEATURES;
}

void virtio_net_reset(struct virtio_net *net)
{
	/* The held chain belonged to the old rings. */
	net->tx_held = false;
	net->features = 0;
}

void virtio_net_config_read(const struct virtio_net *net, uint32_t offset,
			    void *buf, uint32_t size)
{
	memcpy(buf, (const uint8_t *)&net->config + offset, size);
}

static bool frame_len_ok(const struct virtio_net *net, uint64_t len)
{
	return len >= VIRTIO_NET_ETH_HLEN &&
	       len <= (uint64_t)net->mtu + VIRTIO_NET_ETH_HLEN;
}

/* ---- TX ------------------------------------------------------------------ */

/*
 * Check a TX chain and copy its header once. 1 with the frame length in
 * *len, 0 when the chain is dropped (counted, logged), or -errno for a
 * buffer no longer in RAM.
 */
static int tx_check(struct virtio_net *net, const struct guest_mem *gm,
		    const struct virtq_chain *chain, uint32_t *len)
{
	struct virtio_net_hdr_v1 hdr;
	uint64_t total = 0;
	int r;

	for (unsigned int i = 0; i < chain->nr; i++) {
		/* The device only reads a TX chain (5.1.6.2). */
		if (chain->buf[i].device_writable) {
			guest_error("%s: tx head %u: buffer %u is "
				    "device-writable",
				    net->name, chain->head, i);
			net->stats.tx_bad_chain++;
			return 0;
		}
		total += chain->buf[i].len; /* < 2^32: virtq checked */
	}
	/* A runt or a giant: the backend would send what no NIC would. */
	if (total < VIRTIO_NET_HDR_SIZE ||
	    !frame_len_ok(net, total - VIRTIO_NET_HDR_SIZE)) {
		guest_error("%s: tx head %u: %llu bytes, not a header and "
			    "%u..%u frame bytes",
			    net->name, chain->head, (unsigned long long)total,
			    VIRTIO_NET_ETH_HLEN,
			    net->mtu + VIRTIO_NET_ETH_HLEN);
		net->stats.tx_bad_length++;
		return 0;
	}
	/* Copied once: flags and gso_type are never read from RAM again. */
	r = virtq_chain_read(gm, chain, 0, chain->nr, 0, &hdr, sizeof(hdr));
	if (r < 0)
		return r;
	/*
	 * No CSUM or GSO feature is offered, so no offload may be asked for
	 * (5.1.6.2.1): the backend would send a frame with a wrong checksum
	 * or one segment standing for many. csum_*, hdr_len and gso_size
	 * mean nothing without them and are ignored, as is num_buffers.
	 */
	if (hdr.flags != 0 || hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		guest_error("%s: tx head %u: flags 0x%x gso_type %u not "
			    "negotiated",
			    net->name, chain->head, hdr.flags, hdr.gso_type);
		net->stats.tx_bad_header++;
		return 0;
	}
	*len = (uint32_t)(total - VIRTIO_NET_HDR_SIZE);
	return 1;
}

/* Hand the held chain's frame to the backend: its answer, or -EFAULT. */
static int tx_send(struct virtio_net *net, const struct guest_mem *gm,
		   bool *ring_error)
{
	int n;

	*ring_error = false;
	/* The frame in place: pointers into guest RAM, nothing copied. */
	n = virtq_chain_map(gm, &net->tx_chain, 0, net->tx_chain.nr,
			    VIRTIO_NET_HDR_SIZE, net->tx_len, net->iov);
	if (n < 0) {
		*ring_error = true;
		return n;
	}
	return net->backend->send(net->backend_opaque, net->iov, n);
}

/*
 * A chain the backend refuses with -EAGAIN stays popped and held in
 * net->tx_chain rather than given back to the ring: its checks are done
 * and its header copied, so the retry hands the backend exactly the frame
 * already judged, and no index of the virtq is ever moved back.
 */
int virtio_net_process_tx(struct virtio_net *net, struct virtq *vq,
			  const struct guest_mem *gm, bool *interrupt)
{
	unsigned int budget = VIRTIO_NET_TX_BUDGET;
	bool pushed = false, ring_error;
	int ret = 0;

	*interrupt = false;
	if (net->backend->flush &&
	    net->backend->flush(net->backend_opaque) == -EAGAIN) {
		net->stats.tx_backpressure++;
		return 0;
	}
	for (; budget > 0; budget--) {
		if (!net->tx_held) {
			ret = virtq_pop_chain(vq, gm, &net->tx_chain);
			if (ret <= 0)
				break;
			ret = tx_check(net, gm, &net->tx_chain, &net->tx_len);
			if (ret < 0)
				break;
			if (ret == 0) {
				ret = virtq_push_used(vq, gm,
						      net->tx_chain.head, 0);
				if (ret < 0)
					break;
				pushed = true;
				continue;
			}
			net->tx_held = true;
		}
		ret = tx_send(net, gm, &ring_error);
		if (ret == -EAGAIN && !ring_error) {
			/* Backpressure: keep the chain, stop the pass. */
			net->stats.tx_backpressure++;
			ret = 0;
			break;
		}
		net->tx_held = false;
		if (ring_error)
			break;
		/*
		 * The frame is dropped. No line here: the backend reports its
		 * own errors, and a line a frame would let a guest flood the
		 * host's log.
		 */
		if (ret < 0) {
			net->stats.tx_backend_error++;
		} else {
			net->stats.tx_frames++;
			net->stats.tx_bytes += net->tx_len;
		}
		/* TX buffers are read, never written: used length 0. */
		ret = virtq_push_used(vq, gm, net->tx_chain.head, 0);
		if (ret < 0)
			break;
		pushed = true;
	}
	*interrupt = pushed && virtq_needs_interrupt(vq, gm);
	return ret < 0 ? ret : budget == 0 ? VIRTQ_MORE : 0;
}

/* ---- RX ------------------------------------------------------------------ */

/* Bytes an RX chain can take, or 0 for a chain with a readable buffer. */
static uint64_t rx_room(struct virtio_net *net, const struct virtq_chain *chain)
{
	uint64_t room = 0;

	for (unsigned int i = 0; i < chain->nr; i++) {
		/* The device only writes an RX chain (5.1.6.3). */
		if (!chain->buf[i].device_writable) {
			guest_error("%s: rx head %u: buffer %u is "
				    "device-readable",
				    net->name, chain->head, i);
			net->stats.rx_bad_chain++;
			return 0;
		}
		room += chain->buf[i].len;
	}
	return room;
}

/*
 * A chain that cannot take the frame is completed with 0 bytes, not given
 * back: given back, the same chain would be popped again for every frame
 * and the queue would never move. Linux takes a used length below a
 * header and an Ethernet header as a short packet (rx_length_errors),
 * frees the buffer and posts a new one.
 */
static int rx_complete_empty(struct virtq *vq, const struct guest_mem *gm,
			     const uint16_t *heads, unsigned int n)
{
	static const uint32_t zero_lens[VIRTIO_NET_RX_MAX_BUFS];

	return virtq_push_used_n(vq, gm, heads, zero_lens, n);
}

static int rx_write_header(const struct guest_mem *gm,
			   const struct virtq_chain *chain, uint16_t nbufs)
{
	struct virtio_net_hdr_v1 hdr = {
		.flags = 0,
		.gso_type = VIRTIO_NET_HDR_GSO_NONE,
		.num_buffers = htole16(nbufs),
	};

	return virtq_chain_write(gm, chain, 0, chain->nr, 0, &hdr, sizeof(hdr));
}

/* Without MRG_RXBUF: one chain holds the header and the whole frame. */
static int rx_one(struct virtio_net *net, struct virtq *vq,
		  const struct guest_mem *gm, const uint8_t *frame, size_t len)
{
	struct virtq_chain *chain = &net->rx_chain;
	uint64_t room;
	int r;

	r = virtq_pop_chain(vq, gm, chain);
	if (r < 0)
		return r;
	if (r == 0) {
		net->stats.rx_no_buffer++;
		return -EAGAIN;
	}
	room = rx_room(net, chain);
	if (room == 0)
		return rx_complete_empty(vq, gm, &chain->head, 1);
	/* A frame cut short would reach the guest's stack as a whole one. */
	if (room < VIRTIO_NET_HDR_SIZE + len) {
		guest_error("%s: rx head %u: %llu bytes for a %zu-byte frame "
			    "and its header",
			    net->name, chain->head, (unsigned long long)room,
			    len);
		net->stats.rx_short_chain++;
		return rx_complete_empty(vq, gm, &chain->head, 1);
	}
	r = rx_write_header(gm, chain, 1);
	if (r == 0)
		r = virtq_chain_write(gm, chain, 0, chain->nr,
				      VIRTIO_NET_HDR_SIZE, frame, len);
	if (r < 0)
		return r;
	net->stats.rx_frames++;
	net->stats.rx_bytes += len;
	return virtq_push_used(vq, gm, chain->head,
			       (uint32_t)(VIRTIO_NET_HDR_SIZE + len));
}

/*
 * With MRG_RXBUF: the frame runs on across as many chains as it needs,
 * the first starting with the header whose num_buffers counts them. The
 * chains are answered only once the frame is whole, in order, so the
 * driver never sees part of one. When the ring runs dry part way, the
 * chains taken are given back (nothing was answered: their available
 * entries are still in the ring, and they are checked again when popped).
 */
static int rx_merge(struct virtio_net *net, struct virtq *vq,
		    const struct guest_mem *gm, const uint8_t *frame,
		    size_t len)
{
	uint16_t heads[VIRTIO_NET_RX_MAX_BUFS] = { 0 }; /* for -fanalyzer */
	uint32_t lens[VIRTIO_NET_RX_MAX_BUFS];
	unsigned int nbufs = 0;
	size_t done = 0;
	int r;

	while (nbufs == 0 || done < len) {
		struct virtq_chain *chain = nbufs ? &net->rx_next :
						    &net->rx_chain;
		uint64_t room, skip = nbufs ? 0 : VIRTIO_NET_HDR_SIZE, n;

		/*
		 * Every chain of the ring taken and the frame not whole: no
		 * refill can ever hold it (waiting would stall the queue for
		 * good). vq->num <= VIRTIO_NET_RX_MAX_BUFS bounds heads too.
		 */
		if (nbufs == vq->num || nbufs == VIRTIO_NET_RX_MAX_BUFS) {
			guest_error("%s: rx: the whole ring (%u chains) is too "
				    "small for a %zu-byte frame",
				    net->name, nbufs, len);
			net->stats.rx_short_chain++;
			return rx_complete_empty(vq, gm, heads, nbufs);
		}
		r = virtq_pop_chain(vq, gm, chain);
		if (r < 0)
			return r;
		if (r == 0) {
			vq->last_avail_idx -= (uint16_t)nbufs;
			net->stats.rx_no_buffer++;
			return -EAGAIN;
		}
		heads[nbufs++] = chain->head;
		room = rx_room(net, chain);
		if (room == 0)
			return rx_complete_empty(vq, gm, heads, nbufs);
		/* Every merged buffer holds at least a header (5.1.6.3.1). */
		if (room < VIRTIO_NET_HDR_SIZE) {
			guest_error("%s: rx head %u: %llu bytes, less than a "
				    "header",
				    net->name, chain->head,
				    (unsigned long long)room);
			net->stats.rx_short_chain++;
			return rx_complete_empty(vq, gm, heads, nbufs);
		}
		n = room - skip < len - done ? room - skip : len - done;
		r = virtq_chain_write(gm, chain, 0, chain->nr, skip,
				      frame + done, n);
		if (r < 0)
			return r;
		lens[nbufs - 1] = (uint32_t)(skip + n);
		done += n;
	}
	r = rx_write_header(gm, &net->rx_chain, (uint16_t)nbufs);
	if (r < 0)
		return r;
	/* One index update: the driver takes the frame whole or not yet. */
	r = virtq_push_used_n(vq, gm, heads, lens, nbufs);
	if (r < 0)
		return r;
	net->stats.rx_frames++;
	net->stats.rx_bytes += len;
	return 0;
}

int virtio_net_receive(struct virtio_net *net, struct virtq *vq,
		       const struct guest_mem *gm, const void *frame,
		       size_t len, bool *interrupt)
{
	uint16_t used_before = vq->used_idx;
	int r;

	*interrupt = false;
	/* The backend's frame, not the guest's: checked all the same. */
	if (!frame_len_ok(net, len)) {
		net->stats.rx_bad_length++;
		return 0;
	}
	/* The driver has not set the queue up: nowhere to put it yet. */
	if (!vq->ready) {
		net->stats.rx_no_buffer++;
		return -EAGAIN;
	}
	if (net->features & (1ull << VIRTIO_NET_F_MRG_RXBUF))
		r = rx_merge(net, vq, gm, frame, len);
	else
		r = rx_one(net, vq, gm, frame, len);
	if (vq->used_idx != used_before)
		*interrupt = virtq_needs_interrupt(vq, gm);
	return r;
}

int virtio_net_process_rx(struct virtio_net *net, struct virtq *vq,
			  const struct guest_mem *gm, bool *interrupt)
{
	unsigned int budget = VIRTIO_NET_RX_BUDGET;
	bool irq;
	int r = 0;

	*interrupt = false;
	for (; budget > 0; budget--) {
		const uint8_t *frame;
		size_t len;

		r = net->backend->peek(net->backend_opaque, &frame, &len);
		/* A lost link is the host's matter, not a broken ring. */
		if (r < 0) {
			net->stats.rx_backend_error++;
			r = 0;
		}
		if (r == 0)
			break;
		r = virtio_net_receive(net, vq, gm, frame, len, &irq);
		*interrupt |= irq;
		/* No buffer: the frame waits in the backend for a refill. */
		if (r < 0)
			break;
		net->backend->consume(net->backend_opaque);
	}
	if (r == -EAGAIN)
		return 0;
	return r < 0 ? r : budget == 0 ? VIRTQ_MORE : 0;
}

/* A 60-byte Ethernet frame: the RARP request of RFC 903 for our MAC. */
int virtio_net_announce(struct virtio_net *net)
{
	static const uint8_t rarp_head[] = {
		0x80, 0x35, /* EtherType RARP */
		0x00, 0x01, /* hardware: Ethernet */
		0x08, 0x00, /* protocol: IPv4 */
		6,    4,    /* their lengths */
		0x00, 0x03, /* opcode: request reverse */
	};
	uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t *mac = net->config.mac;
	struct iovec iov = { .iov_base = frame, .iov_len = sizeof(frame) };
	int r;

	memcpy(frame + 6, mac, 6);
	memcpy(frame + 12, rarp_head, sizeof(rarp_head));
	memcpy(frame + 22, mac, 6); /* sender: us, address 0.0.0.0 */
	memcpy(frame + 32, mac, 6); /* target: us, address 0.0.0.0 */
	r = net->backend->send(net->backend_opaque, &iov, 1);
	if (r == 0)
		net->stats.announce++;
	return r;
}

/* ---- the transport's view ------------------------------------------------ */

static uint64_t net_ops_features(void *dev)
{
	(void)dev;
	return NET_FEATURES;
}

static void net_ops_config_read(void *dev, uint32_t offset, void *buf,
				uint32_t size)
{
	virtio_net_config_read(dev, offset, buf, size);
}

static void net_ops_set_features(void *dev, uint64_t features)
{
	virtio_net_set_features(dev, features);
}

static void net_ops_reset(void *dev)
{
	virtio_net_reset(dev);
}

static int net_ops_process_queue(void *dev, unsigned int q, struct virtq *vq,
				 const struct guest_mem *gm, bool *interrupt)
{
	struct virtio_net *net = dev;

	if (q == VIRTIO_NET_TXQ)
		return virtio_net_process_tx(net, vq, gm, interrupt);
	return virtio_net_process_rx(net, vq, gm, interrupt);
}

const struct virtio_dev_ops virtio_net_dev_ops = {
	.device_id = VIRTIO_ID_NET,
	.num_queues = VIRTIO_NET_NUM_QUEUES,
	.queue_num_max = VIRTIO_NET_QUEUE_SIZE,
	.config_size = VIRTIO_NET_CONFIG_SIZE,
	.features = net_ops_features,
	.config_read = net_ops_config_read,
	.set_features = net_ops_set_features,
	.reset = net_ops_reset,
	.process_queue = net_ops_process_queue,
};

/* ---- the net kind: --net ------------------------------------------------- */

/* The kind's device: the model and the backend it owns. */
struct net_device {
	struct virtio_net net;
	struct net_backend backend;
};

static int net_kind_check_spec(const char *spec, char *err, size_t errlen)
{
	struct net_spec s;

	return net_spec_parse(spec, &s, err, errlen);
}

/* 52:54:00 (QEMU's prefix, locally administered), then "vgl" and index. */
static void net_default_mac(unsigned int index, uint8_t mac[6])
{
	static const uint8_t prefix[5] = { 0x52, 0x54, 0x00, 0x76, 0x67 };

	memcpy(mac, prefix, sizeof(prefix));
	mac[5] = (uint8_t)(0x10 + index);
}

static void *net_kind_create(const char *spec, unsigned int index,
			     const char *name, char *err, size_t errlen)
{
	struct net_device *d;
	struct net_spec s;
	uint8_t mac[6];
	unsigned int mtu;

	if (net_spec_parse(spec, &s, err, errlen) < 0)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "net %u: out of memory", index);
		return NULL;
	}
	if (s.has_mac)
		memcpy(mac, s.mac, sizeof(mac));
	else
		net_default_mac(index, mac);
	mtu = s.mtu ? s.mtu : VIRTIO_NET_DEFAULT_MTU;
	if (net_backend_open(&d->backend, &s, mtu, name, err, errlen) < 0) {
		free(d);
		return NULL;
	}
	virtio_net_init(&d->net, name, mac, mtu, d->backend.ops,
			d->backend.opaque);
	return d;
}

static void net_kind_destroy(void *dev)
{
	struct net_device *d = dev;

	net_backend_close(&d->backend);
	free(d);
}

static int net_kind_host_fd(void *dev)
{
	return ((struct net_device *)dev)->backend.fd;
}

static unsigned int
net_kind_counters(void *dev, struct virtio_kind_counter *out, unsigned int max)
{
	const struct virtio_net_stats *st =
		&((struct net_device *)dev)->net.stats;
	const struct virtio_kind_counter all[] = {
		{ "tx_frames", st->tx_frames },
		{ "tx_bytes", st->tx_bytes },
		{ "tx_bad_chain", st->tx_bad_chain },
		{ "tx_bad_header", st->tx_bad_header },
		{ "tx_bad_length", st->tx_bad_length },
		{ "tx_backend_error", st->tx_backend_error },
		{ "tx_backpressure", st->tx_backpressure },
		{ "rx_frames", st->rx_frames },
		{ "rx_bytes", st->rx_bytes },
		{ "rx_bad_length", st->rx_bad_length },
		{ "rx_bad_chain", st->rx_bad_chain },
		{ "rx_short_chain", st->rx_short_chain },
		{ "rx_no_buffer", st->rx_no_buffer },
		{ "rx_backend_error", st->rx_backend_error },
		{ "announce", st->announce },
	};
	unsigned int n = sizeof(all) / sizeof(all[0]);

	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof(all[0]));
	return n;
}

/* What the backends add to the I/O thread's system calls. */
static const int net_io_syscalls[] = {
	SYS_recvfrom, /* passt: recv() the stream */
	SYS_sendto,   /* passt: send() the rest of a frame */
	SYS_sendmsg,  /* passt: a frame and its length in one call */
	SYS_writev,   /* tap: a frame from its guest buffers */
};

/* ---- the net kind in a snapshot ------------------------------------------ */

static const char *check_net_spec(const void *p, size_t len)
{
	struct net_spec s;

	(void)len;
	if (net_spec_parse(p, &s, NULL, 0) < 0)
		return "not a valid --net specification";
	return s.has_mac && s.mtu ? NULL : "no mac= and mtu=";
}

static const struct field net_fields[] = {
	FIELD_STRING("spec", struct virtio_net_snapshot, spec,
		     CHECK_FN(check_net_spec)),
};

static const struct field_table net_table =
	FIELD_TABLE("net", net_fields, NULL);

static const char *backend_name(enum net_backend_type t)
{
	return t == NET_BACKEND_TAP ? "tap" : "passt";
}

/*
 * A TX chain the backend refused is held, not answered: give it back (it
 * is still in the available ring), so the restored device sends it.
 */
static void net_snap_capture(void *dev, struct virtio_mmio_state *mmio,
			     void *state)
{
	const struct net_device *d = dev;
	const uint8_t *m = d->net.config.mac;
	struct virtio_net_snapshot *snap = state;

	if (d->net.tx_held)
		mmio->queue[VIRTIO_NET_TXQ].last_avail_idx--;
	snprintf(snap->spec, sizeof(snap->spec),
		 "%s,mac=%02x:%02x:%02x:%02x:%02x:%02x,mtu=%u",
		 backend_name(d->backend.type), m[0], m[1], m[2], m[3], m[4],
		 m[5], d->net.mtu);
}

/* The guest's driver keeps the MAC and MTU it read: they must not change. */
static int net_snap_check(void *dev, const void *state, const char *path,
			  char *err, size_t errlen)
{
	const struct net_device *d = dev;
	const struct virtio_net_snapshot *snap = state;
	struct net_spec want;

	if (net_spec_parse(snap->spec, &want, NULL, 0) < 0) {
		snprintf(err, errlen, "%s/net/spec: invalid", path);
		return -EINVAL;
	}
	if (memcmp(want.mac, d->net.config.mac, sizeof(want.mac)) != 0 ||
	    want.mtu != d->net.mtu) {
		const uint8_t *m = d->net.config.mac;

		snprintf(err, errlen,
			 "%s has mac=%02x:%02x:%02x:%02x:%02x:%02x,mtu=%u, the "
			 "snapshot recorded %s (%s/net/spec)",
			 d->net.name, m[0], m[1], m[2], m[3], m[4], m[5],
			 d->net.mtu, snap->spec, path);
		return -EINVAL;
	}
	return 0;
}

static const char *net_snap_spec(const void *state)
{
	return ((const struct virtio_net_snapshot *)state)->spec;
}

static void net_snap_restored(void *dev)
{
	struct virtio_net *net = &((struct net_device *)dev)->net;
	int r = virtio_net_announce(net);

	/* Not fatal: the guest's own traffic teaches a bridge soon enough. */
	if (r < 0)
		log_error("%s: announcing the restored guest: %s", net->name,
			  strerror(-r));
}

static const struct virtio_kind_snap net_snap = {
	.node = "net",
	.table = &net_table,
	.size = sizeof(struct virtio_net_snapshot),
	.capture = net_snap_capture,
	.check = net_snap_check,
	.spec = net_snap_spec,
	.restored = net_snap_restored,
};

const struct virtio_kind virtio_net_kind = {
	.name = "net",
	.option = "net",
	.usage =
		"  --net SPEC             a virtio network device; SPEC is one of\n"
		"                         passt[,forward=tcp|udp:HOST:GUEST]...\n"
		"                           vigil starts Debian's passt (no root\n"
		"                           needed): DHCP, DNS, the host's network;\n"
		"                           binary=PATH to run another passt\n"
		"                         passt,socket=PATH  a passt already running\n"
		"                         tap,ifname=NAME | tap,fd=N  a tap device\n"
		"                         and for each, mac=XX:XX:XX:XX:XX:XX\n"
		"                         (default 52:54:00:76:67:1N for the Nth) and\n"
		"                         mtu=68..65520 (default 1500)\n",
	.ops = &virtio_net_dev_ops,
	.check_spec = net_kind_check_spec,
	.create = net_kind_create,
	.destroy = net_kind_destroy,
	.host_fd = net_kind_host_fd,
	.host_fd_events = EPOLLIN | EPOLLOUT, /* frames in; room out */
	.counters = net_kind_counters,
	.io_syscalls = net_io_syscalls,
	.nr_io_syscalls = sizeof(net_io_syscalls) / sizeof(net_io_syscalls[0]),
	.snap = &net_snap,
};
