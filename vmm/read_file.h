/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VIGIL_READ_FILE_H
#define VIGIL_READ_FILE_H

#include <stddef.h>

/*
 * Read a whole regular file of at most max bytes into a new buffer.
 * Returns 0 or negative errno with a reason naming the file in err.
 */
int read_file_whole(const char *what, const char *path, size_t max,
		    void **buf, size_t *len, char *err, size_t errlen);

#endif
