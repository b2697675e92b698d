// SPDX-License-Identifier: GPL-2.0-only
/*
 * The seccomp allow-lists, one per kind of thread, built with libseccomp.
 *
 * Each thread loads its own filter (TSYNC off): the vCPU threads do not
 * need epoll or close, the main thread does not need KVM_RUN, and only the
 * I/O thread touches disks. The default action kills the whole process,
 * so a compromised thread cannot retry, and the kernel's audit log names
 * the syscall (SCMP_FLTATR_CTL_LOG). No call that takes a path (open,
 * mkdir, unlink, rename, stat...), none that creates a descriptor
 * (socket, pipe, dup, eventfd...) and nothing that executes or maps
 * executable memory is on any list. After set-up vigil works with the
 * descriptors it has; the only new ones come, with --api-socket only, from
 * accept4() on the control socket and as the two snapshot files a control
 * client passes (SCM_RIGHTS, vmm/control.c), which vigil ctl created.
 *
 * What a compromised thread can still do. The threads share one address
 * space, so a thread that runs an attacker's code can in effect make any
 * call on any thread's list, with any argument the rules do not pin: read
 * and write guest RAM and vigil's memory; read and write the drives (which
 * the guest can already), the console and the log; with --api-socket,
 * also truncate any of them (ftruncate is there for the memory file),
 * write to a snapshot's files while one is being saved, and take the
 * next control client's requests and descriptors; make the ioctls listed
 * for the vCPU and VM fds (run vCPUs, read their state, raise interrupt
 * lines); signal vigil's own threads. It cannot open, create, rename,
 * remove or stat any file, make a socket or a connection, map executable
 * memory, or run a program: whatever vigil's user could reach beyond its
 * open descriptors stays out of reach.
 *
 * Every entry below names who makes the call. Sanitizer builds add what
 * their runtimes need (sandbox_add_sanitizer_rules()); the release lists
 * stay as they are.
 */
#include "vmm/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "vmm/log.h"
#include "vmm/virtio_slot.h"

/* meson.build defines VIGIL_SANITIZER in ASan, UBSan, TSan and fuzz builds. */
#ifdef VIGIL_SANITIZER
#include <sanitizer/common_interface_defs.h>
#endif

static bool sandbox_off;

/* Every thread: glibc's locks, logging, signal return, the log clock. */
static const int common_syscalls[] = {
	SCMP_SYS(futex),	  /* pthread mutexes, condvars, join */
	SCMP_SYS(write),	  /* log lines; serial output; eventfds */
	SCMP_SYS(clock_gettime),  /* log rate limit, when not in the vDSO */
	SCMP_SYS(rt_sigreturn),	  /* end of a signal handler (vCPU kick) */
	SCMP_SYS(rt_sigprocmask), /* pthread_kill, thread exit mask signals */
};

/* vCPU threads: the exits they serve on the buses, and thread exit. */
static const int vcpu_syscalls[] = {
	SCMP_SYS(poll),	 /* serial: wait for a full output fd to drain */
	SCMP_SYS(ppoll), /* the same, where libc implements poll with it */
	SCMP_SYS(exit),	 /* the thread returns when the machine stops */
};

/* The I/O thread: eventfds in an epoll set, block backends, memory. */
static const int io_syscalls[] = {
	SCMP_SYS(epoll_wait),	   /* event_loop_run_once() */
	SCMP_SYS(epoll_pwait),	   /* the same, where libc uses it */
	SCMP_SYS(read),		   /* ioeventfd and stop eventfd counts */
	SCMP_SYS(pread64),	   /* raw: one-segment requests */
	SCMP_SYS(preadv),	   /* raw: scatter-gather requests */
	SCMP_SYS(pwrite64),	   /* raw: one-segment requests */
	SCMP_SYS(pwritev),	   /* raw: scatter-gather requests */
	SCMP_SYS(fdatasync),	   /* raw: VIRTIO_BLK_T_FLUSH */
	SCMP_SYS(nanosleep),	   /* null-co: latency-ns */
	SCMP_SYS(clock_nanosleep), /* the same, where libc uses it */
	SCMP_SYS(munmap),	   /* free() of raw's O_DIRECT bounce buffer */
	SCMP_SYS(exit),		   /* the thread returns when stopped */
};

