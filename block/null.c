// SPDX-License-Identifier: GPL-2.0-only
#include "block/null.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/log.h"

struct null_co {
	struct block_backend bb; /* first: bb and null_co share an address */
	uint64_t latency_ns;
	bool read_zeroes;
};

static struct null_co *to_null_co(struct block_backend *bb)
{
	return (struct null_co *)bb;
}

/* Sleep the whole latency even when signals interrupt the sleep. */
static void null_co_delay(const struct null_co *nc)
{
	struct timespec ts = timespec_from_ns(nc->latency_ns);

	if (!nc->latency_ns)
		return;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int null_co_preadv(struct block_backend *bb, const struct iovec *iov,
			  int iovcnt, uint64_t offset)
{
	struct null_co *nc = to_null_co(bb);
	size_t len;
	int r = block_check_request(bb, iov, iovcnt, offset, &len);

	if (r)
		return r;
	null_co_delay(nc);
	if (nc->read_zeroes)
		for (int i = 0; i < iovcnt; i++)
			memset(iov[i].iov_base, 0, iov[i].iov_len);
	return 0;
}

static int null_co_pwritev(struct block_backend *bb, const struct iovec *iov,
			   int iovcnt, uint64_t offset)
{
	size_t len;
	int r = block_check_request(bb, iov, iovcnt, offset, &len);

	if (r)
		return r;
	if (bb->readonly)
		return -EROFS;
	null_co_delay(to_null_co(bb));
	return 0;
}

static int null_co_flush(struct block_backend *bb)
{
	null_co_delay(to_null_co(bb));
	return 0;
}

static void null_co_close(struct block_backend *bb)
{
	free(to_null_co(bb));
}

static const struct block_ops null_co_ops = {
	.preadv = null_co_preadv,
	.pwritev = null_co_pwritev,
	.flush = null_co_flush,
	.close = null_co_close,
};

int null_co_open(const struct block_spec *s, struct block_backend **out,
		 char *err, size_t errlen)
{
	struct null_co *nc = calloc(1, sizeof(*nc));

	if (!nc) {
		if (errlen)
			snprintf(err, errlen, "drive: driver=null-co: %s",
				 strerror(ENOMEM));
		return -ENOMEM;
	}
	nc->bb.ops = &null_co_ops;
	nc->bb.size = s->size;
	nc->bb.readonly = s->readonly;
	nc->latency_ns = s->latency_ns;
	nc->bb.worker_min_bytes = s->latency_ns ? 0 : BLOCK_NO_WORKERS;
	nc->read_zeroes = s->read_zeroes;
	if (!s->read_zeroes)
		log_info("drive: driver=null-co,size=%llu: read-zeroes=off: "
			 "reads return stale buffer contents (benchmarks only)",
			 (unsigned long long)s->size);
	*out = &nc->bb;
	return 0;
}
