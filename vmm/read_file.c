// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/read_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_fully(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

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

int read_file_whole(const char *what, const char *path, size_t max,
		    void **buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	void *data;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file", what, path);
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s %s: %lld bytes, larger than %zu",
			 what, path, (long long)st.st_size, max);
		close(fd);
		return -EFBIG;
	}
	data = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!data) {
		close(fd);
		snprintf(err, errlen, "%s %s: out of memory", what, path);
		return -ENOMEM;
	}
	r = read_fully(fd, data, (size_t)st.st_size);
	close(fd);
	if (r < 0) {
		free(data);
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(-r));
		return r;
	}
	*buf = data;
	*len = (size_t)st.st_size;
	return 0;
}