/* The main thread: the event loop, kicking vCPUs, tearing down. */
static const int main_syscalls[] = {
	SCMP_SYS(epoll_wait),  /* event_loop_run_once() */
	SCMP_SYS(epoll_pwait), /* the same, where libc uses it */
	SCMP_SYS(epoll_ctl),   /* console input polled only while it fits */
	SCMP_SYS(read),	       /* signalfd, eventfds, console input */
	SCMP_SYS(getpid),      /* pthread_kill() names the thread group */
	SCMP_SYS(close),       /* machine_destroy(), log_close() */
	SCMP_SYS(munmap),      /* machine_destroy(): RAM, kvm_run; free() */
	SCMP_SYS(brk),	       /* free() trimming the main heap */
	SCMP_SYS(exit_group),  /* exit() */
};

/*
 * The main thread with a control socket (--api-socket) only: it serves
 * requests (vmm/control.c) and writes snapshots (vmm/snapshot_save.c) into
 * the two files the client created and passed: no path is ever taken.
 */
static const int control_syscalls[] = {
	SCMP_SYS(recvmsg),   /* control: request lines and the files' fds */
	SCMP_SYS(fstat),     /* control: a passed fd is an empty regular file */
	SCMP_SYS(ftruncate), /* snapshot: size the sparse memory file */
	SCMP_SYS(pwrite64),  /* snapshot: the memory and state files */
	SCMP_SYS(fdatasync), /* snapshot: the files; the drives' flush */
};

/* libseccomp's SCMP_An() macros leave datum_b out, which clang flags. */
static struct scmp_arg_cmp arg_eq(unsigned int arg, scmp_datum_t value)
{
	return (struct scmp_arg_cmp){
		.arg = arg,
		.op = SCMP_CMP_EQ,
		.datum_a = value,
		.datum_b = 0,
	};
}

static struct scmp_arg_cmp arg_masked_eq(unsigned int arg, scmp_datum_t mask,
					 scmp_datum_t value)
{
	return (struct scmp_arg_cmp){
		.arg = arg,
		.op = SCMP_CMP_MASKED_EQ,
		.datum_a = mask,
		.datum_b = value,
	};
}

static int add_list(scmp_filter_ctx ctx, const int *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, list[i], 0);

		if (r < 0)
			return r;
	}
	return (int)n;
}

/*
 * ioctl(fd, request): the kernel reads request as 32 bits, so compare the
 * low 32 bits only (a caller's sign extension must not change the match).
 */
static int allow_ioctl(scmp_filter_ctx ctx, int fd, unsigned long request)
{
	int r;

	if (fd < 0)
		return 0;
	r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
			     arg_eq(0, (scmp_datum_t)fd),
			     arg_masked_eq(1, 0xffffffffu, request));
	return r < 0 ? r : 1;
}

/* glibc returns a thread's unused stack to the kernel when it exits. */
static int allow_stack_release(scmp_filter_ctx ctx)
{
	int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(madvise), 1,
				 arg_eq(2, MADV_DONTNEED));

	return r < 0 ? r : 1;
}

/* malloc() on a thread maps its arena: read-write only, never exec. */
static int allow_heap_growth(scmp_filter_ctx ctx)
{
	int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				 arg_masked_eq(2, PROT_EXEC, 0));

	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				     arg_masked_eq(2, PROT_EXEC, 0));
	return r < 0 ? r : 2;
}

static int add_vcpu_rules(scmp_filter_ctx ctx, const struct sandbox_fds *fds)
{
	static const unsigned long vcpu_ioctls[] = {
		KVM_RUN,
		KVM_GET_REGS,  /* vcpu_dump_state() on a fatal exit */
		KVM_GET_SREGS, /* the same */
		KVM_TRANSLATE, /* the same: the instruction bytes at RIP */
		/* Snapshots: each parked vCPU reads its own state
	     * (vmm/state_kvm.c, cpu_state_capture()). */
		KVM_GET_XSAVE,
		KVM_GET_XSAVE2,
		KVM_GET_XCRS,
		KVM_GET_MSRS,
		KVM_GET_LAPIC,
		KVM_GET_VCPU_EVENTS,
		KVM_GET_MP_STATE,
		KVM_GET_DEBUGREGS,
		/* Pausing: tell a kvmclock guest it was stopped (vcpu_park). */
		KVM_KVMCLOCK_CTRL,
	};
	int n = add_list(ctx, vcpu_syscalls,
			 sizeof(vcpu_syscalls) / sizeof(vcpu_syscalls[0]));
	int r;

	for (size_t i = 0;
	     n >= 0 && i < sizeof(vcpu_ioctls) / sizeof(vcpu_ioctls[0]); i++) {
		r = allow_ioctl(ctx, fds->vcpu_fd, vcpu_ioctls[i]);
		n = r < 0 ? r : n + r;
	}
	if (n >= 0) {
		/* The UART and the power ports raise their interrupt lines. */
		r = allow_ioctl(ctx, fds->vm_fd, KVM_IRQ_LINE);
		n = r < 0 ? r : n + r;
	}
	if (n >= 0) {
		r = allow_stack_release(ctx);
		n = r < 0 ? r : n + r;
	}
	return n;
}

