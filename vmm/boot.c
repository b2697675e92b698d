// SPDX-License-Identifier: GPL-2.0-only
/*
 * Format detection, the e820 map, and the pieces both kernel loaders share:
 * error messages, the command line and the initrd.
 */
#include "vmm/boot.h"

#include <asm/e820.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/layout.h"

#define PAGE_SIZE 4096ull
#define MIB (1024ull * 1024)

int boot_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

uint64_t boot_low_ram_end(const struct guest_mem *gm)
{
	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->regions[i];

		if (r->gpa == 0)
			return r->size < MMIO_HOLE_START ? r->size :
							   MMIO_HOLE_START;
	}
	return 0;
}

int boot_write_cmdline(struct guest_mem *gm, const struct boot_config *cfg,
		       uint64_t kernel_limit, char *err, size_t errlen)
{
	const char *cmdline = cfg->cmdline ? cfg->cmdline : "";
	size_t len = strlen(cmdline);

	if (len > kernel_limit)
		return boot_fail(err, errlen, -E2BIG,
				 "cmdline: %zu bytes, longer than the kernel's "
				 "cmdline_size %llu",
				 len, (unsigned long long)kernel_limit);
	if (len > BOOT_CMDLINE_MAX - 1)
		return boot_fail(
			err, errlen, -E2BIG,
			"cmdline: %zu bytes, longer than vigil's limit "
			"%u",
			len, BOOT_CMDLINE_MAX - 1);
	if (!gm_write(gm, BOOT_CMDLINE_ADDR, cmdline, len + 1))
		return boot_fail(err, errlen, -ENOSPC,
				 "cmdline: 0x%llx is not in guest RAM",
				 BOOT_CMDLINE_ADDR);
	return 0;
}

/* A size for people: rounded up to KiB or MiB. */
static unsigned long long human_size(uint64_t bytes, const char **unit)
{
	if (bytes >= MIB) {
		*unit = "MiB";
		return (bytes + MIB - 1) / MIB;
	}
	*unit = "KiB";
	return (bytes + 1023) / 1024;
}

int boot_load_initrd(struct guest_mem *gm, const struct boot_config *cfg,
		     uint64_t kernel_end, uint64_t last, uint64_t *gpa,
		     char *err, size_t errlen)
{
	uint64_t size = cfg->initrd_size;
	uint64_t addr = 0;
	bool fits;

	*gpa = 0;
	if (size == 0)
		return 0;
	if (!cfg->initrd)
		return boot_fail(err, errlen, -EINVAL,
				 "initrd: %llu bytes but no data",
				 (unsigned long long)size);
	/* Highest page-aligned start with start + size - 1 <= last. */
	fits = last >= kernel_end && size - 1 <= last - kernel_end;
	if (fits) {
		addr = (last - (size - 1)) & ~(PAGE_SIZE - 1);
		fits = addr >= kernel_end;
	}
	if (!fits) {
		const char *unit;
		unsigned long long amount = human_size(size, &unit);

		return boot_fail(err, errlen, -ENOSPC,
				 "initrd: %llu bytes (%llu %s) do not fit "
				 "between the kernel's end 0x%llx and 0x%llx "
				 "(RAM %llu MiB)",
				 (unsigned long long)size, amount, unit,
				 (unsigned long long)kernel_end,
				 (unsigned long long)last,
				 (unsigned long long)(cfg->ram_size / MIB));
	}
	if (!gm_write(gm, addr, cfg->initrd, size))
		return boot_fail(
			err, errlen, -ENOSPC,
			"initrd: [0x%llx, +0x%llx) is not in guest RAM",
			(unsigned long long)addr, (unsigned long long)size);
	*gpa = addr;
	return 0;
}

static unsigned int e820_add(struct boot_e820_entry *out, unsigned int n,
			     unsigned int max, uint64_t start, uint64_t end,
			     uint32_t type)
{
	if (start >= end || n >= max)
		return n;
	out[n] = (struct boot_e820_entry){
		.addr = start,
		.size = end - start,
		.type = type,
	};
	return n + 1;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

unsigned int boot_e820_build(const struct guest_mem *gm,
			     struct boot_e820_entry *out, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->regions[i];
		uint64_t start = r->gpa, end;

		/* A region may end exactly at 2^64; losing its last byte is
		 * harmless and keeps the arithmetic in range. */
		if (__builtin_add_overflow(r->gpa, r->size, &end))
			end = UINT64_MAX;
		n = e820_add(out, n, max, start, min_u64(end, EBDA_START),
			     E820_RAM);
		n = e820_add(out, n, max, max_u64(start, EBDA_START),
			     min_u64(end, BIOS_AREA_END), E820_RESERVED);
		n = e820_add(out, n, max, max_u64(start, BIOS_AREA_END), end,
			     E820_RAM);
	}
	return n;
}

int boot_write_reset_vector(struct guest_mem *gm)
{
	_Static_assert(ACPI_TABLES_ADDR + ACPI_TABLES_MAX <= RESET_VECTOR_ADDR,
		       "ACPI tables must end before the reset vector");
	_Static_assert(ACPI_RESET_PORT <= 0xffffu && ACPI_RESET_VALUE <= 0xffu,
		       "the stub's operands are 16 and 8 bits");
	/* mov dx, PORT; mov al, VALUE; out dx, al; cli; 1: hlt; jmp 1b */
	const uint8_t stub[RESET_VECTOR_SIZE] = { 0xba,
						  ACPI_RESET_PORT & 0xff,
						  ACPI_RESET_PORT >> 8,
						  0xb0,
						  ACPI_RESET_VALUE,
						  0xee,
						  0xfa,
						  0xf4,
						  0xeb,
						  0xfd };

	return gm_write(gm, RESET_VECTOR_ADDR, stub, sizeof(stub)) ? 0 :
								     -EFAULT;
}

int boot_load(struct guest_mem *gm, const void *image, size_t image_size,
	      const struct boot_config *cfg, struct boot_entry *entry,
	      char *err, size_t errlen)
{
	const size_t hdrs_at = offsetof(struct boot_params, hdr.header);
	uint32_t magic;

	if (image_size >= SELFMAG && memcmp(image, ELFMAG, SELFMAG) == 0)
		return boot_load_pvh(gm, image, image_size, cfg, entry, err,
				     errlen);
	if (image_size >= hdrs_at + sizeof(magic)) {
		memcpy(&magic, (const uint8_t *)image + hdrs_at, sizeof(magic));
		if (magic == BOOT_HDRS_MAGIC)
			return boot_load_bzimage(gm, image, image_size, cfg,
						 entry, err, errlen);
	}
	return boot_fail(err, errlen, -ENOEXEC,
			 "kernel image: unrecognised (%zu bytes): no ELF "
			 "magic, no \"HdrS\" at 0x%zx",
			 image_size, hdrs_at);
}
