/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A seccomp allow-list built from fragments, as crosvm composes a device's
 * policy file with its common ones. Every filter starts from one stance
 * (policy_init()): an unlisted call kills the whole process, so a
 * compromised thread cannot retry; so does a call from a foreign
 * architecture; no_new_privs is set; the filter covers the calling thread
 * only (each of vigil's threads loads its own); the kernel's audit log
 * names the call that killed. Fragments then add plain lists of calls,
 * calls pinned on an argument, and ioctls pinned to a descriptor and
 * request; sanitizer builds add what their runtimes need.
 *
 * Errors stick: after a failed fragment the others add nothing, and
 * policy_load() or policy_rule_count() reports the first error. So a
 * fragment is a flat list of policy_allow*() calls with no checks between
 * them. vigil's threads (vmm/sandbox.c) and vigil-blkd
 * (vhost-user/blkd_sandbox.c) build their lists with it.
 */
#ifndef VIGIL_SECCOMP_POLICY_H
#define VIGIL_SECCOMP_POLICY_H

#include <linux/filter.h>
#include <seccomp.h>
#include <stddef.h>

struct seccomp_policy {
	scmp_filter_ctx ctx;
	int rules; /* added so far, each pinned variant counting as one */
	int err;   /* the first failure (negative errno), or 0 */
};

/*
 * Start a filter. 0, or -ENOSYS when the kernel (or an emulator such as
 * valgrind, which has no seccomp(2)) lacks SECCOMP_RET_KILL_PROCESS (API
 * level 3), or -ENOMEM; p then holds no filter and loads nothing.
 */
int policy_init(struct seccomp_policy *p);

/* Allow each call of calls[0..n) with any arguments. */
void policy_allow(struct seccomp_policy *p, const int *calls, size_t n);
/* Allow call when argument arg equals value. */
void policy_allow_arg(struct seccomp_policy *p, int call, unsigned int arg,
		      scmp_datum_t value);
/* Allow call when argument arg, masked with mask, equals value. */
void policy_allow_masked(struct seccomp_policy *p, int call, unsigned int arg,
			 scmp_datum_t mask, scmp_datum_t value);
/* Allow call when every comparison of cmp[0..n) holds. */
void policy_allow_if(struct seccomp_policy *p, int call, unsigned int n,
		     const struct scmp_arg_cmp *cmp);
/* Allow ioctl(fd, request) for this fd and request only; fd < 0: nothing. */
void policy_allow_ioctl(struct seccomp_policy *p, int fd,
			unsigned long request);
/* mmap() and mprotect() of memory that is never executable. */
void policy_allow_heap_growth(struct seccomp_policy *p);
/*
 * Sanitizer builds (VIGIL_SANITIZER) only: what ASan, UBSan, TSan and
 * the fuzzers' runtimes call (shadow memory, the leak check's ptrace()d
 * thread, reports through files and /proc). Adds nothing otherwise, and
 * never counts: the release lists stay as they are.
 */
void policy_allow_sanitizer(struct seccomp_policy *p);

/* Load the filter onto the calling thread and free p. 0 or -errno. */
int policy_load(struct seccomp_policy *p);
/* The rules added (or the first error), and free p without loading. */
int policy_rule_count(struct seccomp_policy *p);

/*
 * A built filter that any number of threads can load without libseccomp:
 * the same BPF program and flags policy_load() would give the kernel.
 */
struct policy_prog {
	struct sock_filter *insns; /* malloc()ed; NULL: nothing built */
	unsigned short len;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
};

/* Build p into prog and free p. 0 or -errno (prog then holds nothing). */
int policy_export(struct seccomp_policy *p, struct policy_prog *prog);
/*
 * Load prog onto the calling thread, with no_new_privs, as policy_load()
 * would. It allocates nothing: a thread that loads only this never gets
 * a malloc arena. 0 or -errno.
 */
int policy_prog_load(const struct policy_prog *prog);
void policy_prog_free(struct policy_prog *prog);

/* libseccomp's SCMP_An() macros leave datum_b out, which clang flags. */
static inline struct scmp_arg_cmp policy_arg_eq(unsigned int arg,
						scmp_datum_t value)
{
	return (struct scmp_arg_cmp){
		.arg = arg, .op = SCMP_CMP_EQ, .datum_a = value, .datum_b = 0
	};
}

static inline struct scmp_arg_cmp
policy_arg_masked(unsigned int arg, scmp_datum_t mask, scmp_datum_t value)
{
	return (struct scmp_arg_cmp){ .arg = arg,
				      .op = SCMP_CMP_MASKED_EQ,
				      .datum_a = mask,
				      .datum_b = value };
}

#endif
