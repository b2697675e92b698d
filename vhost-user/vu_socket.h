/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost-user socket I/O: the listening UNIX socket, and whole messages with
 * their file descriptors in and out. Framing only; what a message means is
 * checked by vu_msg_check() (vhost_user.h).
 *
 * A connection's reads and writes time out after VU_SOCKET_TIMEOUT_S: the
 * server reads a message only once epoll says bytes are waiting, so only a
 * front-end that stops half-way through a message (or stops reading its
 * replies) waits that long, and then loses its connection. The timeout is
 * per read: one that sends a message a byte every few seconds holds the
 * daemon for as long, which costs only its own guest (the daemon serves
 * one front-end at a time).
 */
#ifndef VIGIL_VU_SOCKET_H
#define VIGIL_VU_SOCKET_H

#include <stddef.h>
#include <sys/types.h>

#include "vhost-user/vhost_user.h"

#define VU_SOCKET_TIMEOUT_S 5

/*
 * Bind and listen on a UNIX stream socket at path (backlog 1, non-blocking).
 * A socket file left there by a process that no longer listens is replaced;
 * a live one, or a file that is not a socket, is an error. The socket file
 * is created with exactly mode (0600 or 0660), whatever the umask. Returns
 * the fd or a negative errno with a one-line reason in err.
 */
int vu_socket_listen(const char *path, mode_t mode, char *err, size_t errlen);

/*
 * Accept one connection (blocking, close-on-exec, with the timeouts).
 * Returns the fd, -EAGAIN when none is waiting, or another -errno.
 */
int vu_socket_accept(int listen_fd);

/*
 * Read one message: header, payload, and every descriptor that came with
 * them (close-on-exec). Returns 1 with *m filled (its fds are the caller's),
 * 0 when the peer closed the connection between messages, or a negative
 * errno when the framing is broken: a payload larger than
 * VHOST_USER_MAX_PAYLOAD (-EMSGSIZE), more than VHOST_USER_MAX_FDS
 * descriptors (-EPROTO), end of stream inside a message (-ECONNRESET), a
 * timeout (-EAGAIN). On 0 or an error no descriptor is left open.
 */
int vu_socket_recv(int fd, struct vu_msg *m);

/* Send m's header and payload (never descriptors). 0 or -errno. */
int vu_socket_send(int fd, const struct vu_msg *m);

#endif
