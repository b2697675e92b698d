/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bump allocator for ring memory and buffers that devices read by
 * physical address (identity mapped, so pointer == physical address).
 * Nothing is freed one by one: the test runner releases everything a test
 * allocated when the test ends (alloc_mark/alloc_release).
 */
#ifndef GUEST_ALLOC_H
#define GUEST_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#define ARENA_SIZE (8u << 20)

/* Zeroed memory aligned to @align (a power of two), or NULL. */
void *alloc(size_t size, size_t align);
size_t alloc_mark(void);
void alloc_release(size_t mark);
size_t alloc_free_bytes(void);

#endif
