// SPDX-License-Identifier: GPL-2.0-only
/*
 * ELF kernels with a PVH entry note: the x86/HVM direct boot ABI. An
 * uncompressed vmlinux boots this way without running a decompressor: vigil
 * loads its PT_LOAD segments at their physical addresses, finds the 32-bit
 * entry in the "Xen" note of type XEN_ELFNOTE_PHYS32_ENTRY, and starts it in
 * protected mode with %ebx pointing at struct hvm_start_info, which carries
 * the command line, the initrd as module 0, the ACPI RSDP and the memory map.
 *
 * The file is untrusted. The ELF header is checked first; every program
 * header and every note must lie inside the file, and every segment inside
 * low RAM at or above KERNEL_LOAD_ADDR, so that no segment overwrites the
 * boot structures, page tables and BIOS area vigil keeps below 1 MiB. All
 * checks run before the first byte is copied into the guest.
 */
#include "vmm/boot.h"

#include <asm/e820.h>
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "lib/layout.h"

/*
 * x86 Linux copies at most COMMAND_LINE_SIZE (2048) bytes of a PVH boot's
 * command line, its NUL included, and drops the rest without a word: a
 * longer one is refused here, where the bzImage header says its own.
 */
#define PVH_CMDLINE_MAX 2047u
#define PVH_NOTE_NAME "Xen"
#define PVH_START_INFO_VERSION 1

