// SPDX-License-Identifier: GPL-2.0-only
/*
 * The net backends' host side: --net's spec parser, the passt stream over
 * a real socketpair (frames both ways, a frame the socket takes only part
 * of, a peer that closes mid-frame), and starting passt (a missing binary
 * is a clear error).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "net/backend.h"
#include "net/net_spec.h"
#include "net/stream.h"
#include "tests/support/tap.h"

static struct net_stream stream;
static char err[512];

static bool parse_fails(const char *spec, const char *needle)
{
	struct net_spec s;

	err[0] = '\0';
	return net_spec_parse(spec, &s, err, sizeof(err)) == -EINVAL &&
	       strstr(err, needle);
}

static void test_spec(void)
{
	struct net_spec s;

	CHECK(net_spec_parse("passt", &s, err, sizeof(err)) == 0 &&
		      s.type == NET_BACKEND_PASST &&
		      !strcmp(s.binary, "passt") && !s.socket[0] &&
		      !s.has_mac && s.mtu == 0,
	      "spec: passt alone starts Debian's passt");
	CHECK(net_spec_parse("passt,forward=tcp:2222:22,forward=udp:53:5353,"
			     "mac=52:54:00:aa:bb:cc,mtu=9000",
			     &s, err, sizeof(err)) == 0 &&
		      s.nr_forwards == 2 && !s.forward[0].udp &&
		      s.forward[0].host_port == 2222 &&
		      s.forward[0].guest_port == 22 && s.forward[1].udp &&
		      s.has_mac && s.mac[5] == 0xcc && s.mtu == 9000,
	      "spec: forwards, mac and mtu");
	CHECK(net_spec_parse("tap,fd=5", &s, err, sizeof(err)) == 0 &&
		      s.type == NET_BACKEND_TAP && s.fd == 5,
	      "spec: tap,fd=N");
	CHECK(parse_fails("tcp", "expected passt or tap"), "spec: %s", err);
	CHECK(parse_fails("tap", "ifname=NAME or fd=N"), "spec: %s", err);
	CHECK(parse_fails("tap,fd=1", "3.."), "spec: %s", err);
	CHECK(parse_fails("tap,ifname=abcdefghijklmnopq", "longer"), "spec: %s",
	      err);
	CHECK(parse_fails("tap,ifname=a,fd=4", "once"), "spec: %s", err);
	CHECK(parse_fails("passt,forward=tcp:0:22", "1..65535"), "spec: %s",
	      err);
	CHECK(parse_fails("passt,forward=sctp:1:2", "tcp:HOST:GUEST"),
	      "spec: %s", err);
	CHECK(parse_fails("passt,socket=/s,forward=tcp:1:2", "not socket="),
	      "spec: %s", err);
	CHECK(parse_fails("passt,mtu=67", "68..65520"), "spec: %s", err);
	CHECK(parse_fails("passt,mtu=65521", "68..65520"), "spec: %s", err);
	CHECK(parse_fails("passt,mac=52:54:00:aa:bb", "XX:XX"), "spec: %s",
	      err);
	CHECK(parse_fails("passt,mac=53:54:00:aa:bb:cc", "multicast"),
	      "spec: %s", err);
	CHECK(parse_fails("passt,mtu=1500,mtu=9000", "duplicate key 'mtu'"),
	      "spec: %s", err);
	CHECK(parse_fails("passt,mac=52:54:00:aa:bb:cc,mac=52:54:00:aa:bb:cd",
			  "duplicate key 'mac'"),
	      "spec: %s", err);
	CHECK(parse_fails("tap,fd=4,fd=5", "duplicate key 'fd'"), "spec: %s",
	      err);
	CHECK(parse_fails("passt,,mtu=1500", "empty option"), "spec: %s", err);
	CHECK(parse_fails("passt,ifname=x", "unknown option"), "spec: %s", err);
	CHECK(parse_fails("tap,socket=x", "unknown option"), "spec: %s", err);
}

static int stream_pair(int *peer)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	*peer = sv[0];
	return net_stream_init(&stream, "test-net", sv[1]);
}

/* n bytes from the peer's end, flushing vigil's end while none come. */
static bool peer_read(int peer, void *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = recv(peer, (uint8_t *)buf + got, n - got, MSG_DONTWAIT);
		if (r < 0 && errno == EAGAIN && stream.tx_end > stream.tx_start)
			net_stream_ops.flush(&stream);
		else if (r <= 0)
			return false;
		else
			got += (size_t)r;
	}
	return true;
}

/* One length-prefixed frame from the peer's end. */
static ssize_t peer_read_frame(int peer, uint8_t *buf, size_t size)
{
	uint32_t be;

	if (!peer_read(peer, &be, 4) || ntohl(be) > size ||
	    !peer_read(peer, buf, ntohl(be)))
		return -1;
	return (ssize_t)ntohl(be);
}

