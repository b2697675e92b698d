// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Linux x86 boot protocol for a bzImage, 64-bit entry
 * (Documentation/arch/x86/boot.rst). The file is a real-mode setup of
 * (setup_sects + 1) sectors, whose setup header at 0x1f1 describes the
 * kernel, followed by the protected-mode kernel, which vigil loads at
 * KERNEL_LOAD_ADDR and enters at its 64-bit entry, 0x200 bytes in, with
 * %rsi pointing at boot_params ("the zero page").
 *
 * Every header field is untrusted: sizes are checked against the file and
 * addresses against guest RAM, in 64-bit arithmetic that cannot wrap or with
 * __builtin_*_overflow where the inputs are 64-bit.
 */
#include "vmm/boot.h"

#include <errno.h>
#include <string.h>

#include "lib/layout.h"

#define SECTOR_SIZE 512u
#define HDR_OFFSET offsetof(struct boot_params, hdr)
/* The header ends at 0x202 + the jump's byte offset at 0x201. */
#define HDR_JUMP_OFFSET 0x201u
#define HDR_JUMP_BASE 0x202u
/* The last header field vigil reads; needed from protocol 2.10 on. */
#define HDR_NEEDED_END                                           \
	(HDR_OFFSET + offsetof(struct setup_header, init_size) + \
	 sizeof(uint32_t))
#define BOOT_PROTOCOL_MIN 0x020c /* 2.12: xloadflags, XLF_KERNEL_64 */
#define ENTRY_64_OFFSET 0x200u
/* initrd_addr_max before protocol 2.03, used when a header leaves it 0. */
#define INITRD_ADDR_MAX_DEFAULT 0x37ffffffu
#define LOADER_TYPE_UNDEFINED 0xff
#define VID_MODE_NORMAL 0xffff

struct bzimage {
	struct setup_header hdr; /* the declared length, zero beyond */
	uint64_t setup_size;	 /* bytes of real-mode code in the file */
	const uint8_t *kernel;	 /* the protected-mode part */
	uint64_t kernel_size;
	uint64_t kernel_end; /* first byte above what the kernel needs */
};

static uint16_t load_le16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t load_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Magic, protocol version, then the header with its declared length. */
static int bz_read_header(struct bzimage *bz, const uint8_t *img, size_t size,
			  char *err, size_t errlen)
{
	const size_t version_at =
		HDR_OFFSET + offsetof(struct setup_header, version);
	const size_t magic_at =
		HDR_OFFSET + offsetof(struct setup_header, header);
	uint16_t version;
	size_t hdr_end;

	if (size < version_at + sizeof(version))
		return boot_fail(err, errlen, -EINVAL,
				 "bzImage: file too short (%zu bytes) for a "
				 "setup header",
				 size);
	if (load_le32(img + magic_at) != BOOT_HDRS_MAGIC)
		return boot_fail(err, errlen, -ENOEXEC,
				 "bzImage: no \"HdrS\" magic at 0x%zx "
				 "(found 0x%08x)",
				 magic_at, load_le32(img + magic_at));
	version = load_le16(img + version_at);
	if (version < BOOT_PROTOCOL_MIN)
		return boot_fail(err, errlen, -ENOEXEC,
				 "bzImage: boot protocol %u.%02u too old, "
				 "need 2.12",
				 version >> 8, version & 0xff);
	hdr_end = HDR_JUMP_BASE + img[HDR_JUMP_OFFSET];
	if (hdr_end > size)
		return boot_fail(err, errlen, -EINVAL,
				 "bzImage: setup header ends at 0x%zx, past "
				 "the end of the file (size %zu)",
				 hdr_end, size);
	if (hdr_end < HDR_NEEDED_END)
		return boot_fail(err, errlen, -EINVAL,
				 "bzImage: setup header ends at 0x%zx, before "
				 "init_size (protocol %u.%02u needs 0x%zx)",
				 hdr_end, version >> 8, version & 0xff,
				 HDR_NEEDED_END);
	/* bz->hdr starts zeroed; never copy more than vigil's struct. */
	memcpy(&bz->hdr, img + HDR_OFFSET,
	       hdr_end - HDR_OFFSET < sizeof(bz->hdr) ? hdr_end - HDR_OFFSET :
							sizeof(bz->hdr));
	return 0;
}

static int bz_check_flags(const struct setup_header *hdr, char *err,
			  size_t errlen)
{
	if (!(hdr->loadflags & LOADED_HIGH))
		return boot_fail(err, errlen, -ENOEXEC,
				 "bzImage: loadflags 0x%02x lack LOADED_HIGH: "
				 "a zImage, not a bzImage",
				 hdr->loadflags);
	if (!(hdr->xloadflags & XLF_KERNEL_64))
		return boot_fail(err, errlen, -ENOEXEC,
				 "bzImage: xloadflags 0x%04x lack "
				 "XLF_KERNEL_64: no 64-bit entry point",
				 hdr->xloadflags);
	return 0;
}

