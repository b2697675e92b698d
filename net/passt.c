// SPDX-License-Identifier: GPL-2.0-only
#include "net/passt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* passt's end of the socketpair, in the child. */
#define PASST_FD 3
/* passt, -f -q -e, --fd N, -m MTU, each forward as two words, NULL. */
#define PASST_MAX_ARGS (10 + 2 * NET_SPEC_MAX_FORWARDS)

static int passt_socket(const char *path, int *fd, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, r;

	memcpy(sa.sun_path, path, strlen(path) + 1); /* bounded by net_spec */
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		snprintf(err, errlen, "net: passt socket %s: %s", path,
			 strerror(-r));
		if (s >= 0)
			close(s);
		return r;
	}
	*fd = s;
	return 0;
}

/* The child, after fork(): passt on PASST_FD, or errno down status_fd. */
static void passt_exec(const struct net_spec *spec, unsigned int mtu,
		       int passt_fd, int status_fd)
{
	/* execvp() takes char *const []: the words in writable arrays. */
	char binary[PATH_MAX], fd_arg[16], mtu_arg[16];
	char word[][8] = { "-f", "-q", "-e", "--fd", "-m", "-t", "-u" };
	char fwd[NET_SPEC_MAX_FORWARDS][16];
	char *argv[PASST_MAX_ARGS];
	unsigned int n = 0;
	int e;

	snprintf(binary, sizeof(binary), "%s", spec->binary);
	snprintf(fd_arg, sizeof(fd_arg), "%d", PASST_FD);
	snprintf(mtu_arg, sizeof(mtu_arg), "%u", mtu);
	argv[n++] = binary;
	argv[n++] = word[0]; /* -f: the foreground, no fork, no pid file */
	argv[n++] = word[1]; /* -q */
	argv[n++] = word[2]; /* -e: its errors on vigil's stderr */
	argv[n++] = word[3];
	argv[n++] = fd_arg;
	argv[n++] = word[4]; /* -m: DHCP tells the guest the device's MTU */
	argv[n++] = mtu_arg;
	for (unsigned int i = 0; i < spec->nr_forwards; i++) {
		const struct net_forward *f = &spec->forward[i];

		snprintf(fwd[i], sizeof(fwd[i]), "%u:%u", f->host_port,
			 f->guest_port);
		argv[n++] = f->udp ? word[6] : word[5];
		argv[n++] = fwd[i];
	}
	argv[n] = NULL;
	/* Out of the way of PASST_FD first, still closed by exec. */
	if (status_fd == PASST_FD)
		status_fd = fcntl(status_fd, F_DUPFD_CLOEXEC, PASST_FD + 1);
	/* dup2() onto itself keeps FD_CLOEXEC: clear it then. */
	if (passt_fd == PASST_FD ? fcntl(PASST_FD, F_SETFD, 0) == 0 :
				   dup2(passt_fd, PASST_FD) == PASST_FD)
		execvp(binary, argv);
	e = errno;
	if (write(status_fd, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

/* Fork and exec passt; the pipe tells whether exec worked (CLOEXEC). */
static int passt_spawn(const struct net_spec *spec, unsigned int mtu,
		       int passt_fd, pid_t *pid, char *err, size_t errlen)
{
	int status[2], e = 0;
	ssize_t n;

	if (pipe2(status, O_CLOEXEC) < 0)
		return -errno;
	*pid = fork();
	if (*pid == 0)
		passt_exec(spec, mtu, passt_fd, status[1]);
	close(status[1]);
	if (*pid < 0) {
		e = errno;
		close(status[0]);
		snprintf(err, errlen, "net: cannot start passt: %s",
			 strerror(e));
		return -e;
	}
	do {
		n = read(status[0], &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(status[0]);
	if (n == sizeof(e)) {
		waitpid(*pid, NULL, 0);
		snprintf(err, errlen, "net: cannot run %s: %s%s", spec->binary,
			 strerror(e),
			 e == ENOENT ? " (install Debian's passt, or give "
				       "binary=PATH)" :
				       "");
		return -e;
	}
	return 0;
}

int passt_connect(const struct net_spec *spec, unsigned int mtu, int *fd,
		  pid_t *pid, char *err, size_t errlen)
{
	int sv[2], r;

	*pid = -1;
	if (spec->socket[0])
		return passt_socket(spec->socket, fd, err, errlen);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		r = -errno;
		snprintf(err, errlen, "net: socketpair: %s", strerror(-r));
		return r;
	}
	r = passt_spawn(spec, mtu, sv[1], pid, err, errlen);
	close(sv[1]);
	if (r < 0) {
		close(sv[0]);
		return r;
	}
	*fd = sv[0];
	return 0;
}
