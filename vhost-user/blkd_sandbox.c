// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigil-blkd's allow-list, built with libseccomp in the manner of vigil's
 * own (vmm/sandbox.c): default action kill-process, no_new_privs, foreign
 * architectures killed, and every entry naming who makes the call.
 * vigil-blkd is single-threaded, so one filter covers it (TSYNC off).
 */
#include "vhost-user/blkd_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>

static const int blkd_syscalls[] = {
	SCMP_SYS(epoll_wait),	   /* event_loop_run_once() */
	SCMP_SYS(epoll_pwait),	   /* the same, where libc uses it */
	SCMP_SYS(epoll_ctl),	   /* watching the connection and kick fds */
	SCMP_SYS(accept4),	   /* vu_socket_accept() on our socket */
	SCMP_SYS(recvmsg),	   /* vu_socket_recv(): messages and fds */
	SCMP_SYS(sendto),	   /* vu_socket_send(): replies */
	SCMP_SYS(read),		   /* draining kick eventfds */
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
	SCMP_SYS(clock_gettime),   /* log rate limit, when not in the vDSO */
	SCMP_SYS(futex),	   /* stdio locks, if ever contended */
	SCMP_SYS(rt_sigreturn),	   /* end of the SIGBUS guard's handler */
	SCMP_SYS(rt_sigprocmask),  /* abort() */
	SCMP_SYS(exit_group),	   /* exit() */
};

static int add(scmp_filter_ctx ctx, int syscall)
{
	int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, syscall, 0);

	return r < 0 ? r : 1;
}

/* One rule on one argument (arg, masked with mask, equals val). */
static int add_arg(scmp_filter_ctx ctx, int syscall, unsigned int arg,
		   scmp_datum_t mask, scmp_datum_t val)
{
	struct scmp_arg_cmp cmp = {
		.arg = arg,
		.op = SCMP_CMP_MASKED_EQ,
		.datum_a = mask,
		.datum_b = val,
	};
	int r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, syscall, 1, &cmp);

	return r < 0 ? r : 1;
}

/* setsockopt(fd, SOL_SOCKET, optname, ...) for one optname. */
static int add_sockopt(scmp_filter_ctx ctx, int optname)
{
	struct scmp_arg_cmp cmp[2] = {
		{ .arg = 1, .op = SCMP_CMP_EQ, .datum_a = SOL_SOCKET },
		{ .arg = 2,
		  .op = SCMP_CMP_EQ,
		  .datum_a = (scmp_datum_t)optname },
	};
	int r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW,
				       SCMP_SYS(setsockopt), 2, cmp);

	return r < 0 ? r : 1;
}

/* The rules that look at arguments. Returns their number or -errno. */
static int add_pinned(scmp_filter_ctx ctx)
{
	const scmp_datum_t all = ~(scmp_datum_t)0;
	int r[] = {
		/* Guest RAM, malloc arenas, the SIGBUS guard's zero page:
	     * never executable. */
		add_arg(ctx, SCMP_SYS(mmap), 2, PROT_EXEC, 0),
		add_arg(ctx, SCMP_SYS(mprotect), 2, PROT_EXEC, 0),
		/* free() giving pages back. */
		add_arg(ctx, SCMP_SYS(madvise), 2, all, MADV_DONTNEED),
		/* O_NONBLOCK on the front-end's event fds. */
		add_arg(ctx, SCMP_SYS(fcntl), 1, all, F_GETFL),
		add_arg(ctx, SCMP_SYS(fcntl), 1, all, F_SETFL),
		/* glibc's fstat(): newfstatat(fd, "", AT_EMPTY_PATH). */
		add_arg(ctx, SCMP_SYS(newfstatat), 3, AT_EMPTY_PATH,
			AT_EMPTY_PATH),
		/* vu_socket_accept(): the connection's timeouts. */
		add_sockopt(ctx, SO_RCVTIMEO),
		add_sockopt(ctx, SO_SNDTIMEO),
		/* The SIGBUS guard hands a foreign SIGBUS back to SIG_DFL. */
		add_arg(ctx, SCMP_SYS(rt_sigaction), 0, all, SIGBUS),
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		if (r[i] < 0)
			return r[i];
		n += r[i];
	}
	return n;
}

#if defined(VIGIL_SANITIZER) || defined(__SANITIZE_ADDRESS__) || \
	defined(__SANITIZE_THREAD__)
#define BLKD_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define BLKD_SANITIZER 1
#endif
#endif

#ifdef BLKD_SANITIZER
#include <sanitizer/common_interface_defs.h>

/*
 * Sanitizer builds only: their runtimes map shadow memory, report through
 * files and /proc, and ASan's leak check at exit runs a ptrace()d thread.
 */
static const int sanitizer_syscalls[] = {
	SCMP_SYS(mmap),	       SCMP_SYS(munmap),
	SCMP_SYS(mprotect),    SCMP_SYS(madvise),
	SCMP_SYS(getpid),      SCMP_SYS(gettid),
	SCMP_SYS(sched_yield), SCMP_SYS(exit),
	SCMP_SYS(tgkill),      SCMP_SYS(clone),
	SCMP_SYS(clone3),      SCMP_SYS(ptrace),
	SCMP_SYS(wait4),       SCMP_SYS(prctl),
	SCMP_SYS(sigaltstack), SCMP_SYS(rt_sigaction),
	SCMP_SYS(openat),      SCMP_SYS(getdents64),
	SCMP_SYS(readlink),    SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq),	       SCMP_SYS(sched_getaffinity),
	SCMP_SYS(newfstatat),  SCMP_SYS(lseek),
	SCMP_SYS(pipe2),       SCMP_SYS(kill),
};

static int add_sanitizer_rules(scmp_filter_ctx ctx)
{
	__sanitizer_sandbox_arguments args = { .coverage_sandboxed = 0 };

	/* Let the runtime read /proc/self/maps and start its symbolizer. */
	__sanitizer_sandbox_on_notify(&args);
	for (size_t i = 0;
	     i < sizeof(sanitizer_syscalls) / sizeof(sanitizer_syscalls[0]);
	     i++) {
		/* Unconditional: it may already be on the list with args. */
		int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
					 sanitizer_syscalls[i], 0);

		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}
#else
static int add_sanitizer_rules(scmp_filter_ctx ctx)
{
	(void)ctx;
	return 0;
}
#endif

static int build(scmp_filter_ctx ctx)
{
	int n = 0, r;

	for (size_t i = 0; i < sizeof(blkd_syscalls) / sizeof(blkd_syscalls[0]);
	     i++) {
		r = add(ctx, blkd_syscalls[i]);
		if (r < 0)
			return r;
		n += r;
	}
	r = add_pinned(ctx);
	if (r < 0)
		return r;
	n += r;
	r = add_sanitizer_rules(ctx);
	return r < 0 ? r : n;
}

static scmp_filter_ctx new_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);

	if (!ctx)
		return NULL;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 0) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
			     SCMP_ACT_KILL_PROCESS) < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	/* Best effort: the audit log then names the syscall that killed us. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
	return ctx;
}

int blkd_sandbox_enter(void)
{
	scmp_filter_ctx ctx = new_filter();
	int r;

	if (!ctx)
		return -ENOMEM;
	r = build(ctx);
	if (r >= 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r < 0 ? r : 0;
}
