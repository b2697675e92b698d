/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every fuzz target shares: libFuzzer's entry point, and the check of
 * an invariant, which traps so the fuzzer keeps the input that broke it.
 */
#ifndef VIGIL_TESTS_FUZZ_H
#define VIGIL_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CHECK_INVARIANT(cond)             \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A virtqueue target's guest RAM from its input: a 16-bit little-endian
 * length, then that many bytes (fewer if the input ends), copied to the
 * start of ram (zeroed, ram_size bytes). *data and *size move past them.
 */
static inline void fuzz_take_ram(const uint8_t **data, size_t *size,
				 uint8_t *ram, size_t ram_size)
{
	size_t len = 0, head = *size < 2 ? *size : 2;

	if (head == 2)
		len = (size_t)((*data)[0] | (*data)[1] << 8);
	*data += head, *size -= head;
	if (len > *size)
		len = *size;
	memset(ram, 0, ram_size);
	memcpy(ram, *data, len < ram_size ? len : ram_size);
	*data += len, *size -= len;
}

#endif