/* Split the file into setup and protected-mode kernel. */
static int bz_split(struct bzimage *bz, const uint8_t *img, size_t size,
		    char *err, size_t errlen)
{
	unsigned int sects = bz->hdr.setup_sects ? bz->hdr.setup_sects : 4;
	/* syssize counts 16-byte paragraphs; 64-bit product cannot wrap. */
	uint64_t sys_bytes = (uint64_t)bz->hdr.syssize * 16;

	bz->setup_size = (uint64_t)(sects + 1) * SECTOR_SIZE;
	if (bz->setup_size >= size)
		return boot_fail(err, errlen, -EINVAL,
				 "bzImage: setup_sects %u ends past the file "
				 "(size %zu)",
				 bz->hdr.setup_sects, size);
	bz->kernel = img + bz->setup_size;
	bz->kernel_size = size - bz->setup_size;
	if (sys_bytes == 0)
		return boot_fail(
			err, errlen, -EINVAL,
			"bzImage: syssize 0: no protected-mode kernel");
	if (bz->kernel_size <= ENTRY_64_OFFSET)
		return boot_fail(err, errlen, -EINVAL,
				 "bzImage: protected-mode kernel of %llu bytes "
				 "ends before its 64-bit entry at 0x%x",
				 (unsigned long long)bz->kernel_size,
				 ENTRY_64_OFFSET);
	if (sys_bytes > bz->kernel_size)
		return boot_fail(err, errlen, -EINVAL,
				 "bzImage: syssize 0x%x (%llu bytes) past the "
				 "end of the file (%llu bytes after the setup)",
				 bz->hdr.syssize, (unsigned long long)sys_bytes,
				 (unsigned long long)bz->kernel_size);
	return 0;
}

/*
 * Where the kernel will run and how much it needs there. A relocatable
 * kernel runs at the load address rounded up to kernel_alignment, but never
 * below pref_address (the 64-bit decompressor's LOAD_PHYSICAL_ADDR); a fixed
 * one at pref_address. It then needs init_size bytes, and the file itself
 * occupies [KERNEL_LOAD_ADDR, + kernel_size).
 */
static int bz_kernel_end(struct bzimage *bz, uint64_t low_end, char *err,
			 size_t errlen)
{
	const struct setup_header *hdr = &bz->hdr;
	uint64_t align = hdr->kernel_alignment;
	uint64_t start = hdr->pref_address, end;

	if (hdr->relocatable_kernel) {
		if (align == 0 || (align & (align - 1)))
			return boot_fail(err, errlen, -EINVAL,
					 "bzImage: kernel_alignment 0x%llx is "
					 "not a power of two",
					 (unsigned long long)align);
		/* align <= 2^31: the sum cannot wrap. */
		end = (KERNEL_LOAD_ADDR + align - 1) & ~(align - 1);
		if (end > start)
			start = end;
	} else if (start < KERNEL_LOAD_ADDR) {
		return boot_fail(
			err, errlen, -EINVAL,
			"bzImage: fixed kernel at pref_address 0x%llx, "
			"below 0x%llx",
			(unsigned long long)start, KERNEL_LOAD_ADDR);
	}
	if (__builtin_add_overflow(start, (uint64_t)hdr->init_size, &end))
		return boot_fail(err, errlen, -EINVAL,
				 "bzImage: pref_address 0x%llx + init_size "
				 "0x%x overflows",
				 (unsigned long long)start, hdr->init_size);
	/* kernel_size < the file size: no wrap. */
	if (end < KERNEL_LOAD_ADDR + bz->kernel_size)
		end = KERNEL_LOAD_ADDR + bz->kernel_size;
	if (end > low_end)
		return boot_fail(err, errlen, -ENOSPC,
				 "bzImage: kernel needs RAM up to 0x%llx "
				 "(runs at 0x%llx, init_size 0x%x), low RAM "
				 "ends at 0x%llx",
				 (unsigned long long)end,
				 (unsigned long long)start, hdr->init_size,
				 (unsigned long long)low_end);
	bz->kernel_end = end;
	return 0;
}

static int bz_parse(struct bzimage *bz, const uint8_t *img, size_t size,
		    uint64_t low_end, char *err, size_t errlen)
{
	int rc;

	*bz = (struct bzimage){ 0 };
	rc = bz_read_header(bz, img, size, err, errlen);
	if (!rc)
		rc = bz_check_flags(&bz->hdr, err, errlen);
	if (!rc)
		rc = bz_split(bz, img, size, err, errlen);
	if (!rc)
		rc = bz_kernel_end(bz, low_end, err, errlen);
	return rc;
}

