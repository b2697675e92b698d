/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every fuzz target shares: libFuzzer's entry point, and the check of
 * an invariant, which traps so the fuzzer keeps the input that broke it.
 */
#ifndef VIGIL_TESTS_FUZZ_H
#define VIGIL_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#define CHECK_INVARIANT(cond)             \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