static void test_stream_frames(void)
{
	static uint8_t frame[1514], back[1514];
	struct iovec iov[2] = { { frame, 14 }, { frame + 14, 1500 } };
	const uint8_t *p;
	uint32_t be = htonl(60);
	size_t len;
	int peer;

	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7);
	CHECK(stream_pair(&peer) == 0, "stream: set up");
	CHECK(net_stream_ops.send(&stream, iov, 2) == 0 &&
		      peer_read_frame(peer, back, sizeof(back)) == 1514 &&
		      !memcmp(back, frame, 1514),
	      "stream: a frame goes out with its length before it");
	CHECK(net_stream_ops.peek(&stream, &p, &len) == 0,
	      "stream: nothing to read yet");
	CHECK(write(peer, &be, 2) == 2 &&
		      net_stream_ops.peek(&stream, &p, &len) == 0,
	      "stream: half a length is not a frame");
	CHECK(write(peer, (uint8_t *)&be + 2, 2) == 2 &&
		      write(peer, frame, 30) == 30 &&
		      net_stream_ops.peek(&stream, &p, &len) == 0,
	      "stream: half a frame is not a frame");
	CHECK(write(peer, frame + 30, 30) == 30 &&
		      net_stream_ops.peek(&stream, &p, &len) == 1 &&
		      len == 60 && !memcmp(p, frame, 60),
	      "stream: the whole frame, as the peer wrote it");
	net_stream_ops.consume(&stream);
	CHECK(write(peer, &be, 4) == 4 && write(peer, frame, 10) == 10 &&
		      close(peer) == 0 &&
		      net_stream_ops.peek(&stream, &p, &len) == -EPIPE,
	      "stream: a frame cut by the close is never delivered");
	CHECK(net_stream_ops.send(&stream, iov, 2) == -EPIPE,
	      "stream: nothing is sent on a lost link");
	net_stream_close(&stream);
}

/* A full socket takes part of a frame: the rest goes first, frames whole. */
static void test_stream_partial(void)
{
	static uint8_t frame[9014], back[9014];
	struct iovec iov = { frame, sizeof(frame) };
	int peer, sndbuf = 4096, sent = 0, r, flags;

	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 13 + 1);
	CHECK(stream_pair(&peer) == 0, "stream: set up");
	setsockopt(stream.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	while ((r = net_stream_ops.send(&stream, &iov, 1)) == 0 && sent < 1000)
		sent++;
	CHECK(r == -EAGAIN && stream.stats.tx_partial >= 1,
	      "stream: a full socket takes part of a frame, then says "
	      "-EAGAIN (%d frames)",
	      sent);
	CHECK(net_stream_ops.flush(&stream) == -EAGAIN,
	      "stream: the rest waits for room");
	flags = 1;
	for (int i = 0; i < sent && flags; i++)
		flags = peer_read_frame(peer, back, sizeof(back)) ==
				(ssize_t)sizeof(frame) &&
			!memcmp(back, frame, sizeof(frame));
	CHECK(flags, "stream: every frame arrives whole, in step");
	CHECK(net_stream_ops.flush(&stream) == 0 &&
		      net_stream_ops.send(&stream, &iov, 1) == 0,
	      "stream: with room again, sending goes on");
	close(peer);
	net_stream_close(&stream);
}

static void test_passt_missing(void)
{
	struct net_backend b;
	struct net_spec s;

	net_spec_parse("passt,binary=/nonexistent/passt", &s, err, sizeof(err));
	CHECK(net_backend_open(&b, &s, 1500, "test-net", err, sizeof(err)) ==
			      -ENOENT &&
		      strstr(err, "cannot run /nonexistent/passt"),
	      "passt: a missing binary is named: %s", err);
	net_spec_parse("passt,socket=/nonexistent/sock", &s, err, sizeof(err));
	CHECK(net_backend_open(&b, &s, 1500, "test-net", err, sizeof(err)) ==
			      -ENOENT &&
		      strstr(err, "/nonexistent/sock"),
	      "passt: a missing socket is named: %s", err);
}

/* A tap opened as the caller of --net tap,fd=N would, with flags. */
static int tap_fd_with(short flags, char *name)
{
	struct ifreq ifr = { .ifr_flags = flags };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd >= 0 && ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	if (name)
		memcpy(name, ifr.ifr_name, IFNAMSIZ);
	return fd;
}

static void test_tap(void)
{
	static struct net_tap t;
	char name[IFNAMSIZ];
	int fd = tap_fd_with(IFF_TAP | IFF_NO_PI, name);

	if (fd < 0) {
		tap_skip("tap", "no /dev/net/tun here (not root?)");
		return;
	}
	CHECK(net_tap_adopt(&t, "test-net", fd, err, sizeof(err)) == 0 &&
		      !strcmp(t.ifname, name) &&
		      (fcntl(fd, F_GETFL) & O_NONBLOCK),
	      "tap: an fd opened IFF_TAP | IFF_NO_PI is taken (%s)", name);
	net_tap_close(&t);
	fd = tap_fd_with(IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, NULL);
	CHECK(net_tap_adopt(&t, "test-net", fd, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "without IFF_VNET_HDR"),
	      "tap: one with a vnet header is refused: %s", err);
	close(fd);
	fd = tap_fd_with(IFF_TUN | IFF_NO_PI, NULL);
	CHECK(net_tap_adopt(&t, "test-net", fd, err, sizeof(err)) == -EINVAL,
	      "tap: a tun (IP, no Ethernet) is refused: %s", err);
	close(fd);
	fd = open("/dev/null", O_RDWR);
	CHECK(net_tap_adopt(&t, "test-net", fd, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "not a tun/tap device"),
	      "tap: another file is refused: %s", err);
	close(fd);
	CHECK(net_tap_open(&t, "test-net", "vigiltest%d", err, sizeof(err)) ==
			      0 &&
		      !strncmp(t.ifname, "vigiltest", 9),
	      "tap: ifname= creates the tap (%s)", t.ifname);
	net_tap_close(&t);
}

int main(void)
{
	test_spec();
	test_stream_frames();
	test_stream_partial();
	test_passt_missing();
	test_tap();
	return tap_done();
}
