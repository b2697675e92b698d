// SPDX-License-Identifier: GPL-2.0-only
/*
 * uml-launch UML [ARGS...]: run Debian's user-mode-linux (Linux 6.1) on a
 * host whose FPU state is larger than that kernel knows.
 *
 * UML saves and restores its processes' FPU registers with ptrace's
 * NT_X86_XSTATE regset, using a buffer of the size of the AVX (not
 * AVX-512) state. Reading a larger host state into it is truncated and
 * works; writing it back fails, because the host kernel insists on its
 * full size (xstateregs_set: EFAULT), and UML kills its first process
 * ("userspace - ptrace set fp regs failed, errno = 14"). Linux 6.1 UML
 * probes the regset once, at boot, with PTRACE_GETREGSET: when that
 * fails it uses the FXSAVE-format PTRACE_GETFPREGS/SETFPREGS instead,
 * which every x86-64 host accepts. This launcher makes exactly that probe
 * fail, with a seccomp filter on UML that returns EIO for
 * ptrace(PTRACE_GETREGSET, pid, NT_X86_XSTATE, ...) and allows everything
 * else. (The processes inside UML are traced with PTRACE_SYSEMU, which
 * skips seccomp, so they are unaffected.)
 *
 * FXSAVE state covers x87 and SSE registers, not AVX or AVX-512 ones, so
 * programs inside UML must not use those: the tests start them with
 * GLIBC_TUNABLES turning glibc's AVX string functions off.
 */
#include <elf.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

static int install_filter(void)
{
	const struct scmp_arg_cmp getregset_xstate[2] = {
		{ .arg = 0, .op = SCMP_CMP_EQ, .datum_a = PTRACE_GETREGSET },
		{ .arg = 2, .op = SCMP_CMP_EQ, .datum_a = NT_X86_XSTATE },
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r;

	if (!ctx)
		return -ENOMEM;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	if (r == 0)
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EIO),
					   SCMP_SYS(ptrace), 2,
					   getregset_xstate);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

int main(int argc, char **argv)
{
	int r;

	if (argc < 2) {
		fputs("usage: uml-launch UML [ARGS...]\n", stderr);
		return 2;
	}
	r = install_filter();
	if (r < 0) {
		fprintf(stderr, "uml-launch: seccomp filter: %s\n",
			strerror(-r));
		return 1;
	}
	execv(argv[1], argv + 1);
	fprintf(stderr, "uml-launch: %s: %s\n", argv[1], strerror(errno));
	return 1;
}
