// SPDX-License-Identifier: GPL-2.0-only
/*
 * The seccomp allow-lists, one per kind of thread, built with libseccomp.
 *
 * Each thread loads its own filter (lib/seccomp_policy.h gives every
 * filter its stance: kill the process, this thread only, no_new_privs):
 * the vCPU threads do not need epoll or close, the main thread does not
 * need KVM_RUN, and only the I/O thread touches disks (a drive's worker
 * threads, block/pool.h, load the I/O thread's list, one program built
 * once for all of them: they make a few of its calls). No call that takes
 * a path (open, mkdir, unlink, rename, stat...), none that creates a
 * descriptor (socket, pipe, dup, eventfd...) and nothing that executes or
 * maps executable memory is on any list. After set-up vigil works with the
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
 * their runtimes need (policy_allow_sanitizer()); the release lists stay
 * as they are.
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

#include "lib/log.h"
#include "lib/seccomp_policy.h"
#include "vmm/virtio_slot.h"

static bool sandbox_off;

/* Every thread: glibc's locks, logging, signal return, the clock. */
static const int common_syscalls[] = {
	SCMP_SYS(futex),	  /* pthread mutexes, condvars, join */
	SCMP_SYS(write),	  /* log lines; serial output; eventfds */
	SCMP_SYS(clock_gettime),  /* lib/clock.h, when not in the vDSO */
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
	SCMP_SYS(timerfd_settime), /* a slot whose kind waits (wait_ns) */
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
	SCMP_SYS(pread64),   /* snapshot: which RAM pages exist (pagemap) */
	SCMP_SYS(fdatasync), /* snapshot: the files; the drives' flush */
};

#define LIST(a) (a), sizeof(a) / sizeof((a)[0])

/* glibc returns a thread's unused stack to the kernel when it exits. */
static void allow_stack_release(struct seccomp_policy *p)
{
	policy_allow_arg(p, SCMP_SYS(madvise), 2, MADV_DONTNEED);
}

static void add_vcpu_rules(struct seccomp_policy *p,
			   const struct sandbox_fds *fds)
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
		KVM_GET_TSC_KHZ, /* the rate, into /machine (vCPU 0) */
		/* Pausing: tell a kvmclock guest it was stopped (vcpu_park). */
		KVM_KVMCLOCK_CTRL,
	};

	policy_allow(p, LIST(vcpu_syscalls));
	for (size_t i = 0; i < sizeof(vcpu_ioctls) / sizeof(vcpu_ioctls[0]);
	     i++)
		policy_allow_ioctl(p, fds->vcpu_fd, vcpu_ioctls[i]);
	/* The UART and the power ports raise their interrupt lines. */
	policy_allow_ioctl(p, fds->vm_fd, KVM_IRQ_LINE);
	allow_stack_release(p);
}

static void add_io_rules(struct seccomp_policy *p)
{
	policy_allow(p, LIST(io_syscalls));
	/* What each device kind's queues need (devices/virtio_kind.h). */
	for (unsigned int i = 0; virtio_kinds[i]; i++)
		policy_allow(p, virtio_kinds[i]->io_syscalls,
			     virtio_kinds[i]->nr_io_syscalls);
	policy_allow_heap_growth(p);
	/* Thread exit, and free() giving back arena pages. */
	allow_stack_release(p);
}

/* The control socket's clients, and what a snapshot needs. */
static void add_control_rules(struct seccomp_policy *p,
			      const struct sandbox_fds *fds)
{
	static const unsigned long vm_ioctls[] = {
		KVM_GET_IRQCHIP, /* snapshot: PIC and I/O APIC state */
		KVM_GET_PIT2,	 /* snapshot: PIT state */
		KVM_GET_CLOCK,	 /* snapshot: kvmclock */
	};

	policy_allow(p, LIST(control_syscalls));
	/* New clients on the listening socket only. */
	policy_allow_arg(p, SCMP_SYS(accept4), 0, (scmp_datum_t)fds->api_fd);
	/* control: a passed fd is open for writing, not appending. */
	policy_allow_arg(p, SCMP_SYS(fcntl), 1, F_GETFL);
	/* snapshot: the RAM layout check reserves address space, and large
	 * buffers (the state tree) come from mmap: never executable. */
	policy_allow_heap_growth(p);
	for (size_t i = 0; i < sizeof(vm_ioctls) / sizeof(vm_ioctls[0]); i++)
		policy_allow_ioctl(p, fds->vm_fd, vm_ioctls[i]);
}

