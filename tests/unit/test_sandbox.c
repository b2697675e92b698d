// SPDX-License-Identifier: GPL-2.0-only
/*
 * The seccomp allow-lists (vmm/sandbox.c), each checked in a forked child:
 * what the thread needs passes, what it does not kills the process with
 * SIGSYS, including ioctls on the wrong fd or with the wrong request. The
 * whole test is skipped where seccomp(2) is missing (valgrind does not
 * implement it).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "block/block.h"
#include "block/pool.h"
#include "tests/support/tap.h"
#include "vmm/sandbox.h"

/*
 * End the sandboxed child: with exit_group from the main thread's list,
 * with exit (this thread only) from the others', which have no exit_group.
 * Sanitizer builds allow both, and need exit_group: TSan restarts its
 * background thread in a forked child, so exit would leave that running.
 */
static void child_exit(enum sandbox_thread thread, int code)
{
#ifdef VIGIL_SANITIZER
	(void)thread;
	syscall(SYS_exit_group, code);
#else
	syscall(thread == SANDBOX_MAIN ? SYS_exit_group : SYS_exit, code);
#endif
}

/* A probe runs in the sandboxed child; it returns to end the child. */
typedef void (*probe_fn)(const struct sandbox_fds *fds);

/*
 * How a child ended: its exit code, or 128 + the signal that killed it.
 * With shared, the child loads the program the parent built (as a drive's
 * workers do) instead of building its own.
 */
static int run_sandboxed(enum sandbox_thread thread,
			 const struct sandbox_fds *fds, probe_fn probe,
			 struct sandbox_shared *shared)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int r = shared ? sandbox_enter_shared(shared) :
				 sandbox_enter(thread, fds);

		if (r < 0)
			_exit(r == -ENOSYS ? 3 : 2);
		probe(fds);
		child_exit(thread, 0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

#define KILLED_BY_SECCOMP (128 + SIGSYS)

static void probe_nothing(const struct sandbox_fds *fds)
{
	(void)fds;
}

static void probe_socket(const struct sandbox_fds *fds)
{
	(void)fds;
	socket(AF_INET, SOCK_STREAM, 0);
}

static void probe_open(const struct sandbox_fds *fds)
{
	(void)fds;
	open("/dev/null", O_RDONLY);
}

static void probe_write(const struct sandbox_fds *fds)
{
	(void)fds;
	if (write(STDOUT_FILENO, "", 0) < 0)
		child_exit(SANDBOX_VCPU, 1);
}

/* KVM_RUN on a non-KVM fd fails with ENOTTY: allowed, not killed. */
static void probe_kvm_run_own_fd(const struct sandbox_fds *fds)
{
	ioctl(fds->vcpu_fd, KVM_RUN, 0);
}

static void probe_kvm_run_other_fd(const struct sandbox_fds *fds)
{
	ioctl(fds->vm_fd, KVM_RUN, 0);
}

static void probe_kvm_set_regs(const struct sandbox_fds *fds)
{
	struct kvm_regs regs;

	memset(&regs, 0, sizeof(regs));
	ioctl(fds->vcpu_fd, KVM_SET_REGS, &regs);
}

/* Only the low 32 bits of the request reach the kernel. */
static void probe_kvm_run_high_bits(const struct sandbox_fds *fds)
{
	syscall(SYS_ioctl, fds->vcpu_fd, (unsigned long)KVM_RUN | (1ul << 32),
		0);
}

static void probe_irq_line(const struct sandbox_fds *fds)
{
	struct kvm_irq_level irq = { .irq = 4, .level = 1 };

	ioctl(fds->vm_fd, KVM_IRQ_LINE, &irq);
}

static void probe_kvm_create_vcpu(const struct sandbox_fds *fds)
{
	ioctl(fds->vm_fd, KVM_CREATE_VCPU, 1);
}

static void probe_exit_group(const struct sandbox_fds *fds)
{
	(void)fds;
	syscall(SYS_exit_group, 0);
}

static void probe_rw_mapping(const struct sandbox_fds *fds)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)fds;
	if (p == MAP_FAILED)
		child_exit(SANDBOX_VCPU, 1);
	munmap(p, 4096);
}

static void probe_exec_mapping(const struct sandbox_fds *fds)
{
	(void)fds;
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	     0);
}

/*
 * The kick signal to a thread of this process is allowed (it stays pending:
 * main() blocks it). The child's one thread has tid == pid.
 */
static void probe_kick_self(const struct sandbox_fds *fds)
{
	syscall(SYS_tgkill, getpid(), getpid(), fds->kick_signal);
}

static void probe_kill_self_term(const struct sandbox_fds *fds)
{
	(void)fds;
	syscall(SYS_tgkill, getpid(), getpid(), SIGTERM);
}

