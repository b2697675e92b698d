// SPDX-License-Identifier: GPL-2.0-only
/*
 * The running machine's main thread (machine_run()): it starts the I/O
 * thread and the vCPUs, enters its own seccomp list, and serves its event
 * loop (the console in both directions, termination signals, the control
 * socket) until the machine stops, then joins the threads.
 */
#include "vmm/machine.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "lib/event_loop.h"
#include "lib/log.h"
#include "lib/thread.h"
#include "vmm/console.h"
#include "vmm/control.h"
#include "vmm/sandbox.h"

struct main_loop {
	struct machine *m;
	struct event_loop el;
	struct console console;
	int signal_fd;
	bool input_pollable;
	bool input_polled;
	bool done;
};

static void on_console_input(void *opaque, uint32_t events);

/*
 * Poll stdin only while the UART can take input. The descriptor leaves the
 * epoll set while it must not be read: epoll reports a hang-up even when no
 * events are asked for, which would make the loop spin.
 */
static void main_loop_update_input(struct main_loop *ml)
{
	bool want = ml->input_pollable && console_wants_input(&ml->console);

	if (want == ml->input_polled)
		return;
	if (!want) {
		event_loop_remove(&ml->el, ml->console.in_fd);
		ml->input_polled = false;
		return;
	}
	/* A regular file or /dev/null cannot be polled: never read it. */
	if (event_loop_add(&ml->el, ml->console.in_fd, EPOLLIN,
			   on_console_input, ml) == 0)
		ml->input_polled = true;
	else
		ml->input_pollable = false;
}

static void on_console_input(void *opaque, uint32_t events)
{
	struct main_loop *ml = opaque;

	(void)events;
	if (!console_read_input(&ml->console)) {
		log_info("quit requested from the console");
		machine_request_exit(ml->m, VIGIL_EXIT_SIGNAL_BASE + SIGINT);
	}
	main_loop_update_input(ml);
}

