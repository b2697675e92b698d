// SPDX-License-Identifier: GPL-2.0-only
#include "lib/seccomp_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/seccomp.h>

/* meson.build defines VIGIL_SANITIZER in ASan, UBSan, TSan and fuzz builds. */
#ifdef VIGIL_SANITIZER
#include <sanitizer/common_interface_defs.h>
#endif

/* Let a sanitizer runtime cache /proc/self/maps and start its symbolizer. */
static void prepare_runtime(void)
{
#ifdef VIGIL_SANITIZER
	__sanitizer_sandbox_arguments args = { .coverage_sandboxed = 0 };

	__sanitizer_sandbox_on_notify(&args);
#endif
}

static pthread_once_t runtime_once = PTHREAD_ONCE_INIT;

int policy_init(struct seccomp_policy *p)
{
	*p = (struct seccomp_policy){ .err = -ENOSYS };
	if (seccomp_api_get() < 3)
		return p->err;
	pthread_once(&runtime_once, prepare_runtime);
	p->err = -ENOMEM;
	p->ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!p->ctx)
		return p->err;
	if (seccomp_attr_set(p->ctx, SCMP_FLTATR_CTL_TSYNC, 0) < 0 ||
	    seccomp_attr_set(p->ctx, SCMP_FLTATR_CTL_NNP, 1) < 0 ||
	    seccomp_attr_set(p->ctx, SCMP_FLTATR_ACT_BADARCH,
			     SCMP_ACT_KILL_PROCESS) < 0) {
		seccomp_release(p->ctx);
		p->ctx = NULL;
		return p->err;
	}
	/* Best effort: the audit log then names the call that killed us. */
	seccomp_attr_set(p->ctx, SCMP_FLTATR_CTL_LOG, 1);
	p->err = 0;
	return 0;
}

void policy_allow_if(struct seccomp_policy *p, int call, unsigned int n,
		     const struct scmp_arg_cmp *cmp)
{
	int r;

	if (p->err)
		return;
	r = seccomp_rule_add_array(p->ctx, SCMP_ACT_ALLOW, call, n, cmp);
	if (r < 0)
		p->err = r;
	else
		p->rules++;
}

void policy_allow(struct seccomp_policy *p, const int *calls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		policy_allow_if(p, calls[i], 0, NULL);
}

void policy_allow_arg(struct seccomp_policy *p, int call, unsigned int arg,
		      scmp_datum_t value)
{
	struct scmp_arg_cmp cmp = policy_arg_eq(arg, value);

	policy_allow_if(p, call, 1, &cmp);
}

void policy_allow_masked(struct seccomp_policy *p, int call, unsigned int arg,
			 scmp_datum_t mask, scmp_datum_t value)
{
	struct scmp_arg_cmp cmp = policy_arg_masked(arg, mask, value);

	policy_allow_if(p, call, 1, &cmp);
}

/*
 * The kernel reads an ioctl's request as 32 bits: compare the low 32 bits
 * only, so that a caller's sign extension cannot change the match.
 */
void policy_allow_ioctl(struct seccomp_policy *p, int fd, unsigned long request)
{
	struct scmp_arg_cmp cmp[2] = {
		policy_arg_eq(0, (scmp_datum_t)fd),
		policy_arg_masked(1, 0xffffffffu, request),
	};

	if (fd >= 0)
		policy_allow_if(p, SCMP_SYS(ioctl), 2, cmp);
}

void policy_allow_heap_growth(struct seccomp_policy *p)
{
	policy_allow_masked(p, SCMP_SYS(mmap), 2, PROT_EXEC, 0);
	policy_allow_masked(p, SCMP_SYS(mprotect), 2, PROT_EXEC, 0);
}

