/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the loader told us: which entry point it used, the command line and
 * where it says the ACPI RSDP is. Read once, at start-up, from the Linux
 * boot_params ("zero page") or the PVH hvm_start_info.
 */
#ifndef GUEST_BOOT_INFO_H
#define GUEST_BOOT_INFO_H

#include <stdint.h>

struct boot_info {
	unsigned int entry;	/* BOOT_ENTRY_* (boot.h) */
	const char *entry_name; /* for the log */
	uint64_t structure;	/* physical address of the boot structure */
	uint64_t rsdp;		/* 0: not given */
	const char *rsdp_source;
	const char *problem; /* why some of it was ignored, or NULL */
};

/* Fills @bi and parses the command line (cmdline.h). */
void boot_info_read(unsigned int entry, uint64_t structure,
		    struct boot_info *bi);

#endif
