// SPDX-License-Identifier: GPL-2.0-only
#include "migration/memory_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longest single write: bounds the time one call holds the disk. */
#define MEMORY_FILE_MAX_RUN (8u << 20)

static const uint8_t zero_page[MEMORY_FILE_PAGE];

static bool page_is_zero(const uint8_t *p)
{
	return !memcmp(p, zero_page, MEMORY_FILE_PAGE);
}

static int pwrite_all(int fd, const uint8_t *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write each run of non-zero pages; the file was sized (all holes) first. */
static int write_data_runs(int fd, const uint8_t *ram, uint64_t size,
			   uint64_t *data_bytes)
{
	uint64_t off = 0;

	*data_bytes = 0;
	while (off < size) {
		uint64_t start, end;
		int r;

		if (page_is_zero(ram + off)) {
			off += MEMORY_FILE_PAGE;
			continue;
		}
		start = off;
		end = off + MEMORY_FILE_PAGE;
		while (end < size && end - start < MEMORY_FILE_MAX_RUN &&
		       !page_is_zero(ram + end))
			end += MEMORY_FILE_PAGE;
		r = pwrite_all(fd, ram + start, end - start, start);
		if (r < 0)
			return r;
		*data_bytes += end - start;
		off = end;
	}
	return 0;
}

int memory_file_write(int dirfd, const char *name, const void *ram,
		      uint64_t size, uint64_t *data_bytes, char *err,
		      size_t errlen)
{
	int fd, r = 0;

	if (size % MEMORY_FILE_PAGE) {
		snprintf(err, errlen,
			 "%s: RAM size %llu is not a whole number "
			 "of pages",
			 name, (unsigned long long)size);
		return -EINVAL;
	}
	fd =
	    openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return r;
	}
	if (ftruncate(fd, (off_t)size) < 0)
		r = -errno;
	if (r == 0)
		r = write_data_runs(fd, ram, size, data_bytes);
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0)
		snprintf(err, errlen, "%s: %s", name, strerror(-r));
	return r;
}

int memory_file_open(const char *path, uint64_t size, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int r = -errno;

		snprintf(err, errlen, "memory file %s: %s", path,
			 strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "memory file %s: not a regular file",
			 path);
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size != size) {
		snprintf(err, errlen,
			 "memory file %s: %llu bytes, but the "
			 "snapshot's /machine/memory-size is %llu",
			 path, (unsigned long long)st.st_size,
			 (unsigned long long)size);
		close(fd);
		return -EINVAL;
	}
	return fd;
}