/* A program header of either class, widened to 64 bits. */
struct elf_seg {
	uint32_t type;
	uint64_t offset;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

struct elf_image {
	const uint8_t *data;
	size_t size;
	bool is64;
	uint64_t phoff;
	unsigned int phnum;
	uint64_t low_end;    /* segments must end at or below this */
	uint64_t kernel_end; /* highest segment end seen */
	uint64_t entry;	     /* from the PVH note */
	bool have_entry;
};

static const char *seg_name(uint32_t type)
{
	return type == PT_LOAD ? "PT_LOAD" : "PT_NOTE";
}

/* Widen either class of program header; the field names are the same. */
#define ELF_SEG(ph)                      \
	((struct elf_seg){               \
		.type = (ph).p_type,     \
		.offset = (ph).p_offset, \
		.paddr = (ph).p_paddr,   \
		.filesz = (ph).p_filesz, \
		.memsz = (ph).p_memsz,   \
		.align = (ph).p_align,   \
	})

/* Program header i of a table already checked to lie in the file. */
static void elf_read_seg(const struct elf_image *elf, unsigned int i,
			 struct elf_seg *seg)
{
	if (elf->is64) {
		Elf64_Phdr ph;

		memcpy(&ph, elf->data + elf->phoff + i * sizeof(ph),
		       sizeof(ph));
		*seg = ELF_SEG(ph);
	} else {
		Elf32_Phdr ph;

		memcpy(&ph, elf->data + elf->phoff + i * sizeof(ph),
		       sizeof(ph));
		*seg = ELF_SEG(ph);
	}
}

/* Class, byte order, type and machine; fills is64. */
static int elf_check_ident(struct elf_image *elf, char *err, size_t errlen)
{
	const uint8_t *id = elf->data;
	uint16_t type, machine;

	if (elf->size < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG) != 0)
		return boot_fail(err, errlen, -ENOEXEC, "ELF: no ELF magic");
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return boot_fail(err, errlen, -ENOEXEC,
				 "ELF: class %u is neither ELF32 nor ELF64",
				 id[EI_CLASS]);
	elf->is64 = id[EI_CLASS] == ELFCLASS64;
	if (id[EI_DATA] != ELFDATA2LSB)
		return boot_fail(err, errlen, -ENOEXEC,
				 "ELF: data encoding %u is not little-endian",
				 id[EI_DATA]);
	if (elf->size < (elf->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return boot_fail(err, errlen, -EINVAL,
				 "ELF: file too short (%zu bytes) for an ELF%s "
				 "header",
				 elf->size, elf->is64 ? "64" : "32");
	/* e_type and e_machine sit at the same offsets in both classes. */
	memcpy(&type, id + offsetof(Elf64_Ehdr, e_type), sizeof(type));
	memcpy(&machine, id + offsetof(Elf64_Ehdr, e_machine), sizeof(machine));
	if (type != ET_EXEC)
		return boot_fail(
			err, errlen, -ENOEXEC,
			"ELF: e_type %u is not an executable (ET_EXEC)", type);
	if (machine != (elf->is64 ? EM_X86_64 : EM_386))
		return boot_fail(err, errlen, -ENOEXEC,
				 "ELF: e_machine %u is not %s", machine,
				 elf->is64 ? "x86-64" : "i386");
	return 0;
}

/* The program header table: entry size, count, and place in the file. */
static int elf_check_phdrs(struct elf_image *elf, char *err, size_t errlen)
{
	size_t want = elf->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	uint64_t table, end;
	uint16_t phentsize;

	if (elf->is64) {
		Elf64_Ehdr eh;

		memcpy(&eh, elf->data, sizeof(eh));
		elf->phoff = eh.e_phoff;
		elf->phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
	} else {
		Elf32_Ehdr eh;

		memcpy(&eh, elf->data, sizeof(eh));
		elf->phoff = eh.e_phoff;
		elf->phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
	}
	if (phentsize != want)
		return boot_fail(err, errlen, -EINVAL,
				 "ELF: e_phentsize %u, expected %zu", phentsize,
				 want);
	if (elf->phnum == 0)
		return boot_fail(err, errlen, -ENOEXEC,
				 "ELF: no program headers");
	if (__builtin_mul_overflow((uint64_t)elf->phnum, want, &table) ||
	    __builtin_add_overflow(elf->phoff, table, &end))
		return boot_fail(err, errlen, -EINVAL,
				 "ELF: program headers at 0x%llx (%u x %zu "
				 "bytes) overflow",
				 (unsigned long long)elf->phoff, elf->phnum,
				 want);
	if (end > elf->size)
		return boot_fail(err, errlen, -EINVAL,
				 "ELF: program headers at 0x%llx (%u x %zu "
				 "bytes) past the end of the file (size %zu)",
				 (unsigned long long)elf->phoff, elf->phnum,
				 want, elf->size);
	return 0;
}

static int elf_check_in_file(const struct elf_image *elf, unsigned int i,
			     const struct elf_seg *seg, char *err,
			     size_t errlen)
{
	uint64_t end;

	if (__builtin_add_overflow(seg->offset, seg->filesz, &end) ||
	    end > elf->size)
		return boot_fail(err, errlen, -EINVAL,
				 "ELF: %s segment %u: offset 0x%llx + filesz "
				 "0x%llx past the end of the file (size %zu)",
				 seg_name(seg->type), i,
				 (unsigned long long)seg->offset,
				 (unsigned long long)seg->filesz, elf->size);
	return 0;
}

/* A PT_LOAD segment: in the file, memsz >= filesz, inside low RAM. */
static int elf_check_load(struct elf_image *elf, unsigned int i,
			  const struct elf_seg *seg, char *err, size_t errlen)
{
	uint64_t end;
	int rc = elf_check_in_file(elf, i, seg, err, errlen);

	if (rc)
		return rc;
	if (seg->filesz > seg->memsz)
		return boot_fail(err, errlen, -EINVAL,
				 "ELF: PT_LOAD segment %u: filesz 0x%llx "
				 "larger than memsz 0x%llx",
				 i, (unsigned long long)seg->filesz,
				 (unsigned long long)seg->memsz);
	if (seg->memsz == 0)
		return 0;
	if (seg->paddr < KERNEL_LOAD_ADDR)
		return boot_fail(err, errlen, -EINVAL,
				 "ELF: PT_LOAD segment %u at 0x%llx is below "
				 "0x%llx (boot structures, BIOS area)",
				 i, (unsigned long long)seg->paddr,
				 KERNEL_LOAD_ADDR);
	if (__builtin_add_overflow(seg->paddr, seg->memsz, &end) ||
	    end > elf->low_end)
		return boot_fail(err, errlen, -ENOSPC,
				 "ELF: PT_LOAD segment %u at 0x%llx (memsz "
				 "0x%llx) is outside RAM, which ends at 0x%llx",
				 i, (unsigned long long)seg->paddr,
				 (unsigned long long)seg->memsz,
				 (unsigned long long)elf->low_end);
	if (end > elf->kernel_end)
		elf->kernel_end = end;
	return 0;
}

/* The PVH note's descriptor: a 4- or 8-byte physical entry below 4 GiB. */
static int pvh_read_entry(struct elf_image *elf, const uint8_t *desc,
			  uint32_t descsz, char *err, size_t errlen)
{
	uint64_t entry;

	if (descsz == 4) {
		uint32_t e32;

		memcpy(&e32, desc, sizeof(e32));
		entry = e32;
	} else if (descsz == 8) {
		memcpy(&entry, desc, sizeof(entry));
	} else {
		return boot_fail(err, errlen, -EINVAL,
				 "ELF: PVH note descsz %u, expected 4 or 8",
				 descsz);
	}
	if (entry > UINT32_MAX)
		return boot_fail(
			err, errlen, -EINVAL,
			"ELF: PVH entry 0x%llx is not a 32-bit address",
			(unsigned long long)entry);
	elf->entry = entry;
	elf->have_entry = true;
	return 0;
}

static bool note_is_pvh_entry(const Elf64_Nhdr *nh, const uint8_t *name)
{
	return nh->n_type == XEN_ELFNOTE_PHYS32_ENTRY &&
	       nh->n_namesz == sizeof(PVH_NOTE_NAME) &&
	       memcmp(name, PVH_NOTE_NAME, sizeof(PVH_NOTE_NAME)) == 0;
}

static uint64_t align_up(uint64_t v, uint64_t pad)
{
	return (v + pad - 1) & ~(pad - 1);
}

/*
 * Walk the notes of a PT_NOTE segment already checked to lie in the file.
 * Descriptor and next note start at offsets rounded up to 4 bytes, or to 8
 * in a segment aligned to 8 (GNU property notes; readelf does the same).
 * Elf32_Nhdr and Elf64_Nhdr are the same three 32-bit words, so sums of
 * their sizes cannot wrap in 64 bits.
 */
static int elf_scan_notes(struct elf_image *elf, const struct elf_seg *seg,
			  char *err, size_t errlen)
{
	uint64_t pad = seg->align == 8 ? 8 : 4;
	uint64_t pos = seg->offset, end = seg->offset + seg->filesz;

	while (pos < end && !elf->have_entry) {
		const uint8_t *note = elf->data + pos;
		uint64_t desc_off, desc_end;
		Elf64_Nhdr nh;

		if (end - pos < sizeof(nh))
			return boot_fail(err, errlen, -EINVAL,
					 "ELF: note at 0x%llx: header past the "
					 "end of its PT_NOTE segment",
					 (unsigned long long)pos);
		memcpy(&nh, note, sizeof(nh));
		desc_off = align_up(sizeof(nh) + (uint64_t)nh.n_namesz, pad);
		desc_end = desc_off + nh.n_descsz;
		if (desc_end > end - pos)
			return boot_fail(err, errlen, -EINVAL,
					 "ELF: note at 0x%llx: namesz 0x%x + "
					 "descsz 0x%x past the end of its "
					 "PT_NOTE segment",
					 (unsigned long long)pos, nh.n_namesz,
					 nh.n_descsz);
		if (note_is_pvh_entry(&nh, note + sizeof(nh))) {
			int rc = pvh_read_entry(elf, note + desc_off,
						nh.n_descsz, err, errlen);
			if (rc)
				return rc;
		}
		pos += align_up(desc_end, pad);
	}
	return 0;
}

static int elf_check_segments(struct elf_image *elf, char *err, size_t errlen)
{
	struct elf_seg seg;
	int rc = 0;

	for (unsigned int i = 0; i < elf->phnum && !rc; i++) {
		elf_read_seg(elf, i, &seg);
		if (seg.type == PT_LOAD) {
			rc = elf_check_load(elf, i, &seg, err, errlen);
		} else if (seg.type == PT_NOTE && !elf->have_entry) {
			rc = elf_check_in_file(elf, i, &seg, err, errlen);
			if (!rc)
				rc = elf_scan_notes(elf, &seg, err, errlen);
		}
	}
	return rc;
}

/* The entry point must be code vigil loads, not some other guest RAM. */
static int pvh_check_entry(const struct elf_image *elf, char *err,
			   size_t errlen)
{
	struct elf_seg seg;

	if (!elf->have_entry)
		return boot_fail(err, errlen, -ENOEXEC,
				 "ELF: no PVH entry note "
				 "(XEN_ELFNOTE_PHYS32_ENTRY)");
	for (unsigned int i = 0; i < elf->phnum; i++) {
		elf_read_seg(elf, i, &seg);
		/* Checked: paddr + memsz does not wrap. */
		if (seg.type == PT_LOAD && elf->entry >= seg.paddr &&
		    elf->entry - seg.paddr < seg.memsz)
			return 0;
	}
	return boot_fail(err, errlen, -EINVAL,
			 "ELF: PVH entry 0x%llx is not inside a PT_LOAD "
			 "segment",
			 (unsigned long long)elf->entry);
}

static int elf_parse(struct elf_image *elf, char *err, size_t errlen)
{
	int rc = elf_check_ident(elf, err, errlen);

	if (!rc)
		rc = elf_check_phdrs(elf, err, errlen);
	if (!rc)
		rc = elf_check_segments(elf, err, errlen);
	if (!rc)
		rc = pvh_check_entry(elf, err, errlen);
	return rc;
}

/* Copy each checked PT_LOAD segment and zero its tail (.bss). */
static int elf_load_segments(const struct elf_image *elf, struct guest_mem *gm,
			     char *err, size_t errlen)
{
	struct elf_seg seg;

	for (unsigned int i = 0; i < elf->phnum; i++) {
		uint8_t *dst;

		elf_read_seg(elf, i, &seg);
		if (seg.type != PT_LOAD || seg.memsz == 0)
			continue;
		dst = gm_slice(gm, seg.paddr, seg.memsz);
		if (!dst)
			return boot_fail(err, errlen, -ENOSPC,
					 "ELF: PT_LOAD segment %u at 0x%llx "
					 "not in one RAM region",
					 i, (unsigned long long)seg.paddr);
		memcpy(dst, elf->data + seg.offset, seg.filesz);
		memset(dst + seg.filesz, 0, seg.memsz - seg.filesz);
	}
	return 0;
}

static int pvh_write_start_info(struct guest_mem *gm,
				const struct boot_config *cfg,
				uint64_t initrd_gpa, char *err, size_t errlen)
{
	struct boot_e820_entry e820[BOOT_E820_MAX];
	struct hvm_memmap_table_entry map[BOOT_E820_MAX];
	struct hvm_modlist_entry mod = {
		.paddr = initrd_gpa,
		.size = cfg->initrd_size,
	};
	struct hvm_start_info si = {
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = PVH_START_INFO_VERSION,
		.nr_modules = initrd_gpa ? 1 : 0,
		.modlist_paddr = initrd_gpa ? BOOT_PVH_MODLIST_ADDR : 0,
		.cmdline_paddr = BOOT_CMDLINE_ADDR,
		.rsdp_paddr = cfg->rsdp_gpa,
		.memmap_paddr = BOOT_PVH_MEMMAP_ADDR,
	};
	unsigned int n = boot_e820_build(gm, e820, BOOT_E820_MAX);

	for (unsigned int i = 0; i < n; i++)
		map[i] = (struct hvm_memmap_table_entry){
			.addr = e820[i].addr,
			.size = e820[i].size,
			.type = e820[i].type,
		};
	si.memmap_entries = n;
	if ((initrd_gpa &&
	     !gm_write(gm, BOOT_PVH_MODLIST_ADDR, &mod, sizeof(mod))) ||
	    !gm_write(gm, BOOT_PVH_MEMMAP_ADDR, map, n * sizeof(map[0])) ||
	    !gm_write(gm, BOOT_PARAMS_ADDR, &si, sizeof(si)))
		return boot_fail(err, errlen, -ENOSPC,
				 "PVH: boot structures at 0x%llx not in RAM",
				 BOOT_PARAMS_ADDR);
	return 0;
}

int boot_load_pvh(struct guest_mem *gm, const void *image, size_t image_size,
		  const struct boot_config *cfg, struct boot_entry *entry,
		  char *err, size_t errlen)
{
	struct elf_image elf = {
		.data = image,
		.size = image_size,
		.low_end = boot_low_ram_end(gm),
		.kernel_end = KERNEL_LOAD_ADDR,
	};
	uint64_t initrd_gpa;
	int rc;

	rc = elf_parse(&elf, err, errlen);
	if (!rc)
		rc = boot_write_cmdline(gm, cfg, PVH_CMDLINE_MAX, err, errlen);
	if (!rc)
		rc = boot_load_initrd(gm, cfg, elf.kernel_end, elf.low_end - 1,
				      &initrd_gpa, err, errlen);
	if (!rc)
		rc = elf_load_segments(&elf, gm, err, errlen);
	if (!rc)
		rc = pvh_write_start_info(gm, cfg, initrd_gpa, err, errlen);
	if (rc)
		return rc;
	*entry = (struct boot_entry){
		.mode = BOOT_ENTRY_PVH32,
		.entry = elf.entry,
		.boot_info = BOOT_PARAMS_ADDR,
	};
	return 0;
}
