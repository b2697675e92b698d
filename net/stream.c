// SPDX-License-Identifier: GPL-2.0-only
#include "net/stream.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"

int net_stream_init(struct net_stream *s, const char *name, int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	s->fd = fd;
	s->name = name;
	s->closed = false;
	s->rx_start = s->rx_end = 0;
	s->rx_skip = 0;
	s->tx_start = s->tx_end = 0;
	memset(&s->stats, 0, sizeof(s->stats));
	return 0;
}

void net_stream_close(struct net_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->closed = true;
}

static void stream_lost(struct net_stream *s, const char *why)
{
	if (!s->closed)
		log_error("%s: stream: %s", s->name, why);
	s->closed = true;
}

/* ---- RX ------------------------------------------------------------------ */

/* Move the unconsumed bytes to the front and read what fits after them. */
static int stream_read(struct net_stream *s)
{
	ssize_t n;

	if (s->rx_start > 0) {
		memmove(s->rx_buf, s->rx_buf + s->rx_start,
			s->rx_end - s->rx_start);
		s->rx_end -= s->rx_start;
		s->rx_start = 0;
	}
	n = recv(s->fd, s->rx_buf + s->rx_end, sizeof(s->rx_buf) - s->rx_end,
		 MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0) {
		stream_lost(s, strerror(errno));
		return -EPIPE;
	}
	if (n == 0) {
		/* A frame cut by the close is never handed on. */
		stream_lost(s, s->rx_end || s->rx_skip ?
				       "peer closed in the middle of a frame" :
				       "peer closed");
		return -EPIPE;
	}
	s->rx_end += (size_t)n;
	return 1;
}

/* Drop what is buffered of an oversized frame; true when it is all gone. */
static bool stream_skip(struct net_stream *s)
{
	size_t have = s->rx_end - s->rx_start;
	size_t n = s->rx_skip < have ? (size_t)s->rx_skip : have;

	s->rx_start += n;
	s->rx_skip -= n;
	return s->rx_skip == 0;
}

/*
 * A whole frame at rx_start: 1 with it, 0 when more bytes are needed. A
 * length past NET_STREAM_FRAME_MAX starts a skip: the peer's frame is not
 * ours to take, but the stream stays in step.
 */
static int stream_parse(struct net_stream *s, const uint8_t **frame,
			size_t *len)
{
	size_t have;
	uint32_t be_len, n;

	while (s->rx_skip == 0 || stream_skip(s)) {
		have = s->rx_end - s->rx_start;
		if (have < NET_STREAM_LEN_SIZE)
			return 0;
		memcpy(&be_len, s->rx_buf + s->rx_start, sizeof(be_len));
		n = be32toh(be_len);
		if (n <= NET_STREAM_FRAME_MAX) {
			if (have - NET_STREAM_LEN_SIZE < n)
				return 0;
			*frame = s->rx_buf + s->rx_start + NET_STREAM_LEN_SIZE;
			*len = n;
			return 1;
		}
		/* The peer's to explain; no guest controls this. */
		log_error("%s: stream: a %u-byte frame, more than %u: dropped",
			  s->name, n, NET_STREAM_FRAME_MAX);
		s->stats.rx_oversized++;
		s->rx_start += NET_STREAM_LEN_SIZE;
		s->rx_skip = n;
	}
	return 0;
}

static int stream_peek(void *opaque, const uint8_t **frame, size_t *len)
{
	struct net_stream *s = opaque;
	int r;

	if (s->closed)
		return -EPIPE;
	/*
	 * Parse what is buffered first, read only when it holds no whole
	 * frame; rx_buf holds the longest frame and its length, so a read
	 * always has room after the move to the front.
	 */
	for (;;) {
		r = stream_parse(s, frame, len);
		if (r != 0)
			return r;
		r = stream_read(s);
		if (r <= 0)
			return r;
	}
}

static void stream_consume(void *opaque)
{
	struct net_stream *s = opaque;
	uint32_t be_len, n;

	memcpy(&be_len, s->rx_buf + s->rx_start, sizeof(be_len));
	n = be32toh(be_len);
	s->rx_start += NET_STREAM_LEN_SIZE + n;
}

/* ---- TX ------------------------------------------------------------------ */

/* Write the buffered tail of the last frame: 0 when all gone, or -EAGAIN. */
static int stream_flush(void *opaque)
{
	struct net_stream *s = opaque;
	ssize_t n;

	while (s->tx_start < s->tx_end && !s->closed) {
		n = send(s->fd, s->tx_buf + s->tx_start,
			 s->tx_end - s->tx_start, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return -EAGAIN;
		if (n < 0) {
			stream_lost(s, strerror(errno));
			break;
		}
		s->tx_start += (size_t)n;
	}
	s->tx_start = s->tx_end = 0;
	return 0;
}

/* Keep what the socket did not take of hdr + iov, skipping the first done. */
static void stream_keep_tail(struct net_stream *s, const struct iovec *iov,
			     int iovcnt, size_t done)
{
	size_t end = 0;

	for (int i = 0; i < iovcnt; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t len = iov[i].iov_len;

		if (done >= len) {
			done -= len;
			continue;
		}
		memcpy(s->tx_buf + end, p + done, len - done);
		end += len - done;
		done = 0;
	}
	s->tx_start = 0;
	s->tx_end = end;
}

static int stream_send(void *opaque, const struct iovec *iov, int iovcnt)
{
	struct net_stream *s = opaque;
	struct iovec *all = s->tx_iov;
	struct msghdr msg = { .msg_iov = all };
	size_t total = 0;
	uint32_t be_len;
	ssize_t n;

	if (s->closed)
		return -EPIPE;
	if (stream_flush(s) == -EAGAIN)
		return -EAGAIN;
	/* The device bounds both; a frame too big for tx_buf is refused. */
	if (iovcnt < 0 || iovcnt > (int)VIRTQ_MAX_CHAIN)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (total > NET_STREAM_FRAME_MAX)
		return -EMSGSIZE;
	be_len = htobe32((uint32_t)total);
	all[0] = (struct iovec){ .iov_base = &be_len,
				 .iov_len = sizeof(be_len) };
	memcpy(all + 1, iov, (size_t)iovcnt * sizeof(*iov));
	msg.msg_iovlen = (size_t)iovcnt + 1;
	do {
		n = sendmsg(s->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return -EAGAIN;
	if (n < 0) {
		stream_lost(s, strerror(errno));
		return -EPIPE;
	}
	/* Part of it: the rest goes before any other frame (stream_flush). */
	if ((size_t)n < total + sizeof(be_len)) {
		s->stats.tx_partial++;
		stream_keep_tail(s, all, iovcnt + 1, (size_t)n);
	}
	return 0;
}

const struct virtio_net_backend_ops net_stream_ops = {
	.send = stream_send,
	.flush = stream_flush,
	.peek = stream_peek,
	.consume = stream_consume,
};
