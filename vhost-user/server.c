// SPDX-License-Identifier: GPL-2.0-only
#include "vhost-user/server.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "lib/log.h"
#include "vhost-user/vu_socket.h"

static void on_listen(void *opaque, uint32_t events);

static void trace(const char *what)
{
	log_mask_rl(LOG_TRACE, "vigil-blkd: %s", what);
}

/* The front-end is gone (or was sent away): a clean device for the next. */
static void disconnect(struct server *s)
{
	blkd_disconnect(s->dev);
	event_loop_remove(&s->el, s->conn_fd);
	close(s->conn_fd);
	s->conn_fd = -1;
	if (event_loop_add(&s->el, s->listen_fd, EPOLLIN, on_listen, s) < 0)
		log_error("vigil-blkd: cannot watch the socket again");
	trace("front-end disconnected; device reset");
}

/* One message in, at most one reply out; false: end the connection. */
static bool serve_message(struct server *s)
{
	int r = vu_socket_recv(s->conn_fd, &s->msg);

	if (r < 0)
		guest_error("vigil-blkd: broken message framing, closing the "
			    "connection: %s",
			    strerror(-r));
	if (r <= 0)
		return false;
	r = blkd_handle_msg(s->dev, &s->msg, &s->reply);
	if (r < 0)
		return false;
	if (r > 0) {
		r = vu_socket_send(s->conn_fd, &s->reply);
		if (r < 0) {
			guest_error("vigil-blkd: cannot send a reply, closing "
				    "the connection: %s",
				    strerror(-r));
			return false;
		}
	}
	return true;
}

static void on_conn(void *opaque, uint32_t events)
{
	struct server *s = opaque;

	/* Read what is there first: a hang-up can follow a last message. */
	if (events & EPOLLIN) {
		if (!serve_message(s))
			disconnect(s);
		return;
	}
	if (events & (EPOLLHUP | EPOLLERR))
		disconnect(s);
}

static void on_listen(void *opaque, uint32_t events)
{
	struct server *s = opaque;
	int fd;

	(void)events;
	fd = vu_socket_accept(s->listen_fd);
	if (fd == -EAGAIN)
		return;
	if (fd < 0) {
		log_error("vigil-blkd: accept: %s", strerror(-fd));
		return;
	}
	if (event_loop_add(&s->el, fd, EPOLLIN, on_conn, s) < 0) {
		log_error("vigil-blkd: cannot watch a new connection");
		close(fd);
		return;
	}
	/* One front-end at a time: the next waits in the backlog. */
	event_loop_remove(&s->el, s->listen_fd);
	s->conn_fd = fd;
	trace("front-end connected");
}

static void on_kick(void *opaque, uint32_t events)
{
	struct server_kick *k = opaque;

	(void)events;
	if (blkd_on_kick(k->s->dev, k->queue) < 0)
		disconnect(k->s);
}

static int watch_add(void *opaque, int fd, unsigned int queue)
{
	struct server *s = opaque;

	if (queue >= BLKD_NUM_QUEUES)
		return -EINVAL;
	return event_loop_add(&s->el, fd, EPOLLIN, on_kick, &s->kicks[queue]);
}

static void on_timer(void *opaque, uint32_t events)
{
	struct server_kick *k = opaque;

	(void)events;
	blkd_on_timer(k->s->dev, k->queue);
}

static int watch_add_timer(void *opaque, int fd, unsigned int queue)
{
	struct server *s = opaque;

	if (queue >= BLKD_NUM_QUEUES)
		return -EINVAL;
	return event_loop_add(&s->el, fd, EPOLLIN, on_timer, &s->kicks[queue]);
}

static void watch_remove(void *opaque, int fd)
{
	struct server *s = opaque;

	event_loop_remove(&s->el, fd);
}

struct blkd_watch server_watch(struct server *s)
{
	return (struct blkd_watch){
		.add = watch_add,
		.remove = watch_remove,
		.add_timer = watch_add_timer,
		.opaque = s,
	};
}

int server_init(struct server *s, int listen_fd)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->listen_fd = listen_fd;
	s->conn_fd = -1;
	for (unsigned int i = 0; i < BLKD_NUM_QUEUES; i++)
		s->kicks[i] = (struct server_kick){ .s = s, .queue = i };
	r = event_loop_init(&s->el);
	if (r == 0)
		r = event_loop_add(&s->el, listen_fd, EPOLLIN, on_listen, s);
	if (r < 0)
		event_loop_destroy(&s->el);
	return r;
}

int server_run(struct server *s)
{
	for (;;) {
		/* A ring cut short by its budget: fds first, then the rest. */
		bool more = s->conn_fd >= 0 && blkd_has_more(s->dev);
		int r = event_loop_run_once(&s->el, more ? 0 : -1);

		if (r < 0)
			return r;
		if (more && s->conn_fd >= 0 && blkd_serve_more(s->dev) < 0)
			disconnect(s);
	}
}

void server_destroy(struct server *s)
{
	if (s->conn_fd >= 0) {
		blkd_disconnect(s->dev);
		close(s->conn_fd);
		s->conn_fd = -1;
	}
	event_loop_destroy(&s->el);
}
