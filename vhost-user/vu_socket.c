// SPDX-License-Identifier: GPL-2.0-only
#include "vhost-user/vu_socket.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/scm_fds.h"

static int fill_addr(const char *path, struct sockaddr_un *sa, char *err,
		     size_t errlen)
{
	size_t len = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof(sa->sun_path)) {
		snprintf(err, errlen,
			 "--socket %s: path of %zu bytes, must be 1..%zu", path,
			 len, sizeof(sa->sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa->sun_path, path, len);
	return 0;
}

/*
 * A socket file nobody listens on is what a killed daemon leaves behind:
 * remove it. Anything else at path is somebody's: leave it and fail.
 */
static int remove_stale(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "--socket %s: exists and is not a socket",
			 sa->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	r = r == 0 ? -EADDRINUSE : -errno;
	close(fd);
	if (r == -EADDRINUSE) {
		snprintf(err, errlen,
			 "--socket %s: another process is listening on it",
			 sa->sun_path);
		return r;
	}
	if (r != -ECONNREFUSED)
		return r;
	return unlink(sa->sun_path) < 0 ? -errno : 0;
}

int vu_socket_listen(const char *path, mode_t mode, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, r;

	r = fill_addr(path, &sa, err, errlen);
	if (r < 0)
		return r;
	err[0] = '\0';
	r = remove_stale(&sa, err, errlen);
	if (r < 0)
		goto fail;
	/* Non-blocking: a stale wake-up must not hang us in accept(). */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	/*
	 * Whoever can connect reads and writes the disk: the socket gets
	 * exactly mode from the start, whatever the process umask.
	 */
	old = umask(~mode & 0777);
	r = bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old);
	if (r == 0 && listen(fd, 1) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		goto fail;
	}
	return fd;
fail:
	if (!err[0])
		snprintf(err, errlen, "--socket %s: %s", path, strerror(-r));
	return r;
}

int vu_socket_accept(int listen_fd)
{
	struct timeval tv = { .tv_sec = VU_SOCKET_TIMEOUT_S };
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* Read exactly len bytes into buf, collecting descriptors on the way. */
static int recv_exact(int fd, void *buf, size_t len, struct vu_msg *m)
{
	size_t done = 0;

	while (done < len) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int) * VHOST_USER_MAX_FDS)];
		} ctl;
		struct iovec iov = {
			.iov_base = (uint8_t *)buf + done,
			.iov_len = len - done,
		};
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* More than m has room for, or dropped ones: broken framing. */
		r = scm_take_fds(&mh, m->fds, &m->nr_fds, VHOST_USER_MAX_FDS) ?
			    0 :
			    -EPROTO;
		if (r < 0)
			return r;
		if (n == 0)
			return done == 0 ? 0 : -ECONNRESET;
		done += (size_t)n;
	}
	return 1;
}

int vu_socket_recv(int fd, struct vu_msg *m)
{
	int r;

	memset(&m->hdr, 0, sizeof(m->hdr));
	/* Bytes past the payload read as zero, never as a stale message. */
	memset(&m->payload, 0, sizeof(m->payload));
	for (unsigned int i = 0; i < VHOST_USER_MAX_FDS; i++)
		m->fds[i] = -1;
	m->nr_fds = 0;
	r = recv_exact(fd, &m->hdr, sizeof(m->hdr), m);
	if (r == 1 && m->hdr.size > VHOST_USER_MAX_PAYLOAD)
		r = -EMSGSIZE; /* we cannot skip it without reading it */
	if (r == 1 && m->hdr.size) {
		r = recv_exact(fd, m->payload.raw, m->hdr.size, m);
		if (r == 0)
			r = -ECONNRESET;
	}
	if (r <= 0)
		vu_msg_close_fds(m);
	return r;
}

int vu_socket_send(int fd, const struct vu_msg *m)
{
	uint8_t buf[sizeof(m->hdr) + VHOST_USER_MAX_PAYLOAD];
	size_t len, done = 0;

	if (m->hdr.size > VHOST_USER_MAX_PAYLOAD)
		return -EMSGSIZE;
	len = sizeof(m->hdr) + m->hdr.size;
	memcpy(buf, &m->hdr, sizeof(m->hdr));
	memcpy(buf + sizeof(m->hdr), m->payload.raw, m->hdr.size);
	while (done < len) {
		/* MSG_NOSIGNAL: a vanished front-end is EPIPE, not SIGPIPE. */
		ssize_t n = send(fd, buf + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}
