// SPDX-License-Identifier: GPL-2.0-only
#include "block/raw.h"

#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Through the page cache, a copy this large outweighs handing it to a
 * worker (two thread switches), and several then copy at once: measured
 * 1.43x the sequential 128 KiB reads. A 4 KiB request is faster done at
 * once, by half at queue depth 32 (docs/benchmarks.md).
 */
#define RAW_WORKER_MIN_BYTES (64u << 10)

/* Largest bounce buffer one direct=on request allocates at a time. */
#define RAW_BOUNCE_MAX (1u << 20)
/* Largest direct-I/O alignment we accept from the kernel. */
#define RAW_DIO_ALIGN_MAX (64u << 10)

struct raw {
	struct block_backend bb; /* first: bb and raw share an address */
	int fd;
	bool direct;
	uint32_t dio_mem_align; /* direct=on: buffer address alignment */
	uint32_t dio_align;	/* direct=on: offset and length alignment */
	/* direct=on: serialises read-modify-write of partial blocks */
	pthread_mutex_t rmw_lock;
};

static struct raw *to_raw(struct block_backend *bb)
{
	return (struct raw *)bb;
}

static void raw_zero_rest(const struct iovec *iov, int iovcnt, int idx,
			  size_t skip)
{
	for (; idx < iovcnt; idx++, skip = 0)
		memset((char *)iov[idx].iov_base + skip, 0,
		       iov[idx].iov_len - skip);
}

static ssize_t raw_xfer_once(int fd, const struct iovec *iov, int iovcnt,
			     size_t skip, off_t off, bool write)
{
	char *base = (char *)iov->iov_base + skip;
	size_t len = iov->iov_len - skip;

	/* Part of the first iovec is done: finish it alone, iov is const. */
	if (skip)
		return write ? pwrite(fd, base, len, off) :
			       pread(fd, base, len, off);
	if (iovcnt > IOV_MAX)
		iovcnt = IOV_MAX;
	return write ? pwritev(fd, iov, iovcnt, off) :
		       preadv(fd, iov, iovcnt, off);
}

/*
 * Transfer all of iov at off, looping over short transfers and EINTR. The
 * position in iov is (idx, skip): whole iovecs done, bytes done of the next.
 * A read that meets the end of the file (it shrank, or is sparse and short)
 * fills the rest with zeroes.
 */
static int raw_xfer(int fd, const struct iovec *iov, int iovcnt, uint64_t off,
		    bool write)
{
	int idx = 0;
	size_t skip = 0;

	while (idx < iovcnt) {
		ssize_t n;

		if (iov[idx].iov_len == skip) {
			idx++;
			skip = 0;
			continue;
		}
		n = raw_xfer_once(fd, iov + idx, iovcnt - idx, skip, (off_t)off,
				  write);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0 && write)
			return -EIO;
		if (n == 0) {
			raw_zero_rest(iov, iovcnt, idx, skip);
			return 0;
		}
		off += (uint64_t)n;
		/* idx < iovcnt: the kernel never returns more than asked. */
		for (size_t left = (size_t)n; left && idx < iovcnt;) {
			size_t take = iov[idx].iov_len - skip;

			take = take < left ? take : left;
			skip += take;
			left -= take;
			if (skip == iov[idx].iov_len) {
				idx++;
				skip = 0;
			}
		}
	}
	return 0;
}

static int raw_xfer_buf(int fd, void *buf, size_t len, uint64_t off, bool write)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return raw_xfer(fd, &iov, 1, off, write);
}

/* Copy len bytes between buf and iov, starting pos bytes into iov. */
static void iov_copy(const struct iovec *iov, int iovcnt, size_t pos, char *buf,
		     size_t len, bool to_iov)
{
	for (int i = 0; i < iovcnt && len; i++) {
		size_t n;
		char *p;

		if (pos >= iov[i].iov_len) {
			pos -= iov[i].iov_len;
			continue;
		}
		p = (char *)iov[i].iov_base + pos;
		n = iov[i].iov_len - pos;
		n = n < len ? n : len;
		if (to_iov)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		buf += n;
		len -= n;
		pos = 0;
	}
}

