/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-net driver (virtio 1.2, 5.1 "Network Device") on the virtio-mmio
 * transport: receiveq1 (queue 0) kept full of buffers, transmitq1 (queue
 * 1), both polled. Every frame travels behind the 12-byte struct
 * virtio_net_hdr_v1 (5.1.6: its size with VERSION_1, MRG_RXBUF or not).
 *
 *	struct virtio_net n;
 *	virtio_net_open(&n, virtio_mmio_find(VIRTIO_ID_NET, 0), &why);
 *	virtio_net_send(&n, frame, len, &why);
 *	if (virtio_net_receive(&n, &f, timeout_us, &why) == NET_RX_FRAME) {
 *		... f.data, f.len ...
 *		virtio_net_recycle(&n, &f);  // the buffer back to the device
 *	}
 *	virtio_net_close(&n);  // reset: the device stops using our memory
 */
#ifndef GUEST_VIRTIO_NET_H
#define GUEST_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/if_ether.h>
#include <linux/virtio_net.h>

#include "virtio_mmio.h"
#include "virtq.h"

#define VIRTIO_ID_NET 1 /* virtio 1.2, 5 "Device Types" */
#define NET_HDR_LEN ((uint32_t)sizeof(struct virtio_net_hdr_v1))
#define NET_MTU_DEFAULT 1500 /* without VIRTIO_NET_F_MTU */
#define NET_MTU_MIN 68	     /* 5.1.4.1 */

/* A received frame: the device's header (copied) and the Ethernet frame,
 * which stays in the receive buffer until virtio_net_recycle(). */
struct net_frame {
	struct virtio_net_hdr_v1 hdr;
	const uint8_t *data; /* the Ethernet header onwards */
	uint32_t len;	     /* bytes of Ethernet frame */
	void *buf;	     /* the receive buffer, header first */
};

struct virtio_net {
	struct virtio_mmio mmio;
	struct virtq rx, tx;
	uint8_t mac[ETH_ALEN];
	uint16_t mtu;	 /* the device's with VIRTIO_NET_F_MTU */
	uint16_t status; /* config status with VIRTIO_NET_F_STATUS, else 0 */
	uint32_t rx_buf_len; /* header + Ethernet header + max(mtu, 1500) */
	uint8_t *tx_buf;     /* header + one frame of at most the MTU */
	/* Set by the caller for a device known to leave num_buffers as the
	 * driver wrote it (0) without MRG_RXBUF: QEMU 7.2 does. */
	bool num_buffers_may_be_unwritten;
	bool tx_done; /* the device has used tx_buf */
	uint32_t tx_used_len;
	/* virtio_net_receive()'s used entry, between the ring and the caller. */
	void *rx_used;
	uint32_t rx_used_len;
	bool rx_ready;
};

/* Negotiates VERSION_1 and MAC (required), STATUS and MTU (when offered),
 * reads and checks the configuration, sets up both queues, fills the
 * receive queue and sets DRIVER_OK. */
bool virtio_net_open(struct virtio_net *n, const struct mmio_device *d,
		     const char **why);
void virtio_net_close(struct virtio_net *n);
bool virtio_net_has(const struct virtio_net *n, unsigned int feature);

/* Sends one Ethernet frame of 14 bytes up to 14 + mtu behind a zeroed
 * header and waits until the device has used it; false (with *why) if
 * it is refused, the device does not answer or answers wrongly. */
bool virtio_net_send(struct virtio_net *n, const void *frame, uint32_t len,
		     const char **why);
enum net_rx {
	NET_RX_FRAME, /* @f holds a frame: recycle it when done */
	NET_RX_NONE,  /* nothing arrived in time */
	NET_RX_BAD,   /* a used entry broke the rules (*why); recycled */
};
/* Waits up to @timeout_us for the next received frame. */
enum net_rx virtio_net_receive(struct virtio_net *n, struct net_frame *f,
			       uint64_t timeout_us, const char **why);
/* Gives @f's buffer back to the device. */
void virtio_net_recycle(struct virtio_net *n, const struct net_frame *f);

#endif
