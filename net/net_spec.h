/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --net's argument: the backend, then key=value options, comma-separated
 * (values hold no comma):
 *
 *   passt[,socket=PATH][,binary=PATH][,forward=tcp|udp:HOST:GUEST]...
 *   tap,ifname=NAME | tap,fd=N
 *
 * and for either, mac=XX:XX:XX:XX:XX:XX and mtu=N. Checked whole before
 * anything is opened or started.
 */
#ifndef VIGIL_NET_SPEC_H
#define VIGIL_NET_SPEC_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#define NET_SPEC_MAX_FORWARDS 8u

enum net_backend_type {
	NET_BACKEND_PASST,
	NET_BACKEND_TAP,
};

/* One port forward: passt's -t/-u HOST:GUEST. */
struct net_forward {
	bool udp;
	uint16_t host_port, guest_port;
};

struct net_spec {
	enum net_backend_type type;
	/* passt: connect to socket when set, else start binary ("passt"). */
	char socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char binary[PATH_MAX];
	struct net_forward forward[NET_SPEC_MAX_FORWARDS];
	unsigned int nr_forwards;
	/* tap: open ifname, or take fd (-1: not given). */
	char ifname[IFNAMSIZ];
	int fd;
	bool has_mac;
	uint8_t mac[6];
	unsigned int mtu; /* 0: the device's default */
};

/* 0, or -EINVAL with a reason naming the option in err. */
int net_spec_parse(const char *spec, struct net_spec *out, char *err,
		   size_t errlen);

#endif
