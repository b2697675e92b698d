// SPDX-License-Identifier: GPL-2.0-only
#include "net/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/log.h"

static void tap_init(struct net_tap *t, const char *name, int fd,
		     const char *ifname)
{
	t->fd = fd;
	t->name = name;
	t->closed = false;
	t->have = false;
	t->len = 0;
	snprintf(t->ifname, sizeof(t->ifname), "%s", ifname);
}

int net_tap_open(struct net_tap *t, const char *name, const char *ifname,
		 char *err, size_t errlen)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd, r;

	if (strlen(ifname) >= sizeof(ifr.ifr_name)) {
		snprintf(err, errlen, "tap: ifname '%s': longer than %zu bytes",
			 ifname, sizeof(ifr.ifr_name) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "tap: /dev/net/tun: %s", strerror(-r));
		return r;
	}
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		snprintf(err, errlen, "tap: %s: %s%s", ifname, strerror(-r),
			 r == -EPERM ? " (needs CAP_NET_ADMIN, or a tap the "
				       "user owns; or pass one with fd=N)" :
				       "");
		close(fd);
		return r;
	}
	tap_init(t, name, fd, ifr.ifr_name);
	return 0;
}

int net_tap_adopt(struct net_tap *t, const char *name, int fd, char *err,
		  size_t errlen)
{
	struct ifreq ifr = { 0 };
	int flags;

	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		snprintf(err, errlen, "tap: fd %d: not a tun/tap device: %s",
			 fd, strerror(errno));
		return -EINVAL;
	}
	/* Frames with a header we did not ask for would be misread. */
	if ((ifr.ifr_flags & (IFF_TAP | IFF_TUN | IFF_NO_PI | IFF_VNET_HDR)) !=
	    (IFF_TAP | IFF_NO_PI)) {
		snprintf(err, errlen,
			 "tap: fd %d (%.*s): flags 0x%x, expected IFF_TAP | "
			 "IFF_NO_PI without IFF_VNET_HDR",
			 fd, (int)sizeof(ifr.ifr_name), ifr.ifr_name,
			 (unsigned int)(uint16_t)ifr.ifr_flags);
		return -EINVAL;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		snprintf(err, errlen, "tap: fd %d: %s", fd, strerror(errno));
		return -EINVAL;
	}
	tap_init(t, name, fd, ifr.ifr_name);
	return 0;
}

void net_tap_close(struct net_tap *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->closed = true;
}

static int tap_peek(void *opaque, const uint8_t **frame, size_t *len)
{
	struct net_tap *t = opaque;
	ssize_t n;

	if (t->closed)
		return -EPIPE;
	while (!t->have) {
		n = read(t->fd, t->frame, sizeof(t->frame));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			log_error("%s: tap %s: %s", t->name, t->ifname,
				  n < 0 ? strerror(errno) : "closed");
			t->closed = true;
			return -EPIPE;
		}
		t->have = true;
		t->len = (size_t)n;
	}
	*frame = t->frame;
	*len = t->len;
	return 1;
}

static void tap_consume(void *opaque)
{
	struct net_tap *t = opaque;

	t->have = false;
}

static int tap_send(void *opaque, const struct iovec *iov, int iovcnt)
{
	struct net_tap *t = opaque;
	ssize_t n;

	if (t->closed)
		return -EPIPE;
	/* A tap takes a frame whole or not at all. */
	do {
		n = writev(t->fd, iov, iovcnt);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -EAGAIN : -errno;
	return 0;
}

const struct virtio_net_backend_ops net_tap_ops = {
	.send = tap_send,
	.peek = tap_peek,
	.consume = tap_consume,
};
