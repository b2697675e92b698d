// SPDX-License-Identifier: GPL-2.0-only
/*
 * The seccomp policy builder (lib/seccomp_policy.c) and vigil-blkd's list
 * built with it, each filter loaded in a forked child: listed calls pass,
 * an unlisted one kills the process with SIGSYS, a pinned argument is
 * matched exactly; errors stick, so one bad rule makes the whole policy
 * fail instead of loading a partial list. Skipped where seccomp(2) is
 * missing (valgrind does not implement it).
 */
#include <errno.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/seccomp_policy.h"
#include "tests/support/tap.h"
#include "vhost-user/blkd_sandbox.h"

#define KILLED_BY_SECCOMP (128 + SIGSYS)
#define PROBE_IOCTL 0x1234u

/* Just enough to end the child: write for nothing, exit_group. */
static const int base_calls[] = { SCMP_SYS(exit_group), SCMP_SYS(write) };

enum probe { PROBE_NOTHING, PROBE_SOCKET, PROBE_IOCTL_OWN, PROBE_IOCTL_OTHER };

static void run_probe(enum probe probe)
{
	switch (probe) {
	case PROBE_SOCKET:
		socket(AF_INET, SOCK_STREAM, 0);
		break;
	case PROBE_IOCTL_OWN: /* stdin is no device: ENOTTY, not killed */
		ioctl(STDIN_FILENO, PROBE_IOCTL, 0);
		break;
	case PROBE_IOCTL_OTHER:
		ioctl(STDOUT_FILENO, PROBE_IOCTL, 0);
		break;
	default:
		break;
	}
}

/*
 * The test's list exported as a program and loaded from it, as vigil's
 * threads do (sandbox_shared_build()), under a file size limit of one
 * byte: the export must not go through a file (EFBIG, or SIGXFSZ).
 */
static int load_exported(void)
{
	const struct rlimit one_byte = { 1, 1 };
	struct seccomp_policy p;
	struct policy_prog prog;
	int r = setrlimit(RLIMIT_FSIZE, &one_byte) < 0 ? -errno : 0;

	if (r == 0)
		r = policy_init(&p);
	if (r == 0) {
		policy_allow(&p, base_calls, 2);
		policy_allow_ioctl(&p, STDIN_FILENO, PROBE_IOCTL);
		policy_allow_sanitizer(&p);
		r = policy_export(&p, &prog);
	}
	return r < 0 ? r : policy_prog_load(&prog);
}

enum child_list { LIST_TEST, LIST_TEST_EXPORTED, LIST_BLKD };

/* How a child that loads a filter and probes ended: exit code or 128+sig. */
static int run_child(enum child_list list, enum probe probe)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct seccomp_policy p;
		int r = 0;

		if (list == LIST_BLKD) {
			r = blkd_sandbox_enter();
		} else if (list == LIST_TEST_EXPORTED) {
			r = load_exported();
		} else if (policy_init(&p) == 0) {
			policy_allow(&p, base_calls, 2);
			policy_allow_ioctl(&p, STDIN_FILENO, PROBE_IOCTL);
			policy_allow_sanitizer(&p);
			r = policy_load(&p);
		}
		if (r < 0)
			_exit(2);
		run_probe(probe);
		syscall(SYS_exit_group, 0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
				     WEXITSTATUS(status);
}

static void test_counts_and_sticky_errors(void)
{
	struct seccomp_policy p;

	policy_init(&p);
	policy_allow(&p, base_calls, 2);
	policy_allow_ioctl(&p, -1, PROBE_IOCTL);
	policy_allow_ioctl(&p, 0, PROBE_IOCTL);
	policy_allow_heap_growth(&p);
	CHECK(policy_rule_count(&p) == 5,
	      "2 calls, an ioctl on fd 0 (none for fd -1), mmap and mprotect: "
	      "5 rules");
	policy_init(&p);
	policy_allow_arg(&p, SCMP_SYS(read), 9, 0); /* there is no argument 9 */
	policy_allow(&p, base_calls, 2);
	CHECK(policy_rule_count(&p) < 0 && p.err < 0,
	      "a bad rule sticks: the policy reports it, not a shorter list");
}

static void test_loaded_policy(void)
{
	CHECK(run_child(LIST_TEST, PROBE_NOTHING) == 0, "listed calls pass");
	CHECK(run_child(LIST_TEST, PROBE_SOCKET) == KILLED_BY_SECCOMP,
	      "an unlisted call kills the process");
	CHECK(run_child(LIST_TEST, PROBE_IOCTL_OWN) == 0,
	      "the pinned ioctl on its own fd passes");
	CHECK(run_child(LIST_TEST, PROBE_IOCTL_OTHER) == KILLED_BY_SECCOMP,
	      "the same ioctl on another fd kills");
	CHECK(run_child(LIST_TEST_EXPORTED, PROBE_NOTHING) == 0,
	      "exported under a 1-byte file size limit, the list loads");
	CHECK(run_child(LIST_TEST_EXPORTED, PROBE_IOCTL_OTHER) ==
		      KILLED_BY_SECCOMP,
	      "the exported list kills as the loaded one does");
}

static void test_blkd_list(void)
{
	CHECK(run_child(LIST_BLKD, PROBE_NOTHING) == 0,
	      "vigil-blkd's list loads and lets it exit");
	CHECK(run_child(LIST_BLKD, PROBE_SOCKET) == KILLED_BY_SECCOMP,
	      "vigil-blkd's list: socket() kills it");
}

int main(void)
{
	struct seccomp_policy p;

	if (policy_init(&p) == -ENOSYS)
		return tap_skip_all("seccomp(2) missing (valgrind?)");
	policy_rule_count(&p);
	test_counts_and_sticky_errors();
	test_loaded_policy();
	test_blkd_list();
	return tap_done();
}
