/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The I/O thread: serves virtqueue notifications off the vCPU threads. KVM
 * turns a guest's QueueNotify write into an eventfd signal (ioeventfd); this
 * thread waits on those eventfds and runs the device's queue.
 */
#ifndef VIGIL_IO_THREAD_H
#define VIGIL_IO_THREAD_H

#include <pthread.h>
#include <stdbool.h>

#include "lib/event_loop.h"

struct io_thread {
	struct event_loop el;
	int stop_fd;
	pthread_t thread;
	bool started;
	bool stop;
	/* Runs first on the new thread (e.g. to install its seccomp filter). */
	int (*on_start)(void *opaque);
	void *on_start_opaque;
};

int io_thread_init(struct io_thread *t);
/* Watch fd (readable) before the thread starts. */
int io_thread_add(struct io_thread *t, int fd, event_handler_fn fn,
		  void *opaque);
/* Watch fd for events (EPOLLIN | EPOLLET...) before the thread starts. */
int io_thread_add_events(struct io_thread *t, int fd, uint32_t events,
			 event_handler_fn fn, void *opaque);
int io_thread_start(struct io_thread *t);
/* Stop and join; requests already being served complete first. */
void io_thread_stop(struct io_thread *t);
void io_thread_destroy(struct io_thread *t);

#endif
