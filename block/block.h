/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Block backends behind one small interface: a size, vectored read and write
 * at a byte offset, flush, and a read-only flag. Two backends:
 *   raw:     file=PATH[,readonly=on][,direct=on]    a file or block device
 *   null-co: driver=null-co,size=N[,read-zeroes=on|off][,latency-ns=N]
 * Callers (virtio-blk) have already checked offset/length against size;
 * backends check again, since they are shared by two transports.
 *
 * --drive SPEC grammar: comma-separated key=value options, each key at most
 * once, no empty values. As in QEMU, ",," inside a value stands for one
 * literal comma (file=a,,b.img opens "a,b.img"). Keys:
 *   driver       raw | null-co; default raw
 *   file         (raw, required) path of a regular file or block device
 *   readonly     on | off (default off); writes then fail with -EROFS
 *   direct       (raw) on | off (default off): open with O_DIRECT. Callers
 *                need not align anything: unaligned buffers, lengths or
 *                offsets go through an aligned bounce buffer.
 *   size         (null-co, required) bytes, decimal, optional binary suffix
 *                K, M, G or T (either case); > 0, a multiple of 512, < 2^63
 *   read-zeroes  (null-co) on | off (default on). off leaves read buffers
 *                untouched, which exposes stale guest memory: benchmarks only,
 *                and logged when opened.
 *   latency-ns   (null-co) sleep this long in every request, <= 10 s
 *
 * The size of a raw drive is the file's (or device's) size rounded down to
 * a multiple of 512 bytes (with direct=on, of the direct-I/O alignment); the
 * rounding is logged. A drive that rounds to 0 bytes is refused. Reads of
 * bytes the file no longer has (it shrank under us) return zeroes.
 *
 * Backends are thread-safe: block_preadv/pwritev/flush may be called
 * concurrently from several threads on one backend.
 */
#ifndef VIGIL_BLOCK_H
#define VIGIL_BLOCK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * Room for the longest normalised spec: a file name of PATH_MAX - 1 bytes,
 * every one a comma (written ",,"), plus the other keys.
 */
#define BLOCK_DESC_MAX (2 * PATH_MAX + 128)

/* block_backend.worker_min_bytes of a backend that needs no workers. */
#define BLOCK_NO_WORKERS UINT64_MAX

/* Upper bound of latency-ns=: 10 s. */
#define BLOCK_LATENCY_NS_MAX 10000000000ull

struct block_backend;

struct block_ops {
	/* Return 0 when all bytes were transferred, negative errno otherwise.
	 */
	int (*preadv)(struct block_backend *bb, const struct iovec *iov,
		      int iovcnt, uint64_t offset);
	int (*pwritev)(struct block_backend *bb, const struct iovec *iov,
		       int iovcnt, uint64_t offset);
	int (*flush)(struct block_backend *bb);
	void (*close)(struct block_backend *bb);
};

struct block_backend {
	const struct block_ops *ops;
	uint64_t size; /* bytes, a multiple of 512 */
	bool readonly;
	/*
	 * Which requests a device hands to worker threads (block/pool.h),
	 * keeping several in flight, rather than run on its own thread:
	 * flushes, and transfers of at least this many bytes. 0: every one
	 * (a backend that sleeps: null-co's latency-ns, a disk under
	 * direct=on); BLOCK_NO_WORKERS: none (null-co without latency, whose
	 * requests are at most a memset).
	 */
	uint64_t worker_min_bytes;
	/*
	 * The normalised spec: every key of the driver with its effective
	 * value, the file as an absolute path, e.g.
	 * "driver=null-co,size=1073741824,read-zeroes=on,latency-ns=0,readonly=off".
	 * block_open(desc) reopens the same drive (snapshots rely on this).
	 */
	char desc[BLOCK_DESC_MAX];
};

enum block_driver {
	BLOCK_DRIVER_RAW,
	BLOCK_DRIVER_NULL_CO,
};

/* A parsed --drive SPEC, with defaults filled in. */
struct block_spec {
	enum block_driver driver;
	char file[PATH_MAX]; /* raw */
	uint64_t size;	     /* null-co */
	uint64_t latency_ns; /* null-co */
	bool readonly;
	bool direct;	  /* raw */
	bool read_zeroes; /* null-co */
};

/*
 * Parse a --drive SPEC without opening anything. Returns 0, or -EINVAL and
 * a one-line reason naming the key and value in err (errlen may be 0).
 */
int block_spec_parse(const char *spec, struct block_spec *out, char *err,
		     size_t errlen);
/*
 * Write the normalised form of s into buf (see block_backend.desc).
 * Returns 0, or -ENAMETOOLONG when it does not fit.
 */
int block_spec_format(const struct block_spec *s, char *buf, size_t len);

/*
 * Parse a --drive SPEC and open the backend. On failure returns negative
 * errno, sets *out to NULL and writes a one-line reason naming the key and
 * value into err (e.g. "drive: unknown key 'sise'",
 * "drive: file=x.img: No such file or directory").
 */
int block_open(const char *spec, struct block_backend **out, char *err,
	       size_t errlen);
/* Close the backend and free everything it holds. NULL is a no-op. */
void block_close(struct block_backend *bb);

/*
 * For backends: check a request against the drive. Returns 0 and the total
 * length in *len when iovcnt >= 0, the lengths do not overflow and
 * [offset, offset + len) lies inside the drive; -EINVAL otherwise.
 */
int block_check_request(const struct block_backend *bb, const struct iovec *iov,
			int iovcnt, uint64_t offset, size_t *len);

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
