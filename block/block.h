/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Block backends behind one small interface: a size, vectored read and write
 * at a byte offset, flush, and a read-only flag. Two backends:
 *   raw:     file=PATH[,readonly=on][,direct=on]    a file or block device
 *   null-co: driver=null-co,size=N[,read-zeroes=on|off][,latency-ns=N]
 * Callers (virtio-blk) have already checked offset/length against size;
 * backends check again, since they are shared by two transports.
 */
#ifndef VIGIL_BLOCK_H
#define VIGIL_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct block_backend;

struct block_ops {
	/* Return 0 when all bytes were transferred, negative errno otherwise. */
	int (*preadv)(struct block_backend *bb, const struct iovec *iov,
		      int iovcnt, uint64_t offset);
	int (*pwritev)(struct block_backend *bb, const struct iovec *iov,
		       int iovcnt, uint64_t offset);
	int (*flush)(struct block_backend *bb);
	void (*close)(struct block_backend *bb);
};

struct block_backend {
	const struct block_ops *ops;
	uint64_t size;  /* bytes */
	bool readonly;
	char desc[256]; /* the normalised spec, for logs and snapshots */
};

/*
 * Parse a --drive SPEC and open the backend. On failure returns negative
 * errno and writes a one-line reason naming the key and value into err
 * (e.g. "drive: unknown key 'sise'", "drive: file=x.img: No such file").
 */
int block_open(const char *spec, struct block_backend **out, char *err,
	       size_t errlen);
void block_close(struct block_backend *bb);

static inline int block_preadv(struct block_backend *bb,
			       const struct iovec *iov, int iovcnt,
			       uint64_t offset)
{
	return bb->ops->preadv(bb, iov, iovcnt, offset);
}

static inline int block_pwritev(struct block_backend *bb,
				const struct iovec *iov, int iovcnt,
				uint64_t offset)
{
	return bb->ops->pwritev(bb, iov, iovcnt, offset);
}

static inline int block_flush(struct block_backend *bb)
{
	return bb->ops->flush(bb);
}

#endif
