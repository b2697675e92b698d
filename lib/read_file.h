/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VIGIL_READ_FILE_H
#define VIGIL_READ_FILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Read a whole regular file of at most max bytes into a new buffer.
 * Returns 0 or negative errno with a reason naming the file in err.
 */
int read_file_whole(const char *what, const char *path, size_t max, void **buf,
		    size_t *len, char *err, size_t errlen);

/*
 * Read exactly len bytes at off. Returns 0, -EIO when the file ends first,
 * or negative errno.
 */
int pread_fully(int fd, void *buf, size_t len, uint64_t off);
/* Write all len bytes at off. Returns 0 or negative errno. */
int pwrite_fully(int fd, const void *buf, size_t len, uint64_t off);

/* The same as read_file_whole() for an open fd; name is the file's name in messages. */
int read_fd_whole(const char *what, const char *name, int fd, size_t max,
		  void **buf, size_t *len, char *err, size_t errlen);

#endif
