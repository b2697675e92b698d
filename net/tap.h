/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtio-net backend on a Linux tap device (IFF_TAP | IFF_NO_PI: one
 * Ethernet frame per read and per write, no packet-information or virtio
 * header, as no offload is offered). vigil opens /dev/net/tun itself
 * (--net tap,ifname=NAME: needs CAP_NET_ADMIN, or a persistent tap the
 * user owns) or takes an fd opened for it (--net tap,fd=N), checked to be
 * such a tap.
 */
#ifndef VIGIL_NET_TAP_H
#define VIGIL_NET_TAP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/virtio_net.h"

/* A read takes one frame whole: room for the largest a tap may hold. */
#define NET_TAP_READ_MAX 65536u

struct net_tap {
	int fd;
	bool closed;
	bool have; /* frame[0, len) is read, not yet consumed */
	size_t len;
	uint8_t frame[NET_TAP_READ_MAX];
	char ifname[IFNAMSIZ];
	const char *name; /* for log lines */
};

/* Attach to (or create) tap ifname. 0, or -errno with a reason in err. */
int net_tap_open(struct net_tap *t, const char *name, const char *ifname,
		 char *err, size_t errlen);
/* Take over fd, refused unless a tap with IFF_NO_PI and no vnet header. */
int net_tap_adopt(struct net_tap *t, const char *name, int fd, char *err,
		  size_t errlen);
void net_tap_close(struct net_tap *t);

extern const struct virtio_net_backend_ops net_tap_ops;

#endif
