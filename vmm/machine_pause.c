// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pause gate: machine_pause() parks every vCPU at the top of its run
 * loop (after its last exit completed) and then the I/O thread inside a
 * handler on its own event loop, so the machine's state holds still for a
 * snapshot; machine_vcpus_call() runs a function on each parked vCPU's
 * own thread (KVM reads a vCPU's state only there); machine_resume() lets
 * them go, and machine_stop_vcpus() ends them. Everything under
 * m->pause_lock, with m->pause_cond broadcast on every change.
 */
#include "vmm/machine.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

/* How long a vCPU or the I/O thread may take to reach its parking spot. */
#define MACHINE_PAUSE_TIMEOUT_S 10

bool machine_pause_pending(const struct machine *m)
{
	return __atomic_load_n(&m->pause_requested, __ATOMIC_ACQUIRE);
}

bool machine_paused(const struct machine *m)
{
	return m->paused;
}

/*
 * On a vCPU thread whose last exit is complete: wait until resumed (or
 * stopped), running machine_vcpus_call() requests meanwhile.
 */
void machine_vcpu_park(struct machine *m, struct vcpu *vcpu)
{
	uint64_t seen;

	pthread_mutex_lock(&m->pause_lock);
	seen = m->call_seq;
	m->nr_parked++;
	pthread_cond_broadcast(&m->pause_cond);
	while (m->pause_requested && !machine_stopping(m)) {
		if (m->call_seq != seen) {
			void (*fn)(void *, struct vcpu *) = m->call_fn;
			void *opaque = m->call_opaque;

			seen = m->call_seq;
			pthread_mutex_unlock(&m->pause_lock);
			fn(opaque, vcpu);
			pthread_mutex_lock(&m->pause_lock);
			m->nr_called++;
			pthread_cond_broadcast(&m->pause_cond);
			continue;
		}
		pthread_cond_wait(&m->pause_cond, &m->pause_lock);
	}
	m->nr_parked--;
	pthread_mutex_unlock(&m->pause_lock);
}

void machine_vcpu_exited(struct machine *m)
{
	pthread_mutex_lock(&m->pause_lock);
	m->nr_exited++;
	pthread_cond_broadcast(&m->pause_cond);
	pthread_mutex_unlock(&m->pause_lock);
}

static unsigned int machine_nr_started(const struct machine *m)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < m->nr_cpus; i++)
		n += m->vcpus[i].thread_started;
	return n;
}

static bool vcpus_settled(const struct machine *m)
{
	return m->nr_parked + m->nr_exited >= machine_nr_started(m) ||
	       machine_stopping(m);
}

static bool io_settled(const struct machine *m)
{
	return m->io_parked || !m->io.started || machine_stopping(m);
}

/* With pause_lock held: wait for done(m) until the deadline. */
static int machine_wait(struct machine *m, bool (*done)(const struct machine *),
			const struct timespec *deadline)
{
	while (!done(m))
		if (pthread_cond_timedwait(&m->pause_cond, &m->pause_lock,
					   deadline) == ETIMEDOUT &&
		    !done(m))
			return -ETIMEDOUT;
	return 0;
}

/* With pause_lock held: let every parked thread go. */
static void machine_release_locked(struct machine *m)
{
	__atomic_store_n(&m->pause_requested, false, __ATOMIC_RELEASE);
	m->io_pause_requested = false;
	m->paused = false;
	pthread_cond_broadcast(&m->pause_cond);
}

/* The I/O thread parks once the vCPUs can queue no more requests. */
static int machine_pause_io_locked(struct machine *m,
				   const struct timespec *deadline)
{
	uint64_t one = 1;
	int r;

	m->io_pause_requested = true;
	if (m->io.started && write(m->io_pause_fd, &one, sizeof(one)) < 0)
		return -errno;
	r = machine_wait(m, io_settled, deadline);
	return r == 0 && machine_stopping(m) ? -ESHUTDOWN : r;
}

int machine_pause(struct machine *m)
{
	struct timespec deadline;
	int r;

	/* Paused, then asked to quit: parked vCPUs leave, calls would not
	 * run (machine_vcpus_call()). */
	if (m->paused)
		return machine_stopping(m) ? -ESHUTDOWN : 0;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += MACHINE_PAUSE_TIMEOUT_S;
	pthread_mutex_lock(&m->pause_lock);
	__atomic_store_n(&m->pause_requested, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&m->pause_lock);
	for (unsigned int i = 0; i < m->nr_cpus; i++)
		vcpu_kick(&m->vcpus[i]);
	pthread_mutex_lock(&m->pause_lock);
	r = machine_wait(m, vcpus_settled, &deadline);
	if (r == 0 && (m->nr_exited || machine_stopping(m)))
		r = -ESHUTDOWN;
	if (r == 0)
		r = machine_pause_io_locked(m, &deadline);
	if (r == 0)
		m->paused = true;
	else
		machine_release_locked(m);
	pthread_mutex_unlock(&m->pause_lock);
	return r;
}

void machine_resume(struct machine *m)
{
	pthread_mutex_lock(&m->pause_lock);
	machine_release_locked(m);
	pthread_mutex_unlock(&m->pause_lock);
}

static bool calls_done(const struct machine *m)
{
	return m->nr_called >= m->nr_parked;
}

/* No deadline: a parked vCPU runs fn at once, and fn may use opaque. */
int machine_vcpus_call(struct machine *m,
		       void (*fn)(void *opaque, struct vcpu *vcpu),
		       void *opaque)
{
	int r;

	pthread_mutex_lock(&m->pause_lock);
	if (!m->paused || machine_stopping(m)) {
		pthread_mutex_unlock(&m->pause_lock);
		/* Stopping: the parked vCPUs leave without running fn. */
		return m->paused ? -ESHUTDOWN : -EINVAL;
	}
	m->call_fn = fn;
	m->call_opaque = opaque;
	m->nr_called = 0;
	m->call_seq++;
	pthread_cond_broadcast(&m->pause_cond);
	while (!calls_done(m))
		pthread_cond_wait(&m->pause_cond, &m->pause_lock);
	/* A stop meanwhile let vCPUs leave their park without fn. */
	r = machine_stopping(m) ? -ESHUTDOWN : 0;
	pthread_mutex_unlock(&m->pause_lock);
	return r;
}

void machine_stop_vcpus(struct machine *m)
{
	/* Parked threads must see the stop: release them first. */
	pthread_mutex_lock(&m->pause_lock);
	machine_release_locked(m);
	pthread_mutex_unlock(&m->pause_lock);
	for (unsigned int i = 0; i < m->nr_cpus; i++)
		vcpu_kick(&m->vcpus[i]);
	for (unsigned int i = 0; i < m->nr_cpus; i++) {
		if (m->vcpus[i].thread_started)
			pthread_join(m->vcpus[i].thread, NULL);
		m->vcpus[i].thread_started = false;
	}
}

/* On the I/O thread: park until machine_resume() (see machine_pause). */
void machine_on_io_pause(void *opaque, uint32_t events)
{
	struct machine *m = opaque;
	uint64_t v;

	(void)events;
	if (read(m->io_pause_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_error("io thread: pause eventfd: %s", strerror(errno));
	pthread_mutex_lock(&m->pause_lock);
	m->io_parked = true;
	pthread_cond_broadcast(&m->pause_cond);
	while (m->io_pause_requested)
		pthread_cond_wait(&m->pause_cond, &m->pause_lock);
	m->io_parked = false;
	pthread_mutex_unlock(&m->pause_lock);
}
