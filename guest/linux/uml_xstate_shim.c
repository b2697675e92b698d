// SPDX-License-Identifier: GPL-2.0-only
/*
 * An LD_PRELOAD shim that lets Debian's user-mode-linux 6.1 run user space
 * on hosts with large XSAVE state (AVX-512, AMX).
 *
 * Why: UML saves and restores its processes' FPU state with
 * PTRACE_{GET,SET}REGSET(NT_X86_XSTATE) and a fixed 832-byte buffer. A host
 * whose XSAVE area is larger (11008 bytes here) refuses a SETREGSET that is
 * not the full size with EFAULT, so the first user process UML starts dies
 * ("ptrace set fp regs failed, errno = 14") and init panics. Later kernels
 * size the buffer from the host; Debian's 6.1um4 does not.
 *
 * What: for NT_X86_XSTATE only, GET reads the host's full state and hands
 * UML its prefix; SET reads the full state, overlays UML's prefix and writes
 * the full size back. UML keeps the legacy and AVX parts it knows; the
 * larger components (AVX-512, AMX) are not kept per UML process, which is
 * fine for the single-threaded tools the tests run inside UML.
 *
 * This is test-harness code for driving vigil-blkd from a real Linux
 * kernel; vigil itself never loads it.
 */
#include <dlfcn.h>
#include <elf.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef long (*ptrace_fn)(enum __ptrace_request, pid_t, void *, void *);

/* Large enough for any XSAVE area the SDM defines today. */
static unsigned char full_state[65536] __attribute__((aligned(64)));

static long xstate_regset(ptrace_fn real, enum __ptrace_request req, pid_t pid,
			  void *addr, struct iovec *user)
{
	struct iovec full = { full_state, sizeof(full_state) };
	long r = real(PTRACE_GETREGSET, pid, addr, &full);
	size_t n;

	if (r < 0)
		return r;
	n = user->iov_len < full.iov_len ? user->iov_len : full.iov_len;
	if (req == PTRACE_GETREGSET) {
		memcpy(user->iov_base, full_state, n);
		user->iov_len = n;
		return 0;
	}
	memcpy(full_state, user->iov_base, n);
	return real(PTRACE_SETREGSET, pid, addr, &full);
}

long ptrace(enum __ptrace_request req, ...)
{
	static ptrace_fn real;
	va_list ap;
	pid_t pid;
	void *addr, *data;

	va_start(ap, req);
	pid = va_arg(ap, pid_t);
	addr = va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
	if ((req == PTRACE_GETREGSET || req == PTRACE_SETREGSET) &&
	    (unsigned long)addr == NT_X86_XSTATE)
		return xstate_regset(real, req, pid, addr, data);
	return real(req, pid, addr, data);
}
