/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small epoll loop: file descriptors with a handler each. The main thread
 * runs one (console input, signals, the stop event); the I/O thread runs
 * another (virtqueue notifications).
 */
#ifndef VIGIL_EVENT_LOOP_H
#define VIGIL_EVENT_LOOP_H

#include <stdint.h>

#define EVENT_LOOP_MAX_SOURCES 64

typedef void (*event_handler_fn)(void *opaque, uint32_t events);

struct event_source {
	int fd;
	event_handler_fn fn;
	void *opaque;
};

struct event_loop {
	int epoll_fd;
	struct event_source sources[EVENT_LOOP_MAX_SOURCES];
};

int event_loop_init(struct event_loop *el);
void event_loop_destroy(struct event_loop *el);
/* Watch fd for events (EPOLLIN...); returns 0 or negative errno. */
int event_loop_add(struct event_loop *el, int fd, uint32_t events,
		   event_handler_fn fn, void *opaque);
int event_loop_modify(struct event_loop *el, int fd, uint32_t events);
int event_loop_remove(struct event_loop *el, int fd);
/* Wait up to timeout_ms (-1: forever) and dispatch; returns events or -errno. */
int event_loop_run_once(struct event_loop *el, int timeout_ms);

#endif
