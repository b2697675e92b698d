// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net (virtio 1.2, 5.1): initialisation in the order of 5.1.5 and
 * 3.1.1 (queues, receive buffers, DRIVER_OK, then the first notification),
 * receive buffers of header + Ethernet header + MTU (1500 at least) each
 * (5.1.6.3.1), one
 * transmit at a time of a zeroed header (flags 0, gso_type NONE: 5.1.6.2)
 * followed by the frame in one descriptor (2.6.4: any layout with
 * VERSION_1). Used entries on both queues are checked before use.
 */
#include <stddef.h>
#include <linux/virtio_config.h>

#include "alloc.h"
#include "print.h"
#include "string.h"
#include "virtio_net.h"

#define BIT(n) (1ull << (n))
#define RX_QUEUE 0 /* receiveq1 (5.1.2) */
#define TX_QUEUE 1 /* transmitq1 */
#define RX_QUEUE_SIZE 16
#define TX_QUEUE_SIZE 4
#define TX_TIMEOUT_US 5000000

/* No MRG_RXBUF, no offloads: one buffer per frame, plain frames. */
#define WANTED_FEATURES                                    \
	(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_MAC) | \
	 BIT(VIRTIO_NET_F_STATUS) | BIT(VIRTIO_NET_F_MTU))
#define REQUIRED_FEATURES (BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_MAC))

static bool fail(const char **why, const char *what)
{
	*why = what;
	return false;
}

/* fail(), and the device's value as a comment: the why is a constant. */
static bool refuse(const char **why, const char *what, uint32_t value)
{
	printf("# virtio-net: %s: %u\n", what, value);
	return fail(why, what);
}

bool virtio_net_has(const struct virtio_net *n, unsigned int feature)
{
	return n->mmio.features & BIT(feature);
}

static uint16_t read_status(struct virtio_net *n)
{
	if (!virtio_net_has(n, VIRTIO_NET_F_STATUS))
		return 0;
	return (uint16_t)virtio_mmio_config_read(
		&n->mmio, offsetof(struct virtio_net_config, status), 2);
}

static bool mac_usable(const uint8_t *mac)
{
	static const uint8_t zero[ETH_ALEN];

	/* Bit 0 of the first byte marks a group address (IEEE 802). */
	return !(mac[0] & 1) && memcmp(mac, zero, ETH_ALEN) != 0;
}

static bool read_config(struct virtio_net *n, const char **why)
{
	virtio_mmio_config_copy(&n->mmio,
				offsetof(struct virtio_net_config, mac), n->mac,
				ETH_ALEN);
	/* Our source address on the wire: a group or zero one is no use. */
	if (!mac_usable(n->mac))
		return fail(why, "config mac is a group or zero address");
	n->mtu = NET_MTU_DEFAULT;
	if (virtio_net_has(n, VIRTIO_NET_F_MTU))
		n->mtu = (uint16_t)virtio_mmio_config_read(
			&n->mmio, offsetof(struct virtio_net_config, mtu), 2);
	/* It sizes every receive buffer; 5.1.4.1 sets the floor. */
	if (n->mtu < NET_MTU_MIN)
		return refuse(why, "config mtu below 68", n->mtu);
	n->status = read_status(n);
	return true;
}

static void kick(struct virtio_net *n, struct virtq *vq, unsigned int index)
{
	virtq_publish(vq);
	if (virtq_kick_needed(vq))
		virtio_mmio_notify(&n->mmio, index);
}

/* Hands @buf to the device; num_buffers left 0, so a device that does
 * not set it (5.1.6.4.1) is caught on receive. */
static bool post_rx(struct virtio_net *n, void *buf)
{
	struct virtq_buf b = { buf, n->rx_buf_len };

	memset(buf, 0, NET_HDR_LEN);
	return virtq_add(&n->rx, &b, 0, 1, buf);
}

static bool fill_rx(struct virtio_net *n, const char **why)
{
	unsigned int i;
	void *buf;

	for (i = 0; i < n->rx.size; i++) {
		buf = alloc(n->rx_buf_len, 64);
		if (!buf || !post_rx(n, buf))
			return fail(why, "no memory for the receive buffers");
	}
	virtq_publish(&n->rx);
	return true;
}

static bool setup_queues(struct virtio_net *n, const char **why)
{
	/* 5.1.6.3.1: room for an MTU-sized frame, and 1526 bytes at least. */
	n->rx_buf_len = NET_HDR_LEN + ETH_HLEN +
			(n->mtu > NET_MTU_DEFAULT ? n->mtu : NET_MTU_DEFAULT);
	n->tx_buf = alloc(NET_HDR_LEN + ETH_HLEN + (uint32_t)n->mtu, 64);
	if (!n->tx_buf)
		return fail(why, "no memory for the transmit buffer");
	return virtio_mmio_create_queue(&n->mmio, RX_QUEUE, &n->rx,
					RX_QUEUE_SIZE, false, why) &&
	       virtio_mmio_create_queue(&n->mmio, TX_QUEUE, &n->tx,
					TX_QUEUE_SIZE, false, why) &&
	       fill_rx(n, why);
}

