/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Worker threads that run one backend's requests, so a device can keep
 * several in flight while the backend sleeps (latency-ns, O_DIRECT on a
 * slow disk). The device submits a struct block_req it owns; a worker runs
 * it (block_preadv/pwritev/flush: backends are thread-safe) and puts it on
 * the done list, then writes the pool's eventfd; the device's thread takes
 * the done list (block_pool_take_done) and completes the requests, in the
 * order they finished.
 *
 * Threads rather than io_uring: seccomp sees each worker's preadv and
 * pwritev and can hold them to the I/O thread's allow-list, while an
 * io_uring submission carries its operation past the filter. Threads
 * rather than Linux AIO: null-co's latency is a sleep, not a file.
 *
 * Locking: one mutex per pool guards its lists; the workers never take a
 * device's lock, so a device may wait for its requests (block_pool_drain)
 * while holding its own.
 */
#ifndef VIGIL_BLOCK_POOL_H
#define VIGIL_BLOCK_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "block/block.h"

/* Workers per pool: requests the backend sees at once. */
#define BLOCK_POOL_WORKERS 16u

enum block_op {
	BLOCK_OP_READ,
	BLOCK_OP_WRITE,
	BLOCK_OP_FLUSH,
};

/* One request, owned by the device from submit to take_done. */
struct block_req {
	struct block_req *next; /* the pool's lists */
	enum block_op op;
	const struct iovec *iov; /* READ, WRITE */
	int iovcnt;
	uint64_t offset;
	int result; /* the worker's: 0 or a negative errno */
};

struct block_pool {
	struct block_backend *bb; /* not owned */
	pthread_mutex_t lock;
	pthread_cond_t work; /* todo gained a request, or stop */
	pthread_cond_t idle; /* a worker finished a request */
	struct block_req *todo, **todo_tail;
	struct block_req *done;
	unsigned int nr_running; /* taken from todo, not yet done */
	unsigned int nr_live;	 /* workers started and not lost */
	bool stop;
	int done_fd; /* eventfd: written after each request is done */
	/* Run by each worker before its first request (its allow-list). */
	int (*on_start)(void *opaque);
	void *on_start_opaque;
	pthread_t threads[BLOCK_POOL_WORKERS];
	unsigned int nr_threads;
};

/*
 * Set up p for bb without starting a thread: 0 or a negative errno (the
 * eventfd). block_pool_fd(p) is readable from here on.
 */
int block_pool_init(struct block_pool *p, struct block_backend *bb);
/*
 * Start the workers; each calls on_start(opaque) first and serves nothing
 * when it fails. 0 or a negative errno (the threads started stay).
 */
int block_pool_start(struct block_pool *p, int (*on_start)(void *opaque),
		     void *opaque);
/* Cancel what no worker has taken, wait for the rest, join the workers. */
void block_pool_destroy(struct block_pool *p);

/* The eventfd the device's thread watches for completions. */
int block_pool_fd(const struct block_pool *p);
/*
 * Queue req for a worker; with none running (not started, or none could
 * enter its sandbox), run it at once on the calling thread.
 */
void block_pool_submit(struct block_pool *p, struct block_req *req);
/*
 * Clear the eventfd, on the thread that watches it, before taking the
 * done list: a request that finishes after the clear writes it again, so
 * none is missed. (Other threads take the list without it: a vCPU
 * draining at reset has no read() on its allow-list.)
 */
void block_pool_ack(struct block_pool *p);
/* Take every done request: a list through next, in the order they ended. */
struct block_req *block_pool_take_done(struct block_pool *p);
/*
 * Wait until no request is queued or running; queued ones first go to
 * the done list with -ECANCELED when cancel is set. The done list is left
 * for block_pool_take_done.
 */
void block_pool_drain(struct block_pool *p, bool cancel);

/* Run req on bb in the calling thread; sets req->result. */
void block_req_execute(struct block_backend *bb, struct block_req *req);

#endif
