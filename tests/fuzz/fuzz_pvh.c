// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the ELF/PVH loader with crafted ELF32/ELF64 kernels, command lines
 * and initrd sizes; see boot_fuzz.h for the input layout.
 */
#include "tests/fuzz/boot_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_boot_run(data, size, boot_load_pvh);
}
