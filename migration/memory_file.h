/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The snapshot memory file: guest RAM as one flat image, byte i of the
 * file being byte i of vigil's RAM mapping (low RAM, then the part above
 * the MMIO hole), so a restore maps it instead of reading it. Pages of
 * zeroes are holes: the file is sparse.
 */
#ifndef VIGIL_MIGRATION_MEMORY_FILE_H
#define VIGIL_MIGRATION_MEMORY_FILE_H

#include <stddef.h>
#include <stdint.h>

#define MEMORY_FILE_PAGE 4096u

/*
 * Write size bytes of RAM (a multiple of MEMORY_FILE_PAGE) to a new file
 * name in dirfd, mode 0600, skipping pages of zeroes, and flush it to
 * disk. *data_bytes gets the bytes actually written. Returns 0 or negative
 * errno with a reason in err.
 */
int memory_file_write(int dirfd, const char *name, const void *ram,
		      uint64_t size, uint64_t *data_bytes, char *err,
		      size_t errlen);

/*
 * Open path read-only and check it is a regular file of exactly size
 * bytes. Returns the fd, or negative errno with a reason in err.
 */
int memory_file_open(const char *path, uint64_t size, char *err, size_t errlen);

#endif