/* With --api-socket: no path is taken, passed files are only written. */
static void probe_openat_create(const struct sandbox_fds *fds)
{
	(void)fds;
	syscall(SYS_openat, AT_FDCWD, "/nonexistent/vigil-probe",
		O_WRONLY | O_CREAT | O_EXCL, 0600);
}

static void probe_unlinkat(const struct sandbox_fds *fds)
{
	(void)fds;
	syscall(SYS_unlinkat, AT_FDCWD, "/nonexistent/vigil-probe", 0);
}

static void probe_renameat(const struct sandbox_fds *fds)
{
	(void)fds;
	syscall(SYS_renameat, AT_FDCWD, "/nonexistent/a", AT_FDCWD,
		"/nonexistent/b");
}

static void probe_mkdir(const struct sandbox_fds *fds)
{
	(void)fds;
	syscall(SYS_mkdir, "/nonexistent/vigil-probe", 0700);
}

/* What glibc's unlink(), mkdirat(), rename() and stat() may use. */
static void probe_unlink(const struct sandbox_fds *fds)
{
	(void)fds;
	syscall(SYS_unlink, "/nonexistent/vigil-probe");
}

static void probe_mkdirat(const struct sandbox_fds *fds)
{
	(void)fds;
	syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent/vigil-probe", 0700);
}

static void probe_renameat2(const struct sandbox_fds *fds)
{
	(void)fds;
	syscall(SYS_renameat2, AT_FDCWD, "/nonexistent/a", AT_FDCWD,
		"/nonexistent/b", 0);
}

static void probe_newfstatat(const struct sandbox_fds *fds)
{
	struct stat st;

	(void)fds;
	syscall(SYS_newfstatat, AT_FDCWD, "/", &st, 0);
}

static void probe_fstat(const struct sandbox_fds *fds)
{
	struct stat st;

	if (syscall(SYS_fstat, fds->vm_fd, &st) < 0)
		child_exit(SANDBOX_MAIN, 1);
}

static void probe_fcntl_getfl(const struct sandbox_fds *fds)
{
	if (fcntl(fds->vm_fd, F_GETFL) < 0)
		child_exit(SANDBOX_MAIN, 1);
}

static void probe_fcntl_setfl(const struct sandbox_fds *fds)
{
	fcntl(fds->vm_fd, F_SETFL, O_NONBLOCK);
}

static void probe_recvmsg(const struct sandbox_fds *fds)
{
	struct msghdr mh = { 0 };

	/* ENOTSOCK on /dev/null: allowed, not killed. */
	recvmsg(fds->vm_fd, &mh, MSG_DONTWAIT);
}

struct probe_case {
	enum sandbox_thread thread;
	probe_fn probe;
	bool allowed;
	const char *what;
	/* Sanitizer builds allow their runtimes' calls (mmap, open, kill...)
	 * without arguments: these cases hold in release builds only. */
	bool release_only;
};

static const struct probe_case plain_cases[] = {
	{ SANDBOX_VCPU, probe_nothing, true, "vcpu: thread exit", false },
	{ SANDBOX_VCPU, probe_write, true, "vcpu: write", false },
	{ SANDBOX_VCPU, probe_kvm_run_own_fd, true, "vcpu: KVM_RUN, own fd",
	  false },
	{ SANDBOX_VCPU, probe_kvm_run_high_bits, true,
	  "vcpu: KVM_RUN with high request bits set", false },
	{ SANDBOX_VCPU, probe_irq_line, true, "vcpu: KVM_IRQ_LINE on the VM",
	  false },
	{ SANDBOX_VCPU, probe_kvm_run_other_fd, false,
	  "vcpu: KVM_RUN on another fd", false },
	{ SANDBOX_VCPU, probe_kvm_set_regs, false, "vcpu: KVM_SET_REGS",
	  false },
	{ SANDBOX_VCPU, probe_kvm_create_vcpu, false,
	  "vcpu: KVM_CREATE_VCPU on the VM", false },
	{ SANDBOX_VCPU, probe_socket, false, "vcpu: socket", false },
	{ SANDBOX_VCPU, probe_open, false, "vcpu: open", true },
	{ SANDBOX_VCPU, probe_exit_group, false, "vcpu: exit_group", true },
	{ SANDBOX_VCPU, probe_rw_mapping, false, "vcpu: mmap", true },
	{ SANDBOX_IO, probe_nothing, true, "io: thread exit", false },
	{ SANDBOX_IO, probe_rw_mapping, true, "io: read-write mmap", false },
	{ SANDBOX_IO, probe_exec_mapping, false, "io: executable mmap", true },
	{ SANDBOX_IO, probe_kvm_run_own_fd, false, "io: any ioctl", false },
	{ SANDBOX_IO, probe_socket, false, "io: socket", false },
	{ SANDBOX_IO, probe_open, false, "io: open", true },
	{ SANDBOX_MAIN, probe_exit_group, true, "main: exit_group", false },
	{ SANDBOX_MAIN, probe_irq_line, true, "main: KVM_IRQ_LINE on the VM",
	  false },
	{ SANDBOX_MAIN, probe_kick_self, true, "main: kick signal", false },
	{ SANDBOX_MAIN, probe_kill_self_term, false, "main: other signals",
	  true },
	{ SANDBOX_MAIN, probe_kvm_run_own_fd, false, "main: KVM_RUN", false },
	{ SANDBOX_MAIN, probe_socket, false, "main: socket", false },
	{ SANDBOX_MAIN, probe_open, false, "main: open", true },
	{ SANDBOX_MAIN, probe_recvmsg, false, "main: recvmsg", false },
};

