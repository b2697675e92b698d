// SPDX-License-Identifier: GPL-2.0-only
#include "block/pool.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/thread.h"

void block_req_execute(struct block_backend *bb, struct block_req *req)
{
	switch (req->op) {
	case BLOCK_OP_READ:
		req->result =
			block_preadv(bb, req->iov, req->iovcnt, req->offset);
		break;
	case BLOCK_OP_WRITE:
		req->result =
			block_pwritev(bb, req->iov, req->iovcnt, req->offset);
		break;
	case BLOCK_OP_FLUSH:
		req->result = block_flush(bb);
		break;
	default:
		req->result = -EINVAL;
	}
}

/* With p->lock held. */
static void push_done_locked(struct block_pool *p, struct block_req *req)
{
	req->next = p->done;
	p->done = req;
}

static void signal_done(struct block_pool *p)
{
	uint64_t one = 1;

	if (write(p->done_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_error("drive %s: pool eventfd: %s", p->bb->desc,
			  strerror(errno));
}

/* With p->lock held: the next queued request, or NULL. */
static struct block_req *take_todo_locked(struct block_pool *p)
{
	struct block_req *req = p->todo;

	if (req) {
		p->todo = req->next;
		if (!p->todo)
			p->todo_tail = &p->todo;
	}
	return req;
}

/*
 * A worker that cannot enter its sandbox serves nothing. When none is left
 * to serve, what is queued fails and later requests run on the
 * submitter's thread: no caller waits for a worker that will never come.
 */
static void *block_pool_worker_lost(struct block_pool *p)
{
	struct block_req *req;

	pthread_mutex_lock(&p->lock);
	if (--p->nr_live == 0) {
		while ((req = take_todo_locked(p))) {
			req->result = -EIO;
			push_done_locked(p, req);
		}
		pthread_cond_broadcast(&p->idle);
		signal_done(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void *block_pool_worker(void *arg)
{
	struct block_pool *p = arg;
	struct block_req *req;

	if (p->on_start && p->on_start(p->on_start_opaque) < 0)
		return block_pool_worker_lost(p);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && !p->todo)
			pthread_cond_wait(&p->work, &p->lock);
		req = take_todo_locked(p);
		if (!req)
			break; /* stopping, nothing left */
		p->nr_running++;
		pthread_mutex_unlock(&p->lock);
		block_req_execute(p->bb, req);
		pthread_mutex_lock(&p->lock);
		p->nr_running--;
		push_done_locked(p, req);
		pthread_cond_broadcast(&p->idle);
		/* Outside the lock: a reaper that beat it gets a spare pass. */
		pthread_mutex_unlock(&p->lock);
		signal_done(p);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int block_pool_init(struct block_pool *p, struct block_backend *bb)
{
	memset(p, 0, sizeof(*p));
	p->bb = bb;
	p->todo_tail = &p->todo;
	p->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->done_fd < 0)
		return -errno;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	return 0;
}

int block_pool_start(struct block_pool *p, int (*on_start)(void *opaque),
		     void *opaque)
{
	p->on_start = on_start;
	p->on_start_opaque = opaque;
	while (p->nr_threads < BLOCK_POOL_WORKERS) {
		int r;

		pthread_mutex_lock(&p->lock);
		p->nr_live++;
		pthread_mutex_unlock(&p->lock);
		r = thread_start(&p->threads[p->nr_threads], block_pool_worker,
				 p);
		if (r < 0) {
			pthread_mutex_lock(&p->lock);
			p->nr_live--;
			pthread_mutex_unlock(&p->lock);
			return r;
		}
		p->nr_threads++;
	}
	return 0;
}

void block_pool_destroy(struct block_pool *p)
{
	block_pool_drain(p, true);
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 0; i < p->nr_threads; i++)
		pthread_join(p->threads[i], NULL);
	p->nr_threads = 0;
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	close(p->done_fd);
	p->done_fd = -1;
}

int block_pool_fd(const struct block_pool *p)
{
	return p->done_fd;
}

void block_pool_submit(struct block_pool *p, struct block_req *req)
{
	req->next = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->nr_live == 0) {
		/* No worker to wait for: run it here, complete it the same way. */
		pthread_mutex_unlock(&p->lock);
		block_req_execute(p->bb, req);
		pthread_mutex_lock(&p->lock);
		push_done_locked(p, req);
		signal_done(p);
	} else {
		*p->todo_tail = req;
		p->todo_tail = &req->next;
		pthread_cond_signal(&p->work);
	}
	pthread_mutex_unlock(&p->lock);
}

void block_pool_ack(struct block_pool *p)
{
	uint64_t count;

	if (read(p->done_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_error("drive %s: pool eventfd: %s", p->bb->desc,
			  strerror(errno));
}

struct block_req *block_pool_take_done(struct block_pool *p)
{
	struct block_req *done = NULL, *list;

	pthread_mutex_lock(&p->lock);
	list = p->done;
	p->done = NULL;
	pthread_mutex_unlock(&p->lock);
	/* The list is latest first: complete in the order they finished. */
	while (list) {
		struct block_req *next = list->next;

		list->next = done;
		done = list;
		list = next;
	}
	return done;
}

void block_pool_drain(struct block_pool *p, bool cancel)
{
	struct block_req *req;

	pthread_mutex_lock(&p->lock);
	while (cancel && (req = take_todo_locked(p))) {
		req->result = -ECANCELED;
		push_done_locked(p, req);
	}
	while ((p->todo && p->nr_live) || p->nr_running)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}
