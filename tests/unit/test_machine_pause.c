// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pausing against a quit: with two vCPU threads that park when asked (no
 * KVM: they only loop), a quit that comes while the machine is paused
 * (a second client's quit, SIGTERM, in the same batch as a snapshot)
 * makes the next pause and the next call on the vCPUs fail with
 * -ESHUTDOWN; before, the call returned 0 with fn run on no vCPU, and the
 * snapshot read zeroed CPU state.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tests/support/tap.h"
#include "vmm/machine.h"
#include "vmm/vcpu.h"

#define NR_CPUS 2u

static struct machine *m;
static unsigned int called;

static void *parking_vcpu(void *arg)
{
	struct vcpu *v = arg;

	while (!machine_stopping(m)) {
		if (machine_pause_pending(m)) {
			machine_vcpu_park(m, v);
			continue;
		}
		usleep(1000);
	}
	machine_vcpu_exited(m);
	return NULL;
}

static void count_call(void *opaque, struct vcpu *v)
{
	(void)opaque;
	(void)v;
	__atomic_add_fetch(&called, 1, __ATOMIC_SEQ_CST);
}

static void start(void)
{
	pthread_condattr_t attr;

	m = calloc(1, sizeof(*m));
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&m->pause_lock, NULL);
	pthread_cond_init(&m->pause_cond, &attr);
	pthread_condattr_destroy(&attr);
	m->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	m->nr_cpus = NR_CPUS;
	for (unsigned int i = 0; i < NR_CPUS; i++) {
		m->vcpus[i].id = i;
		m->vcpus[i].thread_started = pthread_create(&m->vcpus[i].thread,
							    NULL, parking_vcpu,
							    &m->vcpus[i]) == 0;
	}
}

int main(void)
{
	int r;

	CHECK(vcpu_signals_init() == 0, "the vCPU kick signal");
	start();
	r = machine_pause(m);
	CHECK(r == 0 && machine_paused(m), "paused (%d)", r);
	r = machine_vcpus_call(m, count_call, NULL);
	CHECK(r == 0 && called == NR_CPUS, "a call runs on both vCPUs (%d, %u)",
	      r, called);
	called = 0;
	machine_request_exit(m, 0);
	r = machine_pause(m);
	CHECK(r == -ESHUTDOWN, "paused, then quit: pause fails (%d)", r);
	r = machine_vcpus_call(m, count_call, NULL);
	CHECK(r == -ESHUTDOWN && called == 0,
	      "paused, then quit: a call fails, run nowhere (%d, %u)", r,
	      called);
	machine_stop_vcpus(m);
	close(m->stop_fd);
	free(m);
	return tap_done();
}
