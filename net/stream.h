/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtio-net backend over a connected stream socket in QEMU's stream
 * protocol (what `-netdev stream` and passt speak): each Ethernet frame is
 * preceded by its length, 4 bytes big-endian. The peer is untrusted: a
 * length of 0, a length past NET_STREAM_FRAME_MAX (the frame is skipped,
 * byte by byte as it comes, and counted), a frame cut by the peer closing
 * — none of these gets further than this file.
 *
 * Both directions are non-blocking with one frame of buffering each: the
 * bytes of a frame the socket took only part of (sent in full before the
 * next, or the stream would break), and the frame being read.
 */
#ifndef VIGIL_NET_STREAM_H
#define VIGIL_NET_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "devices/virtio_net.h"

/* The largest frame either way: the device's largest. */
#define NET_STREAM_FRAME_MAX (VIRTIO_NET_MAX_MTU + VIRTIO_NET_ETH_HLEN)
#define NET_STREAM_LEN_SIZE 4u
/* Read in big gulps: several frames a system call, and the largest whole. */
#define NET_STREAM_RX_BUF (128u * 1024u)
_Static_assert(NET_STREAM_RX_BUF >= NET_STREAM_LEN_SIZE + NET_STREAM_FRAME_MAX,
	       "rx_buf holds the largest frame and its length");

struct net_stream_stats {
	uint64_t rx_oversized; /* frames longer than NET_STREAM_FRAME_MAX */
	uint64_t tx_partial;   /* frames the socket took part of at first */
};

struct net_stream {
	int fd;	     /* owned: closed by net_stream_close() */
	bool closed; /* the peer closed or the socket failed */
	/* RX: rx_buf[rx_start, rx_end) is read and not yet consumed. */
	uint8_t rx_buf[NET_STREAM_RX_BUF];
	size_t rx_start, rx_end;
	uint64_t rx_skip; /* bytes of an oversized frame still to drop */
	/* TX: the unsent tail of the last frame, tx_buf[tx_start, tx_end). */
	uint8_t tx_buf[NET_STREAM_LEN_SIZE + NET_STREAM_FRAME_MAX];
	size_t tx_start, tx_end;
	/* The length word and the device's iovec: one sendmsg() a frame. */
	struct iovec tx_iov[VIRTQ_MAX_CHAIN + 1];
	struct net_stream_stats stats;
	const char *name; /* for log lines */
};

/* Take over fd (made non-blocking). 0 or a negative errno. */
int net_stream_init(struct net_stream *s, const char *name, int fd);
void net_stream_close(struct net_stream *s);

/* The virtio-net backend ops; opaque is the struct net_stream. */
extern const struct virtio_net_backend_ops net_stream_ops;

#endif