static int add_io_rules(scmp_filter_ctx ctx)
{
	int n = add_list(ctx, io_syscalls,
			 sizeof(io_syscalls) / sizeof(io_syscalls[0]));
	int r;

	/* What each device kind's queues need (devices/virtio_kind.h). */
	for (unsigned int i = 0; n >= 0 && virtio_kinds[i]; i++) {
		r = add_list(ctx, virtio_kinds[i]->io_syscalls,
			     virtio_kinds[i]->nr_io_syscalls);
		n = r < 0 ? r : n + r;
	}

	if (n >= 0) {
		r = allow_heap_growth(ctx);
		n = r < 0 ? r : n + r;
	}
	if (n >= 0) {
		/* Thread exit, and free() giving back arena pages. */
		r = allow_stack_release(ctx);
		n = r < 0 ? r : n + r;
	}
	return n;
}

/* pthread_kill(vcpu, kick): only to vigil's own threads, only the kick. */
static int allow_kick(scmp_filter_ctx ctx, int signal)
{
	int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 2,
				 arg_eq(0, (scmp_datum_t)getpid()),
				 arg_eq(2, (scmp_datum_t)signal));

	return r < 0 ? r : 1;
}

/* The control socket's clients, and what a snapshot needs. */
static int add_control_rules(scmp_filter_ctx ctx, const struct sandbox_fds *fds)
{
	static const unsigned long vm_ioctls[] = {
		KVM_GET_IRQCHIP, /* snapshot: PIC and I/O APIC state */
		KVM_GET_PIT2,	 /* snapshot: PIT state */
		KVM_GET_CLOCK,	 /* snapshot: kvmclock */
	};
	int n = add_list(ctx, control_syscalls,
			 sizeof(control_syscalls) /
				 sizeof(control_syscalls[0]));
	int r;

	/* New clients on the listening socket only. */
	if (n >= 0) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(accept4), 1,
				     arg_eq(0, (scmp_datum_t)fds->api_fd));
		n = r < 0 ? r : n + 1;
	}
	/* control: a passed fd is open for writing, not appending. */
	if (n >= 0) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
				     arg_eq(1, F_GETFL));
		n = r < 0 ? r : n + 1;
	}
	/* snapshot: the RAM layout check reserves address space, and large
	 * buffers (the state tree) come from mmap: never executable. */
	if (n >= 0) {
		r = allow_heap_growth(ctx);
		n = r < 0 ? r : n + r;
	}
	for (size_t i = 0;
	     n >= 0 && i < sizeof(vm_ioctls) / sizeof(vm_ioctls[0]); i++) {
		r = allow_ioctl(ctx, fds->vm_fd, vm_ioctls[i]);
		n = r < 0 ? r : n + r;
	}
	return n;
}

static int add_main_rules(scmp_filter_ctx ctx, const struct sandbox_fds *fds)
{
	int n = add_list(ctx, main_syscalls,
			 sizeof(main_syscalls) / sizeof(main_syscalls[0]));
	int r;

	if (n >= 0) {
		r = allow_kick(ctx, fds->kick_signal);
		n = r < 0 ? r : n + r;
	}
	if (n >= 0) {
		/* Console input raises the UART's interrupt. */
		r = allow_ioctl(ctx, fds->vm_fd, KVM_IRQ_LINE);
		n = r < 0 ? r : n + r;
	}
	/* console_restore(): glibc's tcsetattr() sets, then reads back. */
	if (n >= 0) {
		r = allow_ioctl(ctx, fds->tty_fd, TCSETS);
		n = r < 0 ? r : n + r;
	}
	if (n >= 0) {
		r = allow_ioctl(ctx, fds->tty_fd, TCGETS);
		n = r < 0 ? r : n + r;
	}
	if (n >= 0) {
		/* free() giving back heap pages. */
		r = allow_stack_release(ctx);
		n = r < 0 ? r : n + r;
	}
	if (n >= 0 && fds->api_fd >= 0) {
		r = add_control_rules(ctx, fds);
		n = r < 0 ? r : n + r;
	}
	return n;
}