#ifdef VIGIL_SANITIZER
static const int sanitizer_syscalls[] = {
	SCMP_SYS(mmap),		SCMP_SYS(munmap),
	SCMP_SYS(mprotect),	SCMP_SYS(madvise),
	SCMP_SYS(getpid),	SCMP_SYS(gettid),
	SCMP_SYS(getppid),	SCMP_SYS(sched_yield),
	SCMP_SYS(nanosleep),	SCMP_SYS(clock_nanosleep),
	SCMP_SYS(exit),		SCMP_SYS(exit_group),
	SCMP_SYS(tgkill),	SCMP_SYS(kill),
	SCMP_SYS(clone),	SCMP_SYS(clone3),
	SCMP_SYS(ptrace),	SCMP_SYS(wait4),
	SCMP_SYS(prctl),	SCMP_SYS(sigaltstack),
	SCMP_SYS(rt_sigaction), SCMP_SYS(open),
	SCMP_SYS(openat),	SCMP_SYS(read),
	SCMP_SYS(write),	SCMP_SYS(close),
	SCMP_SYS(getdents),	SCMP_SYS(getdents64),
	SCMP_SYS(readlink),	SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq),		SCMP_SYS(sched_getaffinity),
	SCMP_SYS(fstat),	SCMP_SYS(newfstatat),
	SCMP_SYS(lseek),	SCMP_SYS(pipe2),
};

void policy_allow_sanitizer(struct seccomp_policy *p)
{
	for (size_t i = 0;
	     !p->err &&
	     i < sizeof(sanitizer_syscalls) / sizeof(sanitizer_syscalls[0]);
	     i++) {
		/* Unconditional: it may already be on the list with arguments. */
		int r = seccomp_rule_add(p->ctx, SCMP_ACT_ALLOW,
					 sanitizer_syscalls[i], 0);

		if (r < 0 && r != -EEXIST)
			p->err = r;
	}
}
#else
void policy_allow_sanitizer(struct seccomp_policy *p)
{
	(void)p;
}
#endif

static int policy_release(struct seccomp_policy *p)
{
	if (p->ctx)
		seccomp_release(p->ctx);
	p->ctx = NULL;
	return p->err;
}

int policy_load(struct seccomp_policy *p)
{
	if (!p->err)
		p->err = seccomp_load(p->ctx);
	return policy_release(p);
}

int policy_rule_count(struct seccomp_policy *p)
{
	int rules = p->rules;

	return policy_release(p) < 0 ? p->err : rules;
}

/* The program libseccomp wrote into the pipe: whole instructions only. */
static int prog_read(int fd, struct policy_prog *prog)
{
	size_t cap = BPF_MAXINSNS * sizeof(struct sock_filter) + 1;
	size_t got = 0;
	ssize_t n;

	prog->insns = malloc(cap);
	if (!prog->insns)
		return -ENOMEM;
	while (got < cap &&
	       (n = read(fd, (uint8_t *)prog->insns + got, cap - got)) > 0)
		got += (size_t)n;
	if (got == 0 || got == cap || got % sizeof(struct sock_filter))
		return -E2BIG;
	prog->len = (unsigned short)(got / sizeof(struct sock_filter));
	return 0;
}

int policy_export(struct seccomp_policy *p, struct policy_prog *prog)
{
	uint32_t log = 0;
	int fds[2] = { -1, -1 };

	*prog = (struct policy_prog){ .insns = NULL };
	if (p->err)
		return policy_release(p);
	/*
	 * libseccomp 2.5 exports a program only to a file descriptor. A pipe,
	 * not a memfd: a file would count against RLIMIT_FSIZE (vigil under
	 * `ulimit -f 1` could not start), and a pipe holds 64 KiB, more than
	 * the largest program (BPF_MAXINSNS instructions, 32 KiB). Non-
	 * blocking, so that a larger one would fail, never wait.
	 */
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		p->err = -errno;
	if (!p->err)
		p->err = seccomp_export_bpf(p->ctx, fds[1]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (!p->err)
		p->err = prog_read(fds[0], prog);
	if (fds[0] >= 0)
		close(fds[0]);
	/* policy_init() asked for the audit log on a best-effort basis. */
	if (!p->err &&
	    seccomp_attr_get(p->ctx, SCMP_FLTATR_CTL_LOG, &log) == 0 && log)
		prog->flags = SECCOMP_FILTER_FLAG_LOG;
	if (p->err)
		policy_prog_free(prog);
	return policy_release(p);
}

int policy_prog_load(const struct policy_prog *prog)
{
	struct sock_fprog fprog = { .len = prog->len, .filter = prog->insns };

	if (!prog->insns)
		return -EINVAL;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags, &fprog) <
	    0)
		return -errno;
	return 0;
}

void policy_prog_free(struct policy_prog *prog)
{
	free(prog->insns);
	*prog = (struct policy_prog){ .insns = NULL };
}
