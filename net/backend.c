// SPDX-License-Identifier: GPL-2.0-only
#include "net/backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/passt.h"

static int backend_open_passt(struct net_backend *b,
			      const struct net_spec *spec, unsigned int mtu,
			      const char *name, char *err, size_t errlen)
{
	int fd, r;

	r = passt_connect(spec, mtu, &fd, &b->passt_pid, err, errlen);
	if (r < 0)
		return r;
	r = net_stream_init(&b->stream, name, fd);
	if (r < 0) {
		snprintf(err, errlen, "net: passt socket: %s", strerror(-r));
		close(fd);
		return r;
	}
	b->ops = &net_stream_ops;
	b->opaque = &b->stream;
	b->fd = fd;
	return 0;
}

static int backend_open_tap(struct net_backend *b, const struct net_spec *spec,
			    const char *name, char *err, size_t errlen)
{
	int r = spec->fd >= 0 ?
			net_tap_adopt(&b->tap, name, spec->fd, err, errlen) :
			net_tap_open(&b->tap, name, spec->ifname, err, errlen);

	if (r < 0)
		return r;
	b->ops = &net_tap_ops;
	b->opaque = &b->tap;
	b->fd = b->tap.fd;
	return 0;
}

int net_backend_open(struct net_backend *b, const struct net_spec *spec,
		     unsigned int mtu, const char *name, char *err,
		     size_t errlen)
{
	b->type = spec->type;
	b->passt_pid = -1;
	b->fd = -1;
	if (spec->type == NET_BACKEND_PASST)
		return backend_open_passt(b, spec, mtu, name, err, errlen);
	return backend_open_tap(b, spec, name, err, errlen);
}

void net_backend_close(struct net_backend *b)
{
	if (b->fd < 0)
		return;
	if (b->type == NET_BACKEND_PASST)
		net_stream_close(&b->stream);
	else
		net_tap_close(&b->tap);
	b->fd = -1;
}