static bool raw_is_aligned(const struct raw *r, const struct iovec *iov,
			   int iovcnt, uint64_t off, size_t len)
{
	if (off % r->dio_align || len % r->dio_align)
		return false;
	for (int i = 0; i < iovcnt; i++)
		if ((uintptr_t)iov[i].iov_base % r->dio_mem_align ||
		    iov[i].iov_len % r->dio_align)
			return false;
	return true;
}

/*
 * One chunk [c, c + clen) of an unaligned direct request; the request's
 * bytes in it are [lo, hi), at position done in iov. A write that covers
 * only part of the chunk reads the chunk first (read-modify-write), under
 * rmw_lock so that two writes to different bytes of one block do not undo
 * each other.
 */
static int raw_bounce_chunk(struct raw *r, char *buf, uint64_t c, size_t clen,
			    uint64_t lo, uint64_t hi, const struct iovec *iov,
			    int iovcnt, size_t done, bool write)
{
	bool partial = lo != c || hi != c + clen;
	int ret;

	if (!write) {
		ret = raw_xfer_buf(r->fd, buf, clen, c, false);
		if (!ret)
			iov_copy(iov, iovcnt, done, buf + (lo - c), hi - lo,
				 true);
		return ret;
	}
	if (partial)
		pthread_mutex_lock(&r->rmw_lock);
	ret = partial ? raw_xfer_buf(r->fd, buf, clen, c, false) : 0;
	if (!ret) {
		iov_copy(iov, iovcnt, done, buf + (lo - c), hi - lo, false);
		ret = raw_xfer_buf(r->fd, buf, clen, c, true);
	}
	if (partial)
		pthread_mutex_unlock(&r->rmw_lock);
	return ret;
}

/*
 * The bounce buffer, len bytes aligned to align: from mmap, not malloc.
 * This runs on a drive's worker under the I/O allow-list, and glibc's
 * allocator on a thread new to it opens files (the arena count reads
 * /sys/devices/system/cpu/online, a heap trim /proc/sys/vm/overcommit_memory),
 * which no allow-list has: the process would die of SIGSYS. Pages are
 * aligned already; a larger alignment (up to RAW_DIO_ALIGN_MAX) maps
 * align more and starts inside. *base and *map_len are for munmap().
 */
static void *bounce_map(size_t len, size_t align, void **base, size_t *map_len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t extra = align > page ? align : 0;
	uintptr_t p;

	*map_len = len + extra;
	*base = mmap(NULL, *map_len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*base == MAP_FAILED)
		return NULL;
	p = ((uintptr_t)*base + extra) & ~(uintptr_t)(extra ? align - 1 : 0);
	return (void *)p;
}

/*
 * An O_DIRECT request the kernel would refuse (EINVAL) as it stands: move it
 * through an aligned buffer, RAW_BOUNCE_MAX bytes at a time, so callers need
 * not care about alignment. The drive size is a multiple of dio_align, so
 * the aligned range never passes the end of the drive.
 */
static int raw_rw_bounce(struct raw *r, const struct iovec *iov, int iovcnt,
			 uint64_t off, size_t len, bool write)
{
	uint64_t end = off + len;
	uint64_t a = off - off % r->dio_align;
	uint64_t b = end + (r->dio_align - end % r->dio_align) % r->dio_align;
	size_t bmax = b - a < RAW_BOUNCE_MAX ? (size_t)(b - a) : RAW_BOUNCE_MAX;
	size_t done = 0, map_len;
	void *buf, *base;
	int ret = 0;

	buf = bounce_map(bmax, r->dio_mem_align, &base, &map_len);
	if (!buf)
		return -ENOMEM;
	for (uint64_t c = a; c < b && !ret; c += bmax) {
		size_t clen = b - c < bmax ? (size_t)(b - c) : bmax;
		uint64_t lo = c > off ? c : off;
		uint64_t hi = c + clen < end ? c + clen : end;

		ret = raw_bounce_chunk(r, buf, c, clen, lo, hi, iov, iovcnt,
				       done, write);
		done += hi - lo;
	}
	munmap(base, map_len);
	return ret;
}