static void add_main_rules(struct seccomp_policy *p,
			   const struct sandbox_fds *fds)
{
	struct scmp_arg_cmp kick[2] = {
		/* pthread_kill(vcpu, kick): vigil's own threads, the kick. */
		policy_arg_eq(0, (scmp_datum_t)getpid()),
		policy_arg_eq(2, (scmp_datum_t)fds->kick_signal),
	};

	policy_allow(p, LIST(main_syscalls));
	policy_allow_if(p, SCMP_SYS(tgkill), 2, kick);
	/* Console input raises the UART's interrupt. */
	policy_allow_ioctl(p, fds->vm_fd, KVM_IRQ_LINE);
	/* console_restore(): glibc's tcsetattr() sets, then reads back. */
	policy_allow_ioctl(p, fds->tty_fd, TCSETS);
	policy_allow_ioctl(p, fds->tty_fd, TCGETS);
	/* free() giving back heap pages. */
	allow_stack_release(p);
	if (fds->api_fd >= 0)
		add_control_rules(p, fds);
}

/* A thread's list: the common calls, its own, a sanitizer's. */
static void sandbox_build(struct seccomp_policy *p, enum sandbox_thread thread,
			  const struct sandbox_fds *fds)
{
	policy_allow(p, LIST(common_syscalls));
	switch (thread) {
	case SANDBOX_VCPU:
		add_vcpu_rules(p, fds);
		break;
	case SANDBOX_IO:
		add_io_rules(p);
		break;
	case SANDBOX_MAIN:
		add_main_rules(p, fds);
		break;
	default:
		p->err = p->err ? p->err : -EINVAL;
		return;
	}
	policy_allow_sanitizer(p);
}

int sandbox_enter(enum sandbox_thread thread, const struct sandbox_fds *fds)
{
	struct seccomp_policy p;
	int r;

	if (sandbox_off)
		return 0;
	r = policy_init(&p);
	if (r < 0)
		return r;
	sandbox_build(&p, thread, fds);
	return policy_load(&p);
}

void sandbox_shared_init(struct sandbox_shared *s, enum sandbox_thread thread,
			 const struct sandbox_fds *fds)
{
	*s = (struct sandbox_shared){ .thread = thread, .fds = *fds };
	pthread_mutex_init(&s->lock, NULL);
}

int sandbox_shared_build(struct sandbox_shared *s)
{
	struct seccomp_policy p;
	int r;

	pthread_mutex_lock(&s->lock);
	if (!s->built && !sandbox_off) {
		r = policy_init(&p);
		if (r == 0) {
			sandbox_build(&p, s->thread, &s->fds);
			r = policy_export(&p, &s->prog);
		}
		s->err = r;
	}
	s->built = true;
	r = s->err;
	pthread_mutex_unlock(&s->lock);
	return r;
}

int sandbox_enter_shared(struct sandbox_shared *s)
{
	int r = sandbox_shared_build(s);

	if (r < 0 || sandbox_off)
		return r;
	return policy_prog_load(&s->prog);
}

void sandbox_shared_destroy(struct sandbox_shared *s)
{
	policy_prog_free(&s->prog);
	pthread_mutex_destroy(&s->lock);
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
	struct seccomp_policy p;
	int r = policy_init(&p);

	if (r < 0)
		return r;
	sandbox_build(&p, thread, &fds);
	return policy_rule_count(&p);
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