/* The zero page: the kernel's own header, updated, plus what vigil adds. */
static void bz_fill_params(struct boot_params *bp, const struct bzimage *bz,
			   const struct guest_mem *gm,
			   const struct boot_config *cfg, uint64_t initrd_gpa)
{
	memset(bp, 0, sizeof(*bp));
	bp->hdr = bz->hdr;
	bp->hdr.type_of_loader = LOADER_TYPE_UNDEFINED;
	bp->hdr.vid_mode = VID_MODE_NORMAL;
	bp->hdr.cmd_line_ptr = (uint32_t)BOOT_CMDLINE_ADDR;
	bp->ext_cmd_line_ptr = (uint32_t)(BOOT_CMDLINE_ADDR >> 32);
	bp->hdr.ramdisk_image = (uint32_t)initrd_gpa;
	bp->ext_ramdisk_image = (uint32_t)(initrd_gpa >> 32);
	bp->hdr.ramdisk_size = (uint32_t)(initrd_gpa ? cfg->initrd_size : 0);
	bp->ext_ramdisk_size =
		(uint32_t)((uint64_t)(initrd_gpa ? cfg->initrd_size : 0) >> 32);
	/* The image's value means nothing: ours, or none. */
	bp->hdr.setup_data = cfg->rng_seed ? BOOT_SETUP_DATA_ADDR : 0;
	bp->hdr.hardware_subarch = X86_SUBARCH_PC;
	bp->hdr.hardware_subarch_data = 0;
	bp->e820_entries = (uint8_t)boot_e820_build(gm, bp->e820_table,
						    E820_MAX_ENTRIES_ZEROPAGE);
	/* A zero-page field since Linux 5.0; padding for older kernels. */
	bp->acpi_rsdp_addr = cfg->rsdp_gpa;
}

/*
 * The RNG seed as the one setup_data entry (protocol 2.09+; Linux 6.0+
 * reads SETUP_RNG_SEED, credits it with random.trust_bootloader, the
 * default, and zeroes it; older kernels skip the unknown type).
 */
static int bz_write_rng_seed(struct guest_mem *gm,
			     const struct boot_config *cfg, char *err,
			     size_t errlen)
{
	uint8_t buf[sizeof(struct setup_data) + BOOT_RNG_SEED_MAX];
	struct setup_data sd = {
		.next = 0,
		.type = SETUP_RNG_SEED,
		.len = (uint32_t)cfg->rng_seed_len,
	};
	size_t size = sizeof(sd) + cfg->rng_seed_len;
	bool ok;

	if (cfg->rng_seed_len == 0 || cfg->rng_seed_len > BOOT_RNG_SEED_MAX)
		return boot_fail(err, errlen, -EINVAL,
				 "bzImage: RNG seed of %zu bytes (1..%u)",
				 cfg->rng_seed_len, BOOT_RNG_SEED_MAX);
	memcpy(buf, &sd, sizeof(sd));
	memcpy(buf + sizeof(sd), cfg->rng_seed, cfg->rng_seed_len);
	ok = gm_write(gm, BOOT_SETUP_DATA_ADDR, buf, size);
	explicit_bzero(buf, sizeof(buf));
	if (!ok)
		return boot_fail(err, errlen, -ENOSPC,
				 "bzImage: setup_data at 0x%llx not in RAM",
				 BOOT_SETUP_DATA_ADDR);
	return 0;
}

int boot_load_bzimage(struct guest_mem *gm, const void *image,
		      size_t image_size, const struct boot_config *cfg,
		      struct boot_entry *entry, char *err, size_t errlen)
{
	uint64_t low_end = boot_low_ram_end(gm);
	struct boot_params bp;
	struct bzimage bz;
	uint64_t last, initrd_gpa;
	int rc;

	rc = bz_parse(&bz, image, image_size, low_end, err, errlen);
	if (rc)
		return rc;
	rc = boot_write_cmdline(gm, cfg, bz.hdr.cmdline_size, err, errlen);
	if (rc)
		return rc;
	/* 0 would put the initrd at 0; treat it as the historic limit. */
	last = bz.hdr.initrd_addr_max ? bz.hdr.initrd_addr_max :
					INITRD_ADDR_MAX_DEFAULT;
	if (last > low_end - 1)
		last = low_end - 1;
	rc = boot_load_initrd(gm, cfg, bz.kernel_end, last, &initrd_gpa, err,
			      errlen);
	if (rc)
		return rc;
	if (!gm_write(gm, KERNEL_LOAD_ADDR, bz.kernel, bz.kernel_size))
		return boot_fail(err, errlen, -ENOSPC,
				 "bzImage: kernel of %llu bytes does not fit "
				 "at 0x%llx",
				 (unsigned long long)bz.kernel_size,
				 KERNEL_LOAD_ADDR);
	if (cfg->rng_seed) {
		rc = bz_write_rng_seed(gm, cfg, err, errlen);
		if (rc)
			return rc;
	}
	bz_fill_params(&bp, &bz, gm, cfg, initrd_gpa);
	if (!gm_write(gm, BOOT_PARAMS_ADDR, &bp, sizeof(bp)))
		return boot_fail(err, errlen, -ENOSPC,
				 "bzImage: boot_params at 0x%llx not in RAM",
				 BOOT_PARAMS_ADDR);
	*entry = (struct boot_entry){
		.mode = BOOT_ENTRY_LINUX64,
		.entry = KERNEL_LOAD_ADDR + ENTRY_64_OFFSET,
		.boot_info = BOOT_PARAMS_ADDR,
	};
	return 0;
}