static int raw_rw(struct block_backend *bb, const struct iovec *iov, int iovcnt,
		  uint64_t offset, bool write)
{
	struct raw *r = to_raw(bb);
	size_t len;
	int ret = block_check_request(bb, iov, iovcnt, offset, &len);

	if (ret)
		return ret;
	if (write && bb->readonly)
		return -EROFS;
	if (len == 0)
		return 0;
	if (r->direct && !raw_is_aligned(r, iov, iovcnt, offset, len))
		return raw_rw_bounce(r, iov, iovcnt, offset, len, write);
	return raw_xfer(r->fd, iov, iovcnt, offset, write);
}

static int raw_preadv(struct block_backend *bb, const struct iovec *iov,
		      int iovcnt, uint64_t offset)
{
	return raw_rw(bb, iov, iovcnt, offset, false);
}

static int raw_pwritev(struct block_backend *bb, const struct iovec *iov,
		       int iovcnt, uint64_t offset)
{
	return raw_rw(bb, iov, iovcnt, offset, true);
}

static int raw_flush(struct block_backend *bb)
{
	int ret;

	do
		ret = fdatasync(to_raw(bb)->fd);
	while (ret && errno == EINTR);
	return ret ? -errno : 0;
}

static void raw_close(struct block_backend *bb)
{
	struct raw *r = to_raw(bb);

	close(r->fd);
	pthread_mutex_destroy(&r->rmw_lock);
	free(r);
}

static const struct block_ops raw_ops = {
	.preadv = raw_preadv,
	.pwritev = raw_pwritev,
	.flush = raw_flush,
	.close = raw_close,
};

static __attribute__((format(printf, 3, 4))) int
raw_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * Explain a failed open. A file we may not write to is the common case of
 * a forgotten readonly=on: say so when a read-only open would succeed.
 */
static int raw_open_error(const struct block_spec *s, int e, char *err,
			  size_t errlen)
{
	int fd;

	if (e == EINVAL && s->direct) {
		raw_error(err, errlen,
			  "drive: file=%s: direct=on: O_DIRECT not supported "
			  "by this file system",
			  s->file);
		return -e;
	}
	if (!s->readonly && (e == EACCES || e == EPERM || e == EROFS)) {
		fd = open(s->file,
			  O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd >= 0) {
			close(fd);
			raw_error(err, errlen,
				  "drive: file=%s: %s (use readonly=on for "
				  "read-only files)",
				  s->file, strerror(e));
			return -e;
		}
	}
	raw_error(err, errlen, "drive: file=%s: %s", s->file, strerror(e));
	return -e;
}

static int raw_size(int fd, const struct block_spec *s, const struct stat *st,
		    uint64_t *size, char *err, size_t errlen)
{
	if (S_ISREG(st->st_mode)) {
		*size = (uint64_t)st->st_size;
		return 0;
	}
	if (!S_ISBLK(st->st_mode))
		return raw_error(err, errlen,
				 "drive: file=%s: not a regular file or block "
				 "device",
				 s->file);
	if (ioctl(fd, BLKGETSIZE64, size))
		return raw_error(err, errlen,
				 "drive: file=%s: BLKGETSIZE64: %s", s->file,
				 strerror(errno));
	return 0;
}

static bool dio_align_ok(uint32_t a)
{
	return a && a <= RAW_DIO_ALIGN_MAX && !(a & (a - 1));
}

/*
 * The alignment O_DIRECT needs: the logical block size of a device; for a
 * file what statx reports, else the file's block size (a safe upper bound
 * on kernels that do not report it).
 */
