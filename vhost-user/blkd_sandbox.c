// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigil-blkd's allow-list, built as vigil's own are (lib/seccomp_policy.h:
 * kill the process on an unlisted call or a foreign architecture,
 * no_new_privs), every entry naming who makes the call. vigil-blkd is
 * single-threaded, so one filter covers it.
 */
#include "vhost-user/blkd_sandbox.h"

#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "lib/seccomp_policy.h"

static const int blkd_syscalls[] = {
	SCMP_SYS(epoll_wait),	   /* event_loop_run_once() */
	SCMP_SYS(epoll_pwait),	   /* the same, where libc uses it */
	SCMP_SYS(epoll_ctl),	   /* watching the connection and kick fds */
	SCMP_SYS(accept4),	   /* vu_socket_accept() on our socket */
	SCMP_SYS(recvmsg),	   /* vu_socket_recv(): messages and fds */
	SCMP_SYS(sendto),	   /* vu_socket_send(): replies */
	SCMP_SYS(read),		   /* draining kick eventfds and timers */
	SCMP_SYS(timerfd_settime), /* notification timers (blkd.h) */
	SCMP_SYS(write),	   /* call and error eventfds; log lines */
	SCMP_SYS(close),	   /* fds of rejected messages, old rings */
	SCMP_SYS(fstat),	   /* vu_mem_map(): a region's file size */
	SCMP_SYS(munmap),	   /* the front-end's memory; free() */
	SCMP_SYS(brk),		   /* malloc()/free() on the main heap */
	SCMP_SYS(pread64),	   /* raw: one-segment requests */
	SCMP_SYS(preadv),	   /* raw: scatter-gather requests */
	SCMP_SYS(pwrite64),	   /* raw: one-segment requests */
	SCMP_SYS(pwritev),	   /* raw: scatter-gather requests */
	SCMP_SYS(fdatasync),	   /* raw: VIRTIO_BLK_T_FLUSH */
	SCMP_SYS(nanosleep),	   /* null-co: latency-ns */
	SCMP_SYS(clock_nanosleep), /* the same, where libc uses it */
	SCMP_SYS(clock_gettime),   /* rate limit, polling; if no vDSO */
	SCMP_SYS(futex),	   /* stdio locks, if ever contended */
	SCMP_SYS(rt_sigreturn),	   /* end of the SIGBUS guard's handler */
	SCMP_SYS(rt_sigprocmask),  /* abort() */
	SCMP_SYS(exit_group),	   /* exit() */
};

/* The rules that look at arguments. */
static void add_pinned(struct seccomp_policy *p)
{
	const scmp_datum_t all = ~(scmp_datum_t)0;
	struct scmp_arg_cmp rcvtimeo[2] = {
		policy_arg_eq(1, SOL_SOCKET),
		policy_arg_eq(2, SO_RCVTIMEO),
	};
	struct scmp_arg_cmp sndtimeo[2] = {
		policy_arg_eq(1, SOL_SOCKET),
		policy_arg_eq(2, SO_SNDTIMEO),
	};

	/* Guest RAM, malloc arenas, the SIGBUS guard's zero page: never
	 * executable. */
	policy_allow_heap_growth(p);
	/* free() giving pages back. */
	policy_allow_masked(p, SCMP_SYS(madvise), 2, all, MADV_DONTNEED);
	/* O_NONBLOCK on the front-end's event fds. */
	policy_allow_masked(p, SCMP_SYS(fcntl), 1, all, F_GETFL);
	policy_allow_masked(p, SCMP_SYS(fcntl), 1, all, F_SETFL);
	/* glibc's fstat(): newfstatat(fd, "", AT_EMPTY_PATH). */
	policy_allow_masked(p, SCMP_SYS(newfstatat), 3, AT_EMPTY_PATH,
			    AT_EMPTY_PATH);
	/* vu_socket_accept(): the connection's timeouts. */
	policy_allow_if(p, SCMP_SYS(setsockopt), 2, rcvtimeo);
	policy_allow_if(p, SCMP_SYS(setsockopt), 2, sndtimeo);
	/* The SIGBUS guard hands a foreign SIGBUS back to SIG_DFL. */
	policy_allow_masked(p, SCMP_SYS(rt_sigaction), 0, all, SIGBUS);
}

int blkd_sandbox_enter(void)
{
	struct seccomp_policy p;
	int r = policy_init(&p);

	if (r < 0)
		return r;
	policy_allow(&p, blkd_syscalls,
		     sizeof(blkd_syscalls) / sizeof(blkd_syscalls[0]));
	add_pinned(&p);
	policy_allow_sanitizer(&p);
	return policy_load(&p);
}