/* The main thread with a control socket: it takes no path either. */
static const struct probe_case api_cases[] = {
	{ SANDBOX_MAIN, probe_recvmsg, true, "main+api: recvmsg", false },
	{ SANDBOX_MAIN, probe_fstat, true, "main+api: fstat", false },
	{ SANDBOX_MAIN, probe_fcntl_getfl, true, "main+api: fcntl F_GETFL",
	  false },
	{ SANDBOX_MAIN, probe_fcntl_setfl, false, "main+api: fcntl F_SETFL",
	  false },
	{ SANDBOX_MAIN, probe_openat_create, false, "main+api: openat", true },
	{ SANDBOX_MAIN, probe_mkdir, false, "main+api: mkdir", false },
	{ SANDBOX_MAIN, probe_unlinkat, false, "main+api: unlinkat", false },
	{ SANDBOX_MAIN, probe_renameat, false, "main+api: renameat", false },
	{ SANDBOX_MAIN, probe_unlink, false, "main+api: unlink", false },
	{ SANDBOX_MAIN, probe_mkdirat, false, "main+api: mkdirat", false },
	{ SANDBOX_MAIN, probe_renameat2, false, "main+api: renameat2", false },
	{ SANDBOX_MAIN, probe_newfstatat, false, "main+api: newfstatat (stat)",
	  true },
	{ SANDBOX_MAIN, probe_socket, false, "main+api: socket", false },
};

/* One case, with a list built in the child or built once in the parent. */
static int run_case(const struct probe_case *c, const struct sandbox_fds *fds,
		    bool shared)
{
	struct sandbox_shared built;
	int end;

	if (!shared)
		return run_sandboxed(c->thread, fds, c->probe, NULL);
	sandbox_shared_init(&built, c->thread, fds);
	end = sandbox_shared_build(&built) < 0 ?
		      -1 :
		      run_sandboxed(c->thread, fds, c->probe, &built);
	sandbox_shared_destroy(&built);
	return end;
}

static void run_cases(const struct probe_case *list, size_t n,
		      const struct sandbox_fds *fds, bool shared)
{
	const char *how = shared ? " (shared)" : "";

	for (size_t i = 0; i < n; i++) {
		const struct probe_case *c = &list[i];
		int end;

		/* The main list pins tgkill() to the builder's pid, which is
		 * the parent's here: vigil shares only the I/O list. */
		if (shared && c->thread == SANDBOX_MAIN)
			continue;
#ifdef VIGIL_SANITIZER
		if (c->release_only) {
			tap_skip(c->what, "sanitizer runtime calls allowed");
			continue;
		}
#endif
		end = run_case(c, fds, shared);
		if (c->allowed)
			CHECK(end == 0, "%s%s: allowed (child ended with %d)",
			      c->what, how, end);
		else
			CHECK(end == KILLED_BY_SECCOMP,
			      "%s%s: killed by SIGSYS (child ended with %d)",
			      c->what, how, end);
	}
}

static bool seccomp_missing(const struct sandbox_fds *fds)
{
	return run_sandboxed(SANDBOX_MAIN, fds, probe_exit_group, NULL) == 3;
}

/*
 * A drive's workers under the I/O list, as in vigil: unaligned requests on
 * a direct=on drive go through a bounce buffer, then the pool is torn down
 * as at exit. The buffer came from malloc, whose first use on a thread
 * opens files (the arena count, a heap trim), which kills with SIGSYS.
 */
#define BOUNCE_REQS 16u
#define BOUNCE_LEN 65536u

static struct sandbox_shared io_list;

