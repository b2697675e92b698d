// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/io_thread.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/thread.h"

static void io_thread_on_stop(void *opaque, uint32_t events)
{
	struct io_thread *t = opaque;

	(void)events;
	t->stop = true;
}

int io_thread_init(struct io_thread *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->stop_fd < 0)
		return -errno;
	r = event_loop_init(&t->el);
	if (r == 0)
		r = event_loop_add(&t->el, t->stop_fd, EPOLLIN,
				   io_thread_on_stop, t);
	return r;
}

int io_thread_add(struct io_thread *t, int fd, event_handler_fn fn,
		  void *opaque)
{
	return event_loop_add(&t->el, fd, EPOLLIN, fn, opaque);
}

int io_thread_add_events(struct io_thread *t, int fd, uint32_t events,
			 event_handler_fn fn, void *opaque)
{
	return event_loop_add(&t->el, fd, events, fn, opaque);
}

static void *io_thread_main(void *arg)
{
	struct io_thread *t = arg;

	if (t->on_start && t->on_start(t->on_start_opaque) < 0)
		return NULL;
	while (!t->stop) {
		int r = event_loop_run_once(&t->el, -1);

		if (r < 0) {
			log_error("io thread: %s", strerror(-r));
			break;
		}
	}
	return NULL;
}

int io_thread_start(struct io_thread *t)
{
	int r = thread_start(&t->thread, io_thread_main, t);

	if (r < 0)
		return r;
	t->started = true;
	return 0;
}

void io_thread_stop(struct io_thread *t)
{
	uint64_t one = 1;

	if (!t->started)
		return;
	if (write(t->stop_fd, &one, sizeof(one)) < 0)
		log_error("io thread: cannot signal stop: %s", strerror(errno));
	pthread_join(t->thread, NULL);
	t->started = false;
}

void io_thread_destroy(struct io_thread *t)
{
	io_thread_stop(t);
	event_loop_destroy(&t->el);
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	t->stop_fd = -1;
}
