/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * passt (https://passt.top, Debian's `passt`): unprivileged user-mode
 * networking, DHCP and DNS included, in its own process. vigil either
 * starts it on one end of a socketpair (`passt --fd`; passt quits when
 * vigil's end closes, so it never outlives vigil) or connects to the UNIX
 * socket of one the user started. Either way the link is a stream socket
 * in QEMU's stream protocol (net/stream.h).
 */
#ifndef VIGIL_NET_PASST_H
#define VIGIL_NET_PASST_H

#include <stddef.h>
#include <sys/types.h>

#include "net/net_spec.h"

/*
 * Start spec->binary (searched in PATH) for a device with MTU mtu, its
 * forwards passed on; *fd is vigil's end. Or, with spec->socket, connect.
 * 0, or a negative errno with a reason in err (passt not found included).
 */
int passt_connect(const struct net_spec *spec, unsigned int mtu, int *fd,
		  pid_t *pid, char *err, size_t errlen);

#endif