#ifdef VIGIL_SANITIZER
/*
 * Sanitizer builds only: their runtimes map shadow and allocator
 * memory on any thread, and ASan's leak check at exit stops the world
 * with a ptrace()d helper thread. Neither list is in a release build.
 */
static const int sanitizer_syscalls[] = {
	SCMP_SYS(mmap),
	SCMP_SYS(munmap),
	SCMP_SYS(mprotect),
	SCMP_SYS(madvise),
	SCMP_SYS(getpid),
	SCMP_SYS(gettid),
	SCMP_SYS(sched_yield),
	SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
	SCMP_SYS(tgkill),
	SCMP_SYS(clone),
	SCMP_SYS(clone3),
	SCMP_SYS(ptrace),
	SCMP_SYS(wait4),
	SCMP_SYS(prctl),
	SCMP_SYS(sigaltstack),
	SCMP_SYS(rt_sigaction),
	SCMP_SYS(openat),
	SCMP_SYS(read),
	SCMP_SYS(close),
	SCMP_SYS(getdents64),
	SCMP_SYS(readlink),
	SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq),
	SCMP_SYS(sched_getaffinity),
	SCMP_SYS(fstat),
	SCMP_SYS(newfstatat),
	SCMP_SYS(lseek),
	SCMP_SYS(write),
	SCMP_SYS(pipe2),
	SCMP_SYS(kill),
	SCMP_SYS(getppid),
	SCMP_SYS(open),
	SCMP_SYS(getdents),
};

static int sandbox_add_sanitizer_rules(scmp_filter_ctx ctx)
{
	for (size_t i = 0;
	     i < sizeof(sanitizer_syscalls) / sizeof(sanitizer_syscalls[0]);
	     i++) {
		/* Unconditional: it may already be on the list with arguments.
		 */
		int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
					 sanitizer_syscalls[i], 0);

		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}

/* Let the runtime cache /proc/self/maps and start its symbolizer now. */
static void sandbox_prepare_runtime(void)
{
	__sanitizer_sandbox_arguments args = { .coverage_sandboxed = 0 };

	__sanitizer_sandbox_on_notify(&args);
}
#else
static int sandbox_add_sanitizer_rules(scmp_filter_ctx ctx)
{
	(void)ctx;
	return 0;
}

static void sandbox_prepare_runtime(void)
{
}
#endif

