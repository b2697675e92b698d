// SPDX-License-Identifier: GPL-2.0-only
/*
 * boot_params: Linux Documentation/arch/x86/zero-page.rst and boot.rst
 * (cmd_line_ptr, ext_cmd_line_ptr, acpi_rsdp_addr from protocol 2.14).
 * hvm_start_info: Xen public/arch-x86/hvm/start_info.h (rsdp_paddr is part
 * of version 0; memmap fields come with version 1).
 */
#include <asm/bootparam.h>

#include "boot.h"
#include "boot_info.h"
#include "cmdline.h"

#define HVM_START_MAGIC 0x336ec578

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* version >= 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

/* Only the low 4 GiB are mapped; a pointer elsewhere is not followed. */
#define MAPPED_LIMIT 0x100000000ull

static const char *entry_name(unsigned int entry)
{
	switch (entry) {
	case BOOT_ENTRY_BZIMAGE16:
		return "bzImage 16-bit setup";
	case BOOT_ENTRY_BZIMAGE32:
		return "bzImage 32-bit";
	case BOOT_ENTRY_BZIMAGE64:
		return "bzImage 64-bit";
	case BOOT_ENTRY_PVH:
		return "PVH";
	default:
		return "unknown";
	}
}

static void read_cmdline(uint64_t addr, uint64_t max, struct boot_info *bi)
{
	if (addr == 0 || addr >= MAPPED_LIMIT) {
		if (addr)
			bi->problem = "command line above 4 GiB ignored";
		cmdline_parse("", 0);
		return;
	}
	if (max > MAPPED_LIMIT - addr)
		max = MAPPED_LIMIT - addr;
	cmdline_parse((const char *)addr, (size_t)max);
}

static void read_boot_params(struct boot_info *bi)
{
	const struct boot_params *bp = (const void *)bi->structure;
	uint64_t cmdline = bp->hdr.cmd_line_ptr | (uint64_t)bp->ext_cmd_line_ptr
							  << 32;

	/* cmdline_size is ours (setup.S): the loader may not exceed it. */
	read_cmdline(cmdline, CMDLINE_MAX, bi);
	if (bp->acpi_rsdp_addr) {
		bi->rsdp = bp->acpi_rsdp_addr;
		bi->rsdp_source = "boot_params.acpi_rsdp_addr";
	}
}

static void read_start_info(struct boot_info *bi)
{
	const struct hvm_start_info *si = (const void *)bi->structure;

	if (si->magic != HVM_START_MAGIC) {
		bi->problem = "hvm_start_info magic is wrong: ignored";
		cmdline_parse("", 0);
		return;
	}
	read_cmdline(si->cmdline_paddr, CMDLINE_MAX, bi);
	if (si->rsdp_paddr) {
		bi->rsdp = si->rsdp_paddr;
		bi->rsdp_source = "hvm_start_info.rsdp_paddr";
	}
}

void boot_info_read(unsigned int entry, uint64_t structure,
		    struct boot_info *bi)
{
	*bi = (struct boot_info){
		.entry = entry,
		.entry_name = entry_name(entry),
		.structure = structure,
	};
	if (structure == 0 || structure >= MAPPED_LIMIT - 4096) {
		bi->problem = "no usable boot structure";
		cmdline_parse("", 0);
	} else if (entry == BOOT_ENTRY_PVH) {
		read_start_info(bi);
	} else {
		read_boot_params(bi);
	}
}
