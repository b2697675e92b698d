/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The backend --net names, opened: passt (a stream socket) or a tap. The
 * device reaches it through ops/opaque; the I/O thread watches fd.
 */
#ifndef VIGIL_NET_BACKEND_H
#define VIGIL_NET_BACKEND_H

#include <stddef.h>
#include <sys/types.h>

#include "net/net_spec.h"
#include "net/stream.h"
#include "net/tap.h"

struct net_backend {
	enum net_backend_type type;
	const struct virtio_net_backend_ops *ops;
	void *opaque;	 /* &stream or &tap */
	int fd;		 /* the descriptor to watch */
	pid_t passt_pid; /* the passt vigil started, or -1 */
	union {
		struct net_stream stream;
		struct net_tap tap;
	};
};

/* Open spec's backend for a device of MTU mtu. 0, or -errno with err. */
int net_backend_open(struct net_backend *b, const struct net_spec *spec,
		     unsigned int mtu, const char *name, char *err,
		     size_t errlen);
/* Close it; a passt vigil started quits on its own when its socket does. */
void net_backend_close(struct net_backend *b);

#endif
