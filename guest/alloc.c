// SPDX-License-Identifier: GPL-2.0-only
#include "alloc.h"
#include "string.h"

/* In its own section, outside .bss: see kernel.ld. */
static uint8_t arena[ARENA_SIZE]
	__attribute__((aligned(4096), section(".arena")));
static size_t used;

void *alloc(size_t size, size_t align)
{
	size_t start;

	if (align == 0 || (align & (align - 1)))
		return NULL;
	start = (used + align - 1) & ~(align - 1);
	if (start > ARENA_SIZE || size > ARENA_SIZE - start)
		return NULL;
	used = start + size;
	return memset(&arena[start], 0, size);
}

size_t alloc_mark(void)
{
	return used;
}

void alloc_release(size_t mark)
{
	if (mark <= used)
		used = mark;
}

size_t alloc_free_bytes(void)
{
	return ARENA_SIZE - used;
}
