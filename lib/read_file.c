// SPDX-License-Identifier: GPL-2.0-only
#include "lib/read_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pread_fully(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank under us */
		done += (size_t)n;
	}
	return 0;
}

int pwrite_fully(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

int read_fd_whole(const char *what, const char *name, int fd, size_t max,
		  void **buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	void *data;
	int r;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file", what, name);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s %s: %lld bytes, larger than %zu",
			 what, name, (long long)st.st_size, max);
		return -EFBIG;
	}
	data = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!data) {
		snprintf(err, errlen, "%s %s: out of memory", what, name);
		return -ENOMEM;
	}
	r = pread_fully(fd, data, (size_t)st.st_size, 0);
	if (r < 0) {
		free(data);
		snprintf(err, errlen, "%s %s: %s", what, name, strerror(-r));
		return r;
	}
	*buf = data;
	*len = (size_t)st.st_size;
	return 0;
}

int read_file_whole(const char *what, const char *path, size_t max, void **buf,
		    size_t *len, char *err, size_t errlen)
{
	/* O_NONBLOCK: a FIFO must be refused below, not hang the open. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int r;

	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return r;
	}
	r = read_fd_whole(what, path, fd, max, buf, len, err, errlen);
	close(fd);
	return r;
}
