/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * seccomp sandbox. Once set-up is over (files open, KVM VM built, guest
 * loaded), each of vigil's threads installs its own allow-list filter:
 * only the system calls that kind of thread makes from then on, ioctls
 * pinned to their file descriptor and request, everything else kills the
 * whole process (SIGSYS). no_new_privs is set first. The lists, and why
 * each entry is there, are in sandbox.c and docs/secure-coding.md.
 */
#ifndef VIGIL_SANDBOX_H
#define VIGIL_SANDBOX_H

#include <pthread.h>
#include <stdbool.h>

#include "lib/seccomp_policy.h"

enum sandbox_thread {
	SANDBOX_MAIN, /* event loop: console, signals, shutdown */
	SANDBOX_VCPU, /* one per vCPU: KVM_RUN and the exits it serves */
	SANDBOX_IO,   /* virtqueue service: block I/O, eventfds */
	SANDBOX_NR_THREADS,
};

/* The file descriptors a thread's ioctls are pinned to (-1: none). */
struct sandbox_fds {
	int vm_fd;	 /* KVM_IRQ_LINE: serial and power interrupts */
	int vcpu_fd;	 /* SANDBOX_VCPU: this thread's vCPU */
	int tty_fd;	 /* SANDBOX_MAIN: the console to restore, or -1 */
	int kick_signal; /* SANDBOX_MAIN: the signal that kicks vCPUs */
	/*
	 * SANDBOX_MAIN: the control socket's listening fd (--api-socket), or
	 * -1. Only with a control socket may the main thread accept clients
	 * and write snapshots (sandbox.c: control_syscalls).
	 */
	int api_fd;
};

/* --no-seccomp: leave every thread unfiltered, and say so loudly. */
void sandbox_disable(void);
bool sandbox_enabled(void);

/*
 * Install the filter for this kind of thread on the calling thread only.
 * Returns 0 (also when disabled) or a negative errno; a thread that cannot
 * sandbox itself must not go on.
 */
int sandbox_enter(enum sandbox_thread thread, const struct sandbox_fds *fds);

/*
 * A list built once, ahead of the threads that load it: the I/O list for
 * the I/O thread and a drive's workers (block/pool.h), each vCPU's for
 * its thread (vcpu_prepare_sandbox()). sandbox_shared_build(), or the
 * first thread to enter, builds it with libseccomp; every thread then
 * loads the same program and allocates nothing (a thread's first
 * malloc() costs it an arena).
 */
struct sandbox_shared {
	pthread_mutex_t lock;
	enum sandbox_thread thread;
	struct sandbox_fds fds;
	bool built;
	int err; /* the build's, kept for every later caller */
	struct policy_prog prog;
};

void sandbox_shared_init(struct sandbox_shared *s, enum sandbox_thread thread,
			 const struct sandbox_fds *fds);
/* Build the program if nobody has yet. 0 or the build's -errno. */
int sandbox_shared_build(struct sandbox_shared *s);
/* sandbox_enter() for the calling thread, through the shared program. */
int sandbox_enter_shared(struct sandbox_shared *s);
void sandbox_shared_destroy(struct sandbox_shared *s);

/* Rules in a thread's allow-list, counting each pinned ioctl as one. */
int sandbox_rule_count(enum sandbox_thread thread);

const char *sandbox_thread_name(enum sandbox_thread thread);

#ifdef VIGIL_TEST_HOOKS
/*
 * Test builds only: make the thread of this kind call a forbidden syscall
 * once it runs sandboxed (--test-seccomp-trigger), to prove the filter
 * kills vigil. The call is socket(), or the one the environment variable
 * VIGIL_TEST_SECCOMP_CALL names: openat or unlink (what the main thread
 * could once do with --api-socket).
 */
void sandbox_set_test_trigger(enum sandbox_thread thread);
void sandbox_test_trigger(enum sandbox_thread thread);
#else
static inline void sandbox_test_trigger(enum sandbox_thread thread)
{
	(void)thread;
}
#endif

#endif