/* Build a thread's filter; returns the number of rules or -errno. */
static int sandbox_build(scmp_filter_ctx ctx, enum sandbox_thread thread,
			 const struct sandbox_fds *fds)
{
	int n = add_list(ctx, common_syscalls,
			 sizeof(common_syscalls) / sizeof(common_syscalls[0]));
	int r;

	if (n < 0)
		return n;
	switch (thread) {
	case SANDBOX_VCPU:
		r = add_vcpu_rules(ctx, fds);
		break;
	case SANDBOX_IO:
		r = add_io_rules(ctx);
		break;
	case SANDBOX_MAIN:
		r = add_main_rules(ctx, fds);
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		return r;
	n += r;
	r = sandbox_add_sanitizer_rules(ctx);
	return r < 0 ? r : n;
}

/*
 * A new filter, or NULL with *err set: -ENOSYS when the kernel (or an
 * emulator such as valgrind, which does not implement seccomp(2)) lacks
 * what the filters need: SECCOMP_RET_KILL_PROCESS is API level 3.
 */
static scmp_filter_ctx sandbox_new_filter(int *err)
{
	scmp_filter_ctx ctx;

	*err = -ENOSYS;
	if (seccomp_api_get() < 3)
		return NULL;
	*err = -ENOMEM;
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return NULL;
	/* This thread only; the others install their own lists. */
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

static pthread_once_t sandbox_once = PTHREAD_ONCE_INIT;

int sandbox_enter(enum sandbox_thread thread, const struct sandbox_fds *fds)
{
	scmp_filter_ctx ctx;
	int r;

	if (sandbox_off)
		return 0;
	pthread_once(&sandbox_once, sandbox_prepare_runtime);
	ctx = sandbox_new_filter(&r);
	if (!ctx)
		return r;
	r = sandbox_build(ctx, thread, fds);
	if (r >= 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r < 0 ? r : 0;
}

int sandbox_rule_count(enum sandbox_thread thread)
{
	const struct sandbox_fds fds = {
		.vm_fd = 0,
		.vcpu_fd = 0,
		.tty_fd = 0,
		.kick_signal = SIGUSR1,
		.api_fd = 0,
	};
	int n;
	scmp_filter_ctx ctx = sandbox_new_filter(&n);

	if (!ctx)
		return n;
	n = sandbox_build(ctx, thread, &fds);
	seccomp_release(ctx);
	return n;
}

const char *sandbox_thread_name(enum sandbox_thread thread)
{
	switch (thread) {
	case SANDBOX_MAIN:
		return "main";
	case SANDBOX_VCPU:
		return "vcpu";
	case SANDBOX_IO:
		return "io";
	default:
		return "?";
	}
}

void sandbox_disable(void)
{
	sandbox_off = true;
	log_error("WARNING: --no-seccomp: running WITHOUT the seccomp sandbox; "
		  "a guest that takes over vigil can make any system call. "
		  "For debugging only.");
}

bool sandbox_enabled(void)
{
	return !sandbox_off;
}

#ifdef VIGIL_TEST_HOOKS
/* The forbidden calls a test can ask for: each on no list of that thread. */
enum test_call {
	TEST_CALL_SOCKET, /* what a hijacked thread would try first */
	TEST_CALL_OPENAT, /* open or create a file (main: once for snapshots) */
	TEST_CALL_UNLINK, /* remove one (main: once the control socket's) */
};

static const char *const test_call_names[] = {
	[TEST_CALL_SOCKET] = "socket",
	[TEST_CALL_OPENAT] = "openat",
	[TEST_CALL_UNLINK] = "unlink",
};

static enum sandbox_thread test_trigger = SANDBOX_NR_THREADS;
static enum test_call test_call = TEST_CALL_SOCKET;

/*
 * VIGIL_TEST_SECCOMP_CALL picks the call (socket by default): read here,
 * so that main.c's --test-seccomp-trigger THREAD keeps its one argument.
 * An unknown name keeps socket; the log line says which call was made.
 */
void sandbox_set_test_trigger(enum sandbox_thread thread)
{
	const char *call = getenv("VIGIL_TEST_SECCOMP_CALL");

	test_trigger = thread;
	for (unsigned int i = 0;
	     call && i < sizeof(test_call_names) / sizeof(test_call_names[0]);
	     i++)
		if (!strcmp(call, test_call_names[i]))
			test_call = (enum test_call)i;
}

/* Harmless when allowed: a directory opened read-only, a missing name. */
static int make_test_call(void)
{
	int fd;

	switch (test_call) {
	case TEST_CALL_OPENAT:
		fd = (int)syscall(SYS_openat, AT_FDCWD, "/",
				  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		break;
	case TEST_CALL_UNLINK:
		return (int)syscall(SYS_unlink, "/nonexistent/vigil-test-hook");
	default:
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		break;
	}
	if (fd >= 0)
		close(fd);
	return fd;
}

/* Fires once (vCPU threads call this after every exit). */
void sandbox_test_trigger(enum sandbox_thread thread)
{
	enum sandbox_thread expected = thread;
	const char *call = test_call_names[test_call];

	if (__atomic_load_n(&test_trigger, __ATOMIC_RELAXED) != thread ||
	    !__atomic_compare_exchange_n(&test_trigger, &expected,
					 SANDBOX_NR_THREADS, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	log_info("test hook: %s thread calls %s(), which seccomp forbids",
		 sandbox_thread_name(thread), call);
	make_test_call();
	/* Reached only without a filter (--no-seccomp) or a wrong list. */
	log_error("test hook: %s() from the %s thread was not stopped", call,
		  sandbox_thread_name(thread));
}
#endif
