/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel image loaders: the Linux x86 boot protocol (bzImage, 64-bit entry)
 * and ELF kernels with a PVH entry note (an uncompressed vmlinux, started in
 * 32-bit protected mode without running a decompressor).
 *
 * The image, its sizes and offsets are untrusted: every field is checked
 * against the file length and against guest RAM, with overflow-safe
 * arithmetic, before anything is copied. A rejected image leaves a one-line
 * reason in the caller's buffer, naming the field and its value.
 *
 * What goes where (lib/layout.h):
 *   BOOT_PARAMS_ADDR       boot_params (bzImage) or hvm_start_info (PVH)
 *   BOOT_PVH_MODLIST_ADDR  PVH module list (the initrd)
 *   BOOT_PVH_MEMMAP_ADDR   PVH memory map
 *   BOOT_CMDLINE_ADDR      command line, NUL-terminated
 *   BOOT_SETUP_DATA_ADDR   bzImage setup_data: the RNG seed, if given
 *   KERNEL_LOAD_ADDR       bzImage protected-mode part; ELF segments go to
 *                          their p_paddr, which must lie in
 *                          [KERNEL_LOAD_ADDR, end of low RAM)
 *   top of low RAM         initrd: the highest page-aligned address that
 *                          stays above the kernel and below its limits
 */
#ifndef VIGIL_BOOT_H
#define VIGIL_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>

#include "lib/guest_mem.h"

/* Image fields are little-endian; the loaders read them as host integers. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "x86 host only");

enum boot_entry_mode {
	BOOT_ENTRY_LINUX64, /* 64-bit mode, paging on, %rsi = boot_info */
	BOOT_ENTRY_PVH32,   /* 32-bit protected mode, paging off, %ebx */
};

struct boot_entry {
	enum boot_entry_mode mode;
	uint64_t entry;	    /* guest physical address to start at */
	uint64_t boot_info; /* boot_params gpa (LINUX64: %rsi) or
			     * hvm_start_info gpa (PVH32: %ebx) */
};

struct boot_config {
	const char *cmdline; /* NULL = empty */
	const void *initrd;  /* NULL = none */
	size_t initrd_size;
	uint64_t rsdp_gpa; /* ACPI RSDP handed to the kernel; 0 = none */
	uint64_t ram_size; /* total RAM bytes (low + high), for messages */
	/*
	 * Seed for the kernel's RNG (bzImage: setup_data SETUP_RNG_SEED);
	 * NULL = none. Without one a guest with no RDRAND starts with an
	 * uninitialised RNG and its first /dev/urandom read waits on timer
	 * jitter, which on a loaded or nested host can take minutes.
	 */
	const uint8_t *rng_seed;
	size_t rng_seed_len; /* at most BOOT_RNG_SEED_MAX */
};

#define BOOT_RNG_SEED_SIZE 32u /* what vigil passes: 256 bits */
#define BOOT_RNG_SEED_MAX 256u

/*
 * Detect the format (ELF magic -> PVH, "HdrS" at 0x202 -> bzImage), load
 * the kernel, initrd and command line into guest memory, write boot_params
 * or hvm_start_info with the memory map, and fill *entry. Returns 0 or a
 * negative errno; on error writes a one-line reason into err (if errlen > 0):
 *   -ENOEXEC  not a kernel vigil can boot (magic, protocol, class, note)
 *   -EINVAL   a malformed image: a size or offset past the end, overflow
 *   -E2BIG    the command line is longer than the kernel or vigil allow
 *   -ENOSPC   the kernel or initrd does not fit in guest RAM
 */
int boot_load(struct guest_mem *gm, const void *image, size_t image_size,
	      const struct boot_config *cfg, struct boot_entry *entry,
	      char *err, size_t errlen);
/* The two loaders boot_load() picks from. */
int boot_load_bzimage(struct guest_mem *gm, const void *image,
		      size_t image_size, const struct boot_config *cfg,
		      struct boot_entry *entry, char *err, size_t errlen);
int boot_load_pvh(struct guest_mem *gm, const void *image, size_t image_size,
		  const struct boot_config *cfg, struct boot_entry *entry,
		  char *err, size_t errlen);

/*
 * The e820 map vigil gives guests, from the guest memory regions in their
 * order: each region is RAM, except that [EBDA_START, 1 MiB) is reserved
 * (BIOS area, ACPI tables). For vigil's layout that is RAM [0, EBDA_START),
 * reserved [EBDA_START, 1 MiB), RAM [1 MiB, low end), RAM above 4 GiB.
 * Returns the number of entries written (<= max).
 */
unsigned int boot_e820_build(const struct guest_mem *gm,
			     struct boot_e820_entry *out, unsigned int max);

/*
 * Write the reset-vector stub at RESET_VECTOR_ADDR (see lib/layout.h):
 * real-mode code that writes ACPI_RESET_VALUE to ACPI_RESET_PORT, then
 * halts with interrupts off. Returns 0 or -EFAULT (no RAM there).
 */
int boot_write_reset_vector(struct guest_mem *gm);

/* Most entries boot_e820_build() can produce: three pieces per region. */
#define BOOT_E820_MAX (3 * GM_MAX_REGIONS)

/* The bzImage setup header's magic at 0x202: "HdrS". */
#define BOOT_HDRS_MAGIC 0x53726448u

/*
 * The x86/HVM direct boot ABI (PVH), as Xen's public header
 * arch-x86/hvm/start_info.h defines it; no system header carries it. The
 * kernel finds its entry point in an ELF note of type
 * XEN_ELFNOTE_PHYS32_ENTRY with the name "Xen" and is started in 32-bit
 * protected mode with %ebx pointing at struct hvm_start_info.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578u

struct hvm_start_info {
	uint32_t magic;
	uint32_t version; /* 1: has memmap_paddr/memmap_entries */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr; /* array of struct hvm_modlist_entry */
	uint64_t cmdline_paddr; /* NUL-terminated */
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* array of struct hvm_memmap_table_entry */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* E820 type */
	uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info ABI");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm memmap");

/*
 * Helpers shared by the two loaders (vmm/boot.c).
 */

/* Format a one-line reason into err and return rc (a negative errno). */
int boot_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * End of the RAM region at gpa 0 (never past MMIO_HOLE_START): where the
 * kernel, its boot structures and the initrd must fit. 0 when there is none.
 */
uint64_t boot_low_ram_end(const struct guest_mem *gm);

/*
 * Check the length of cfg->cmdline (without its NUL) against kernel_limit,
 * the most the kernel accepts, and vigil's BOOT_CMDLINE_MAX - 1, then copy it
 * NUL-terminated to BOOT_CMDLINE_ADDR.
 */
int boot_write_cmdline(struct guest_mem *gm, const struct boot_config *cfg,
		       uint64_t kernel_limit, char *err, size_t errlen);

/*
 * Place cfg->initrd at the highest page-aligned address such that it starts
 * at or above kernel_end and ends at or below last (the highest byte it may
 * occupy), and copy it there. *gpa is 0 when there is no initrd.
 */
int boot_load_initrd(struct guest_mem *gm, const struct boot_config *cfg,
		     uint64_t kernel_end, uint64_t last, uint64_t *gpa,
		     char *err, size_t errlen);

#endif
