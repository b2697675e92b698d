/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The raw backend: a regular file or a block device, read and written in
 * place with positional vectored I/O (no shared file offset, so requests
 * from several threads may run at once). flush is fdatasync. With
 * direct=on the file is opened O_DIRECT and any request that is not
 * aligned for it goes through an aligned bounce buffer.
 */
#ifndef VIGIL_BLOCK_RAW_H
#define VIGIL_BLOCK_RAW_H

#include "block/block.h"

/* Called by block_open with a parsed spec; fills everything but desc. */
int raw_open(const struct block_spec *s, struct block_backend **out, char *err,
	     size_t errlen);

#endif
