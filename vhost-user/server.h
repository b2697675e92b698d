/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigil-blkd's event loop: one front-end at a time on the listening
 * socket. While a front-end is connected the listening socket is not
 * watched (a second one waits in the backlog); its messages go to
 * blkd_handle_msg(), its kicks to blkd_on_kick(). When it disconnects, or
 * breaks the protocol, the device is reset (blkd_disconnect()) and the next
 * front-end is accepted.
 */
#ifndef VIGIL_SERVER_H
#define VIGIL_SERVER_H

#include "lib/event_loop.h"
#include "vhost-user/blkd.h"
#include "vhost-user/vhost_user.h"

struct server;

struct server_kick {
	struct server *s;
	unsigned int queue;
};

struct server {
	struct event_loop el;
	int listen_fd; /* not owned */
	int conn_fd;   /* -1: waiting for a front-end */
	struct blkd *dev;
	struct server_kick kicks[BLKD_NUM_QUEUES];
	struct vu_msg msg, reply;
};

/* Set up the loop on listen_fd. 0 or -errno. */
int server_init(struct server *s, int listen_fd);

/* The kick-fd watch for blkd_create(): it adds kick fds to this loop. */
struct blkd_watch server_watch(struct server *s);

/* Serve s->dev until the loop fails; returns that negative errno. */
int server_run(struct server *s);

/* Drop the connection (if any) and the loop. */
void server_destroy(struct server *s);

#endif
