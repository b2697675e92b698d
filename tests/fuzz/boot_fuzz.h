/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The common body of the kernel image fuzzers (fuzz_bzimage.c, fuzz_pvh.c).
 * The input is
 *
 *   [ram] [initrd] [cmdline length: 2 bytes LE] [cmdline] [image ...]
 *
 * ram picks low RAM of 1..16 MiB at gpa 0 (so the "does not fit" paths are
 * reached), initrd picks an initrd of 0..255 KiB, the command line is cut at
 * its first NUL. Besides not crashing (ASan/UBSan watch every copy), a load
 * must either succeed with an entry inside low RAM and boot_info at
 * BOOT_PARAMS_ADDR, or fail with a negative errno and a one-line message.
 */
#ifndef VIGIL_BOOT_FUZZ_H
#define VIGIL_BOOT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/layout.h"
#include "tests/support/fuzz.h"
#include "vmm/boot.h"

#define FUZZ_MIB (1024u * 1024u)
#define FUZZ_RAM_MAX (16 * FUZZ_MIB)
#define FUZZ_INITRD_MAX (255u * 1024u)
#define FUZZ_HDR_SIZE 4u

typedef int (*boot_loader_fn)(struct guest_mem *gm, const void *image,
			      size_t image_size, const struct boot_config *cfg,
			      struct boot_entry *entry, char *err,
			      size_t errlen);

static int fuzz_boot_run(const uint8_t *data, size_t size,
			 boot_loader_fn loader)
{
	static uint8_t *ram;
	static uint8_t initrd[FUZZ_INITRD_MAX];
	static char cmdline[65536];
	struct boot_config cfg = { .cmdline = cmdline, .rsdp_gpa = 0xe0000 };
	struct boot_entry entry;
	struct guest_mem gm;
	char err[256] = "";
	uint64_t low;
	size_t cmdline_len;
	int rc;

	if (!ram)
		ram = calloc(1, FUZZ_RAM_MAX);
	if (!ram || size < FUZZ_HDR_SIZE)
		return 0;
	low = (uint64_t)(data[0] % 16 + 1) * FUZZ_MIB;
	cfg.initrd = initrd;
	cfg.initrd_size = (size_t)data[1] * 1024;
	cfg.ram_size = low;
	cmdline_len = (size_t)data[2] | (size_t)data[3] << 8;
	data += FUZZ_HDR_SIZE;
	size -= FUZZ_HDR_SIZE;
	if (cmdline_len > size)
		cmdline_len = size;
	memcpy(cmdline, data, cmdline_len);
	cmdline[cmdline_len] = '\0';
	data += cmdline_len;
	size -= cmdline_len;

	gm_init(&gm);
	gm_add_region(&gm, 0, low, ram);
	rc = loader(&gm, data, size, &cfg, &entry, err, sizeof(err));
	if (rc == 0) {
		CHECK_INVARIANT(entry.boot_info == BOOT_PARAMS_ADDR);
		CHECK_INVARIANT(entry.entry >= KERNEL_LOAD_ADDR &&
				entry.entry < low);
	} else {
		CHECK_INVARIANT(rc < 0 && err[0] != '\0' && !strchr(err, '\n'));
	}
	return 0;
}

#endif
