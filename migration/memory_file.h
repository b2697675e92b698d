/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The snapshot memory file: guest RAM as one flat image, byte i of the
 * file being byte i of vigil's RAM mapping (low RAM, then the part above
 * the MMIO hole). Pages of zeroes are holes: the file is sparse, and a
 * restore reads only the data.
 */
#ifndef VIGIL_MIGRATION_MEMORY_FILE_H
#define VIGIL_MIGRATION_MEMORY_FILE_H

#include <stddef.h>
#include <stdint.h>

#define MEMORY_FILE_PAGE 4096u

/*
 * /proc/self/pagemap, opened before the sandbox closes paths, for
 * memory_file_write(); -1 where it cannot be read (every page is read).
 */
int memory_file_pagemap_open(void);

/*
 * Write size bytes of RAM (a multiple of MEMORY_FILE_PAGE; private
 * anonymous memory) to fd, an empty file open for writing (called name in
 * messages), skipping pages of zeroes, and flush it to disk. With
 * pagemap_fd (memory_file_pagemap_open(), or -1), pages never written
 * are skipped without being read. *data_bytes gets the bytes actually
 * written. Returns 0 or negative errno with a reason in err.
 */
int memory_file_write(int fd, const char *name, const void *ram, uint64_t size,
		      int pagemap_fd, uint64_t *data_bytes, char *err,
		      size_t errlen);

/*
 * Check that fd, the snapshot's memory file (called name in messages), is
 * exactly size bytes. Returns 0, or negative errno with a reason in err.
 */
int memory_file_check(int fd, const char *name, uint64_t size, char *err,
		      size_t errlen);

/*
 * Copy the memory file into size bytes of zeroed RAM, reading only its
 * data (SEEK_DATA/SEEK_HOLE): a sparse file costs what it holds. The RAM
 * is then vigil's own, so nothing done to the file later (truncation, a
 * rewrite) reaches the guest or faults vigil. Returns 0 or negative errno
 * with a reason in err.
 */
int memory_file_load(int fd, const char *name, void *ram, uint64_t size,
		     char *err, size_t errlen);

#endif
