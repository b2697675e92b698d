// SPDX-License-Identifier: GPL-2.0-only
#include "migration/memory_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/read_file.h"

/* Longest single write: bounds the time one call holds the disk. */
#define MEMORY_FILE_MAX_RUN (8u << 20)

/* /proc/self/pagemap: one 64-bit entry per page of our address space. */
#define PAGEMAP_PRESENT (1ull << 63)
#define PAGEMAP_SWAPPED (1ull << 62)
#define PAGEMAP_BATCH 512u /* entries read at once: 2 MiB of RAM */

static const uint8_t zero_page[MEMORY_FILE_PAGE];

/*
 * Which pages of RAM to read. RAM is private anonymous memory: a page the
 * guest never wrote is neither present nor swapped, and is zero. Reading
 * it to find that out would map the zero page there, one fault a page, and
 * make a save's time grow with the guest's RAM instead of what it used.
 */
struct ram_scan {
	const uint8_t *ram;
	int pagemap_fd; /* -1: read every page */
	uint64_t first; /* offset of the page pm[0] describes */
	unsigned int count;
	uint64_t pm[PAGEMAP_BATCH];
};

/* The pagemap entries from off; false (and every page read) on error. */
static bool pagemap_refill(struct ram_scan *s, uint64_t off, uint64_t size)
{
	uint64_t pages = (size - off) / MEMORY_FILE_PAGE;
	uint64_t vpage = ((uintptr_t)s->ram + off) / MEMORY_FILE_PAGE;
	ssize_t n;

	s->count = pages < PAGEMAP_BATCH ? (unsigned int)pages : PAGEMAP_BATCH;
	n = pread(s->pagemap_fd, s->pm, s->count * sizeof(s->pm[0]),
		  (off_t)(vpage * sizeof(s->pm[0])));
	if (n != (ssize_t)(s->count * sizeof(s->pm[0]))) {
		s->pagemap_fd = -1;
		return false;
	}
	s->first = off;
	return true;
}

static bool page_has_data(struct ram_scan *s, uint64_t off, uint64_t size)
{
	bool known = off >= s->first &&
		     off - s->first < (uint64_t)s->count * MEMORY_FILE_PAGE;

	if (s->pagemap_fd >= 0 && !known)
		known = pagemap_refill(s, off, size);
	/* Never written, nor swapped out: zero, and left unread. */
	if (known && !(s->pm[(off - s->first) / MEMORY_FILE_PAGE] &
		       (PAGEMAP_PRESENT | PAGEMAP_SWAPPED)))
		return false;
	return memcmp(s->ram + off, zero_page, MEMORY_FILE_PAGE) != 0;
}

/* Write each run of non-zero pages; the file was sized (all holes) first. */
static int write_data_runs(int fd, struct ram_scan *s, uint64_t size,
			   uint64_t *data_bytes)
{
	uint64_t off = 0;

	*data_bytes = 0;
	while (off < size) {
		uint64_t start, end;
		int r;

		if (!page_has_data(s, off, size)) {
			off += MEMORY_FILE_PAGE;
			continue;
		}
		start = off;
		end = off + MEMORY_FILE_PAGE;
		while (end < size && end - start < MEMORY_FILE_MAX_RUN &&
		       page_has_data(s, end, size))
			end += MEMORY_FILE_PAGE;
		r = pwrite_fully(fd, s->ram + start, end - start, start);
		if (r < 0)
			return r;
		*data_bytes += end - start;
		off = end;
	}
	return 0;
}

int memory_file_pagemap_open(void)
{
	/* The scan's entries are per MEMORY_FILE_PAGE: only where pages are. */
	if (sysconf(_SC_PAGESIZE) != MEMORY_FILE_PAGE)
		return -1;
	return open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
}

int memory_file_write(int fd, const char *name, const void *ram, uint64_t size,
		      int pagemap_fd, uint64_t *data_bytes, char *err,
		      size_t errlen)
{
	struct ram_scan scan = { .ram = ram, .pagemap_fd = pagemap_fd };
	int r = 0;

	if (size % MEMORY_FILE_PAGE) {
		snprintf(err, errlen,
			 "%s: RAM size %llu is not a whole number "
			 "of pages",
			 name, (unsigned long long)size);
		return -EINVAL;
	}
	if (ftruncate(fd, (off_t)size) < 0)
		r = -errno;
	if (r == 0)
		r = write_data_runs(fd, &scan, size, data_bytes);
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	if (r < 0)
		snprintf(err, errlen, "%s: %s", name, strerror(-r));
	return r;
}

int memory_file_check(int fd, const char *name, uint64_t size, char *err,
		      size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -errno;
	}
	if ((uint64_t)st.st_size != size) {
		snprintf(err, errlen,
			 "%s: %llu bytes, but the snapshot's "
			 "/machine/memory-size is %llu",
			 name, (unsigned long long)st.st_size,
			 (unsigned long long)size);
		return -EINVAL;
	}
	return 0;
}

/*
 * The next run of data at or after off: [*start, *end). Returns 1, 0 when
 * only a hole is left, or negative errno.
 */
static int next_data_run(int fd, uint64_t off, uint64_t size, uint64_t *start,
			 uint64_t *end)
{
	off_t data = lseek(fd, (off_t)off, SEEK_DATA);
	off_t hole;

	if (data < 0)
		return errno == ENXIO ? 0 : -errno;
	if ((uint64_t)data >= size)
		return 0;
	hole = lseek(fd, data, SEEK_HOLE);
	if (hole < 0)
		return -errno;
	*start = (uint64_t)data;
	*end = (uint64_t)hole > size ? size : (uint64_t)hole;
	return 1;
}

/* [start, end) of the file into the same bytes of RAM, a bounded run at once.
 */
static int read_run(int fd, uint8_t *ram, uint64_t start, uint64_t end)
{
	while (start < end) {
		uint64_t n = end - start;
		int r;

		if (n > MEMORY_FILE_MAX_RUN)
			n = MEMORY_FILE_MAX_RUN;
		r = pread_fully(fd, ram + start, n, start);
		if (r < 0)
			return r;
		start += n;
	}
	return 0;
}

int memory_file_load(int fd, const char *name, void *ram, uint64_t size,
		     char *err, size_t errlen)
{
	uint64_t off = 0, start = 0, end = 0;
	int r = 0;

	/* Holes are zero pages: fresh anonymous RAM is zero already. */
	while (off < size) {
		r = next_data_run(fd, off, size, &start, &end);
		if (r <= 0)
			break;
		r = read_run(fd, ram, start, end);
		if (r < 0)
			break;
		off = end;
	}
	if (r < 0)
		snprintf(err, errlen, "%s: offset %llu: %s", name,
			 (unsigned long long)start, strerror(-r));
	return r < 0 ? r : 0;
}
