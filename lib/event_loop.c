// SPDX-License-Identifier: GPL-2.0-only
#include "lib/event_loop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

int event_loop_init(struct event_loop *el)
{
	memset(el, 0, sizeof(*el));
	for (unsigned int i = 0; i < EVENT_LOOP_MAX_SOURCES; i++)
		el->sources[i].fd = -1;
	el->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	return el->epoll_fd < 0 ? -errno : 0;
}

void event_loop_destroy(struct event_loop *el)
{
	if (el->epoll_fd >= 0)
		close(el->epoll_fd);
	el->epoll_fd = -1;
}

static struct event_source *find_source(struct event_loop *el, int fd)
{
	for (unsigned int i = 0; i < EVENT_LOOP_MAX_SOURCES; i++)
		if (el->sources[i].fd == fd)
			return &el->sources[i];
	return NULL;
}

int event_loop_add(struct event_loop *el, int fd, uint32_t events,
		   event_handler_fn fn, void *opaque)
{
	struct event_source *src;
	struct epoll_event ev = { .events = events };

	if (fd < 0 || find_source(el, fd))
		return -EINVAL;
	src = find_source(el, -1);
	if (!src)
		return -ENOSPC;
	ev.data.ptr = src;
	if (epoll_ctl(el->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	*src = (struct event_source){ .fd = fd, .fn = fn, .opaque = opaque };
	return 0;
}

int event_loop_modify(struct event_loop *el, int fd, uint32_t events)
{
	struct event_source *src = fd >= 0 ? find_source(el, fd) : NULL;
	struct epoll_event ev = { .events = events };

	if (!src)
		return -ENOENT;
	ev.data.ptr = src;
	return epoll_ctl(el->epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int event_loop_remove(struct event_loop *el, int fd)
{
	struct event_source *src = fd >= 0 ? find_source(el, fd) : NULL;

	if (!src)
		return -ENOENT;
	epoll_ctl(el->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	src->fd = -1;
	return 0;
}

int event_loop_run_once(struct event_loop *el, int timeout_ms)
{
	struct epoll_event evs[16];
	int n = epoll_wait(el->epoll_fd, evs, 16, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct event_source *src = evs[i].data.ptr;

		/* A handler earlier in this batch may have removed it. */
		if (src->fd >= 0)
			src->fn(src->opaque, evs[i].events);
	}
	return n;
}