bool virtio_net_open(struct virtio_net *n, const struct mmio_device *d,
		     const char **why)
{
	*n = (struct virtio_net){ 0 };
	if (!virtio_mmio_probe(&n->mmio, d, why))
		return false;
	if (n->mmio.device_id != VIRTIO_ID_NET)
		return fail(why, "not a network device");
	if (!virtio_mmio_negotiate(&n->mmio, WANTED_FEATURES, REQUIRED_FEATURES,
				   why))
		return false;
	if (!read_config(n, why) || !setup_queues(n, why))
		return false;
	virtio_mmio_driver_ok(&n->mmio);
	/* 3.1.1: no notification before DRIVER_OK. */
	kick(n, &n->rx, RX_QUEUE);
	return true;
}

void virtio_net_close(struct virtio_net *n)
{
	virtio_mmio_reset(&n->mmio);
}

/* Takes the transmit queue's used entry (a virtq_complete_fn). */
static void *complete_tx(void *owner)
{
	struct virtio_net *n = owner;
	void *token = virtq_get_used(&n->tx, &n->tx_used_len);

	if (token)
		n->tx_done = true;
	return token;
}

static bool queue_tx(struct virtio_net *n, const void *frame, uint32_t len,
		     const char **why)
{
	struct virtq_buf b = { n->tx_buf, NET_HDR_LEN + len };

	/* One transmit at a time: tx_buf may still be the device's. */
	if (n->tx.num_free != n->tx.size)
		return fail(why, "a transmit is still in flight");
	if (len < ETH_HLEN || len > ETH_HLEN + (uint32_t)n->mtu)
		return refuse(why, "frame length outside 14..14 + mtu", len);
	memset(n->tx_buf, 0, NET_HDR_LEN);
	memcpy(n->tx_buf + NET_HDR_LEN, frame, len);
	n->tx_done = false;
	if (!virtq_add(&n->tx, &b, 1, 0, n->tx_buf))
		return fail(why, "transmit queue full");
	return true;
}

bool virtio_net_send(struct virtio_net *n, const void *frame, uint32_t len,
		     const char **why)
{
	if (!queue_tx(n, frame, len, why))
		return false;
	kick(n, &n->tx, TX_QUEUE);
	if (!virtq_wait(&n->tx, false, complete_tx, n, &n->tx_done,
			TX_TIMEOUT_US))
		return fail(why, n->tx.broken ? "bad used entry on transmitq" :
						"transmit not used in time");
	/* 2.7.8: the used length counts bytes the device wrote, and a
	 * transmit chain has nothing for it to write. */
	if (n->tx_used_len != 0)
		return refuse(why, "transmit used length not 0",
			      n->tx_used_len);
	return true;
}

/* Takes one receive queue entry, leaving the rest in the used ring until
 * the caller has it (a virtq_complete_fn). */
static void *take_rx(void *owner)
{
	struct virtio_net *n = owner;

	if (n->rx_ready)
		return NULL;
	n->rx_used = virtq_get_used(&n->rx, &n->rx_used_len);
	n->rx_ready = n->rx_used != NULL;
	return n->rx_used;
}

/* The used length and the header the device wrote (5.1.6.4.1). */
static bool check_rx(const struct virtio_net *n, const struct net_frame *f,
		     uint32_t used_len, const char **why)
{
	/* A longer one would make us read past the buffer. */
	if (used_len > n->rx_buf_len)
		return refuse(why, "receive used length beyond the buffer",
			      used_len);
	/* Shorter, and there is no Ethernet header to read. */
	if (used_len < NET_HDR_LEN + ETH_HLEN)
		return refuse(why, "receive used length below 12 + 14",
			      used_len);
	/* Without MRG_RXBUF a frame is in one buffer: num_buffers is 1. */
	if (f->hdr.num_buffers != 1 &&
	    !(n->num_buffers_may_be_unwritten && f->hdr.num_buffers == 0))
		return refuse(why, "num_buffers not 1 without MRG_RXBUF",
			      f->hdr.num_buffers);
	/* Without GUEST_CSUM flags are 0; without GUEST_TSO*, no GSO. */
	if (f->hdr.flags != 0)
		return refuse(why, "receive flags not 0", f->hdr.flags);
	if (f->hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return refuse(why, "receive gso_type not NONE",
			      f->hdr.gso_type);
	return true;
}

enum net_rx virtio_net_receive(struct virtio_net *n, struct net_frame *f,
			       uint64_t timeout_us, const char **why)
{
	uint8_t *buf;

	if (!virtq_wait(&n->rx, false, take_rx, n, &n->rx_ready, timeout_us)) {
		if (!n->rx.broken)
			return NET_RX_NONE;
		*why = "bad used entry on receiveq";
		return NET_RX_BAD;
	}
	n->rx_ready = false;
	buf = n->rx_used;
	*f = (struct net_frame){ .data = buf + NET_HDR_LEN, .buf = buf };
	memcpy(&f->hdr, buf, NET_HDR_LEN);
	if (!check_rx(n, f, n->rx_used_len, why)) {
		virtio_net_recycle(n, f);
		return NET_RX_BAD;
	}
	f->len = n->rx_used_len - NET_HDR_LEN;
	return NET_RX_FRAME;
}

void virtio_net_recycle(struct virtio_net *n, const struct net_frame *f)
{
	/* The chain just came back, so there is a free descriptor. */
	post_rx(n, f->buf);
	kick(n, &n->rx, RX_QUEUE);
}