static int raw_dio_align(struct raw *r, const struct block_spec *s,
			 const struct stat *st, char *err, size_t errlen)
{
	struct statx stx = { 0 };
	int lbs = 0;

	if (S_ISBLK(st->st_mode) && ioctl(r->fd, BLKSSZGET, &lbs) == 0 &&
	    lbs > 0) {
		r->dio_mem_align = r->dio_align = (uint32_t)lbs;
	} else if (!statx(r->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) &&
		   (stx.stx_mask & STATX_DIOALIGN)) {
		if (!stx.stx_dio_offset_align)
			return raw_error(err, errlen,
					 "drive: file=%s: direct=on: O_DIRECT "
					 "not supported for this file",
					 s->file);
		r->dio_mem_align = stx.stx_dio_mem_align;
		r->dio_align = stx.stx_dio_offset_align;
	} else {
		r->dio_mem_align = r->dio_align = (uint32_t)st->st_blksize;
	}
	/* The drive is made of 512-byte sectors. */
	if (r->dio_align < 512)
		r->dio_align = 512;
	if (r->dio_mem_align < sizeof(void *))
		r->dio_mem_align = sizeof(void *);
	if (!dio_align_ok(r->dio_align) || !dio_align_ok(r->dio_mem_align))
		return raw_error(err, errlen,
				 "drive: file=%s: direct=on: unsupported "
				 "alignment %u/%u",
				 s->file, r->dio_align, r->dio_mem_align);
	return 0;
}

/* Size, alignment and the round-down of a partial last sector. */
static int raw_setup(struct raw *r, const struct block_spec *s, char *err,
		     size_t errlen)
{
	uint32_t unit = 512;
	struct stat st;
	uint64_t size;

	if (fstat(r->fd, &st))
		return raw_error(err, errlen, "drive: file=%s: %s", s->file,
				 strerror(errno));
	if (raw_size(r->fd, s, &st, &size, err, errlen))
		return -EINVAL;
	if (r->direct && raw_dio_align(r, s, &st, err, errlen))
		return -EINVAL;
	if (r->direct)
		unit = r->dio_align;
	r->bb.size = size - size % unit;
	if (!r->bb.size)
		return raw_error(err, errlen,
				 "drive: file=%s: size %llu is less than one "
				 "%u-byte sector",
				 s->file, (unsigned long long)size, unit);
	if (size % unit)
		log_info("drive: file=%s: size %llu is not a multiple of %u; "
			 "the last %llu bytes are not used",
			 s->file, (unsigned long long)size, unit,
			 (unsigned long long)(size % unit));
	return 0;
}

static int raw_open_fd(const struct block_spec *s)
{
	/* O_NONBLOCK: opening a FIFO must fail later, not hang here. */
	int flags = (s->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK | (s->direct ? O_DIRECT : 0);
	int fd = open(s->file, flags);

	if (fd >= 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)) {
		close(fd);
		return -1;
	}
	return fd;
}

int raw_open(const struct block_spec *s, struct block_backend **out, char *err,
	     size_t errlen)
{
	struct raw *r = calloc(1, sizeof(*r));
	int fd;

	if (!r) {
		raw_error(err, errlen, "drive: file=%s: %s", s->file,
			  strerror(ENOMEM));
		return -ENOMEM;
	}
	fd = raw_open_fd(s);
	if (fd < 0) {
		int e = errno;

		free(r);
		return raw_open_error(s, e, err, errlen);
	}
	r->fd = fd;
	r->direct = s->direct;
	/*
	 * O_DIRECT always waits for the disk; through the page cache only a
	 * large copy is worth a worker (RAW_WORKER_MIN_BYTES).
	 */
	r->bb.worker_min_bytes = s->direct ? 0 : RAW_WORKER_MIN_BYTES;
	r->bb.ops = &raw_ops;
	r->bb.readonly = s->readonly;
	if (raw_setup(r, s, err, errlen)) {
		close(fd);
		free(r);
		return -EINVAL;
	}
	pthread_mutex_init(&r->rmw_lock, NULL);
	*out = &r->bb;
	return 0;
}