static void *build_io_list(void *opaque)
{
	(void)opaque;
	sandbox_shared_build(&io_list);
	return NULL;
}

static int enter_io_list(void *opaque)
{
	(void)opaque;
	return sandbox_enter_shared(&io_list);
}

/* In the child: 0 when every request was served, 1 otherwise. */
static int serve_unaligned(struct block_backend *bb)
{
	static struct block_req reqs[BOUNCE_REQS];
	static struct iovec iov[BOUNCE_REQS];
	static uint8_t buf[BOUNCE_REQS][BOUNCE_LEN + 4096]
		__attribute__((aligned(4096)));
	const struct sandbox_fds none = {
		.vm_fd = -1,
		.vcpu_fd = -1,
		.tty_fd = -1,
		.api_fd = -1,
	};
	struct block_pool pool;
	pthread_t builder;
	int bad = 0;

	sandbox_shared_init(&io_list, SANDBOX_IO, &none);
	/* Built on another thread, as machine_start_sandbox_builder() does. */
	if (pthread_create(&builder, NULL, build_io_list, NULL) ||
	    pthread_join(builder, NULL) || block_pool_init(&pool, bb) ||
	    block_pool_start(&pool, enter_io_list, NULL))
		return 1;
	for (unsigned int i = 0; i < BOUNCE_REQS; i++) {
		iov[i] = (struct iovec){ buf[i] + 1,
					 BOUNCE_LEN }; /* unaligned */
		reqs[i] = (struct block_req){ .op = BLOCK_OP_READ,
					      .iov = &iov[i],
					      .iovcnt = 1,
					      .offset = (uint64_t)BOUNCE_LEN *
							i };
		block_pool_submit(&pool, &reqs[i]);
	}
	block_pool_drain(&pool, false);
	for (unsigned int i = 0; i < BOUNCE_REQS; i++)
		bad |= reqs[i].result != 0;
	block_pool_destroy(&pool);
	return bad;
}

static void test_direct_bounce_in_workers(void)
{
	char path[] = "vigil-test-direct-XXXXXX", spec[96], err[256];
	struct block_backend *bb = NULL;
	int fd = mkstemp(path), status = -1;
	pid_t pid;

	if (fd < 0 || ftruncate(fd, BOUNCE_REQS * BOUNCE_LEN) < 0) {
		CHECK(false, "a disk file in the build directory");
		goto out;
	}
	snprintf(spec, sizeof(spec), "file=%s,direct=on", path);
	if (block_open(spec, &bb, err, sizeof(err)) < 0) {
		tap_skip("unaligned direct=on requests on sandboxed workers",
			 err);
		goto out;
	}
	pid = fork();
	if (pid == 0)
		_exit(serve_unaligned(bb));
	if (pid > 0 && waitpid(pid, &status, 0) != pid)
		status = -1;
	CHECK(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "unaligned direct=on requests on sandboxed workers, then their "
	      "exit (status 0x%x; SIGSYS is 0x%x)",
	      status, SIGSYS);
	block_close(bb);
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
}

int main(void)
{
	sigset_t usr1;
	struct sandbox_fds fds;

	/* Every fd -1 (none), then stand-ins for the VM and the vCPU: the
	 * filters compare fd numbers, not what they refer to. */
	memset(&fds, 0xff, sizeof(fds));
	fds.vm_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fds.vcpu_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fds.kick_signal = SIGUSR1;
	if (fds.vm_fd < 0 || fds.vcpu_fd < 0) {
		return tap_skip_all("cannot open /dev/null");
	}
	/* The allowed kick must not kill the child that sends it. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	if (seccomp_missing(&fds))
		return tap_skip_all(
			"seccomp(2) with SECCOMP_RET_KILL_PROCESS is "
			"not available here (valgrind does not "
			"implement it)");
	for (int t = 0; t < SANDBOX_NR_THREADS; t++) {
		int n = sandbox_rule_count((enum sandbox_thread)t);

		CHECK(n > 0, "%s allow-list: %d rules",
		      sandbox_thread_name((enum sandbox_thread)t), n);
	}
	run_cases(plain_cases, sizeof(plain_cases) / sizeof(plain_cases[0]),
		  &fds, false);
	/* A drive's workers load one program built once: the same verdicts. */
	run_cases(plain_cases, sizeof(plain_cases) / sizeof(plain_cases[0]),
		  &fds, true);
	/* The filter compares the fd number of the accept4 rule only. */
	fds.api_fd = fds.vcpu_fd;
	run_cases(api_cases, sizeof(api_cases) / sizeof(api_cases[0]), &fds,
		  false);
	test_direct_bounce_in_workers();
	close(fds.vm_fd);
	close(fds.vcpu_fd);
	return tap_done();
}