static void on_rx_space(void *opaque, uint32_t events)
{
	struct main_loop *ml = opaque;
	uint64_t v;

	(void)events;
	if (read(ml->m->rx_space_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_error("serial: eventfd read: %s", strerror(errno));
	console_flush_pending(&ml->console);
	main_loop_update_input(ml);
}

static void on_signal(void *opaque, uint32_t events)
{
	struct main_loop *ml = opaque;
	struct signalfd_siginfo si;

	(void)events;
	if (read(ml->signal_fd, &si, sizeof(si)) != sizeof(si))
		return;
	log_info("terminating on signal %u", si.ssi_signo);
	machine_request_exit(ml->m, VIGIL_EXIT_SIGNAL_BASE + (int)si.ssi_signo);
}

static void on_stop(void *opaque, uint32_t events)
{
	struct main_loop *ml = opaque;

	(void)events;
	ml->done = true;
}

static int main_loop_init(struct main_loop *ml, struct machine *m,
			  const sigset_t *sigs)
{
	int in_fd = m->cfg.serial == SERIAL_STDIO ? STDIN_FILENO : -1;
	int r;

	memset(ml, 0, sizeof(*ml));
	ml->m = m;
	ml->signal_fd = signalfd(-1, sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (ml->signal_fd < 0)
		return -errno;
	r = event_loop_init(&ml->el);
	if (r == 0)
		r = event_loop_add(&ml->el, ml->signal_fd, EPOLLIN, on_signal,
				   ml);
	if (r == 0)
		r = event_loop_add(&ml->el, m->stop_fd, EPOLLIN, on_stop, ml);
	if (r == 0)
		r = event_loop_add(&ml->el, m->rx_space_fd, EPOLLIN,
				   on_rx_space, ml);
	console_init(&ml->console, in_fd, &m->serial);
	ml->input_pollable = in_fd >= 0;
	if (r == 0)
		main_loop_update_input(ml);
	return r;
}

static void main_loop_destroy(struct main_loop *ml)
{
	console_restore(&ml->console);
	event_loop_destroy(&ml->el);
	if (ml->signal_fd >= 0)
		close(ml->signal_fd);
}

/*
 * Each vCPU's filter is built here, before its thread starts, while no
 * other thread competes for the CPUs: the thread's first KVM_RUN then
 * waits only for the kernel to take the program.
 */
static int machine_start_vcpus(struct machine *m)
{
	for (unsigned int i = 0; i < m->nr_cpus; i++) {
		int r = vcpu_prepare_sandbox(&m->vcpus[i]);

		if (r < 0) {
			log_error("vcpu%u: cannot build the seccomp filter: %s",
				  i, strerror(-r));
			return r;
		}
		r = thread_start(&m->vcpus[i].thread, vcpu_thread,
				 &m->vcpus[i]);
		if (r < 0) {
			log_error("vcpu%u: cannot start thread: %s", i,
				  strerror(-r));
			return r;
		}
		m->vcpus[i].thread_started = true;
	}
	return 0;
}

/*
 * The I/O thread's first act (io_thread.on_start), and each device
 * thread's (a drive's workers): the I/O allow-list, one program built
 * once for all of them.
 */
static int machine_sandbox_io(void *opaque)
{
	struct machine *m = opaque;
	int r = sandbox_enter_shared(&m->io_sandbox);

	if (r < 0) {
		log_error("io thread or worker: cannot install the seccomp "
			  "filter: %s",
			  strerror(-r));
		machine_request_exit(m, VIGIL_EXIT_ERROR);
		return r;
	}
	sandbox_test_trigger(SANDBOX_IO);
	return 0;
}

/* Set-up is over and every other thread runs: the main thread's list. */
static void machine_sandbox_main(struct main_loop *ml)
{
	const struct sandbox_fds fds = {
		.vm_fd = ml->m->kvm.vm_fd,
		.vcpu_fd = -1,
		.tty_fd = ml->console.raw ? ml->console.in_fd : -1,
		.kick_signal = VCPU_KICK_SIGNAL,
		.api_fd = ml->m->control ? control_listen_fd(ml->m->control) :
					   -1,
	};
	int r = sandbox_enter(SANDBOX_MAIN, &fds);

	if (r < 0) {
		log_error("main thread: cannot install the seccomp filter: %s",
			  strerror(-r));
		machine_request_exit(ml->m, VIGIL_EXIT_ERROR);
		return;
	}
	sandbox_test_trigger(SANDBOX_MAIN);
}

int machine_run(struct machine *m)
{
	struct main_loop ml;
	sigset_t sigs;
	int r;

	/* Termination signals arrive through a signalfd on the main loop;
	 * every thread created from here on inherits the blocked set. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Past RLIMIT_FSIZE (console file, snapshot): EFBIG, not death. */
	signal(SIGXFSZ, SIG_IGN);
	r = vcpu_signals_init();
	if (r == 0)
		r = main_loop_init(&ml, m, &sigs);
	if (r == 0 && m->control)
		r = control_attach(m->control, &ml.el);
	if (r < 0) {
		log_error("main loop: %s", strerror(-r));
		return VIGIL_EXIT_ERROR;
	}
	/*
	 * The vCPUs first: the guest needs the I/O thread only once it kicks
	 * a queue. The I/O list was built during set-up
	 * (machine_start_sandbox_builder()), so that thread only loads it.
	 */
	machine_join_sandbox_builder(m);
	r = machine_start_vcpus(m);
	m->io.on_start = machine_sandbox_io;
	m->io.on_start_opaque = m;
	if (r == 0) {
		r = io_thread_start(&m->io);
		if (r < 0)
			log_error("io thread: cannot start: %s", strerror(-r));
	}
	/*
	 * The devices' own threads (a drive's workers) last: starting them
	 * and loading their filters then overlaps the guest's boot instead of
	 * delaying it. A request before then runs on the I/O thread
	 * (block_pool_submit()).
	 */
	for (unsigned int i = 0; i < m->nr_slots && r == 0; i++)
		r = virtio_slot_start(m->slots[i], machine_sandbox_io, m);
	if (r < 0)
		machine_request_exit(m, VIGIL_EXIT_VCPU_FATAL);
	machine_sandbox_main(&ml);
	while (!ml.done) {
		r = event_loop_run_once(&ml.el, -1);
		if (r < 0) {
			log_error("main loop: %s", strerror(-r));
			machine_request_exit(m, VIGIL_EXIT_VCPU_FATAL);
			break;
		}
	}
	machine_stop_vcpus(m);
	io_thread_stop(&m->io);
	main_loop_destroy(&ml);
	return __atomic_load_n(&m->exit_status, __ATOMIC_ACQUIRE);
}
