// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ELF/PVH loader against synthetic images: a minimal ELF64 (and ELF32)
 * kernel with one PT_LOAD segment and a PT_NOTE holding the Xen
 * PHYS32_ENTRY note loads and gets a correct hvm_start_info; each malformed
 * header, segment and note is rejected with its own message.
 */
#include <asm/e820.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/layout.h"
#include "lib/read_file.h"
#include "tests/support/tap.h"
#include "vmm/boot.h"

#define MIB (1024ull * 1024)
#define RAM_SIZE (64 * MIB)
#define RSDP_GPA 0xe0000ull

/* Image layout: ELF header, 2 program headers, notes, segment data. */
#define PHOFF 0x40u
#define NOTE_OFF 0x100u
#define SEG_OFF 0x200u
#define SEG_FILESZ 0x1000u
#define SEG_MEMSZ 0x3000u
#define SEG_PADDR 0x200000u
#define ENTRY (SEG_PADDR + 0x10)
#define IMAGE_SIZE (SEG_OFF + SEG_FILESZ)

struct note {
	Elf64_Nhdr nh;
	char name[4];
	uint32_t desc[2];
};

static uint8_t *ram;
static struct guest_mem gm;
static _Alignas(8) uint8_t image[IMAGE_SIZE];
static char err[256];

static void reset_ram(void)
{
	memset(ram, 0xaa, RAM_SIZE); /* so a missing .bss clear shows */
	gm_init(&gm);
	gm_add_region(&gm, 0, RAM_SIZE, ram);
}

static Elf64_Phdr *phdr64(unsigned int i)
{
	return (Elf64_Phdr *)(void *)(image + PHOFF + i * sizeof(Elf64_Phdr));
}

static struct note *pvh_note(void)
{
	return (struct note *)(void *)(image + NOTE_OFF);
}

static void build_elf64(void)
{
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			     ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_EXEC,
		.e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_entry = 0xffffffff81000000ull,
		.e_phoff = PHOFF,
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = 2,
	};
	struct note note = {
		.nh = { .n_namesz = 4,
			.n_descsz = 4,
			.n_type = XEN_ELFNOTE_PHYS32_ENTRY },
		.name = "Xen",
		.desc = { ENTRY, 0 },
	};

	memset(image, 0, sizeof(image));
	memcpy(image, &eh, sizeof(eh));
	*phdr64(0) = (Elf64_Phdr){
		.p_type = PT_LOAD,
		.p_offset = SEG_OFF,
		.p_vaddr = 0xffffffff81000000ull,
		.p_paddr = SEG_PADDR,
		.p_filesz = SEG_FILESZ,
		.p_memsz = SEG_MEMSZ,
		.p_align = 4096,
	};
	*phdr64(1) = (Elf64_Phdr){
		.p_type = PT_NOTE,
		.p_offset = NOTE_OFF,
		.p_filesz = 20,
		.p_align = 4,
	};
	memcpy(image + NOTE_OFF, &note, sizeof(note));
	for (unsigned int i = 0; i < SEG_FILESZ; i++)
		image[SEG_OFF + i] = (uint8_t)(i * 13 + 5);
}

static void build_elf32(void)
{
	Elf32_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS32,
			     ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_EXEC,
		.e_machine = EM_386,
		.e_version = EV_CURRENT,
		.e_phoff = PHOFF,
		.e_ehsize = sizeof(Elf32_Ehdr),
		.e_phentsize = sizeof(Elf32_Phdr),
		.e_phnum = 2,
	};
	Elf32_Phdr ph[2] = {
		{ .p_type = PT_LOAD,
		  .p_offset = SEG_OFF,
		  .p_paddr = SEG_PADDR,
		  .p_filesz = SEG_FILESZ,
		  .p_memsz = SEG_MEMSZ },
		{ .p_type = PT_NOTE, .p_offset = NOTE_OFF, .p_filesz = 20 },
	};

	build_elf64();
	memset(image, 0, NOTE_OFF);
	memcpy(image, &eh, sizeof(eh));
	memcpy(image + PHOFF, ph, sizeof(ph));
}

static struct boot_config config(const char *cmdline, const void *initrd,
				 size_t initrd_size)
{
	return (struct boot_config){
		.cmdline = cmdline,
		.initrd = initrd,
		.initrd_size = initrd_size,
		.rsdp_gpa = RSDP_GPA,
		.ram_size = RAM_SIZE,
	};
}

static int load(const struct boot_config *cfg, size_t size,
		struct boot_entry *entry)
{
	err[0] = '\0';
	reset_ram();
	return boot_load_pvh(&gm, image, size, cfg, entry, err, sizeof(err));
}

/* Load the current image; expect rc and a message containing want. */
static void expect_reject(size_t size, int rc, const char *want,
			  const char *what)
{
	struct boot_config cfg = config(NULL, NULL, 0);
	struct boot_entry entry;
	int got = load(&cfg, size, &entry);

	CHECK(got == rc && strstr(err, want), "%s: rc %d, \"%s\"", what, got,
	      err);
}

static void check_loaded(const char *what)
{
	static const uint8_t zeroes[SEG_MEMSZ - SEG_FILESZ];

	CHECK(memcmp(ram + SEG_PADDR, image + SEG_OFF, SEG_FILESZ) == 0,
	      "%s: segment copied to p_paddr", what);
	CHECK(memcmp(ram + SEG_PADDR + SEG_FILESZ, zeroes, sizeof(zeroes)) == 0,
	      "%s: memsz beyond filesz zeroed", what);
}

static void test_valid(void)
{
	static uint8_t initrd[5000];
	struct boot_config cfg = config("console=hvc0", initrd, sizeof(initrd));
	uint64_t initrd_gpa = (RAM_SIZE - sizeof(initrd)) & ~4095ull;
	struct hvm_memmap_table_entry map[4];
	struct hvm_modlist_entry mod;
	struct hvm_start_info si;
	struct boot_entry entry;
	char cmdline[32];

	memset(initrd, 0x3c, sizeof(initrd));
	build_elf64();
	CHECK(load(&cfg, IMAGE_SIZE, &entry) == 0, "valid ELF64 loads (%s)",
	      err);
	CHECK(entry.mode == BOOT_ENTRY_PVH32 && entry.entry == ENTRY &&
		      entry.boot_info == BOOT_PARAMS_ADDR,
	      "PVH entry 0x%llx, start_info at 0x%llx",
	      (unsigned long long)entry.entry,
	      (unsigned long long)entry.boot_info);
	check_loaded("ELF64");

	gm_read(&gm, BOOT_PARAMS_ADDR, &si, sizeof(si));
	CHECK(si.magic == XEN_HVM_START_MAGIC_VALUE && si.version == 1,
	      "start_info magic and version 1");
	CHECK(si.rsdp_paddr == RSDP_GPA, "rsdp_paddr");
	CHECK(si.cmdline_paddr == BOOT_CMDLINE_ADDR, "cmdline_paddr");
	gm_read(&gm, si.cmdline_paddr, cmdline, sizeof(cmdline));
	CHECK(strcmp(cmdline, "console=hvc0") == 0, "command line in memory");
	CHECK(si.nr_modules == 1 && si.modlist_paddr == BOOT_PVH_MODLIST_ADDR,
	      "one module at the modlist address");
	gm_read(&gm, si.modlist_paddr, &mod, sizeof(mod));
	CHECK(mod.paddr == initrd_gpa && mod.size == sizeof(initrd),
	      "module 0 is the initrd at 0x%llx",
	      (unsigned long long)mod.paddr);
	CHECK(memcmp(ram + initrd_gpa, initrd, sizeof(initrd)) == 0,
	      "initrd contents");
	CHECK(si.memmap_paddr == BOOT_PVH_MEMMAP_ADDR && si.memmap_entries == 3,
	      "memory map of 3 entries (%u)", si.memmap_entries);
	gm_read(&gm, si.memmap_paddr, map, 3 * sizeof(map[0]));
	CHECK(map[0].addr == 0 && map[0].size == EBDA_START &&
		      map[0].type == E820_RAM,
	      "memmap[0]: RAM below the EBDA");
	CHECK(map[1].addr == EBDA_START && map[1].type == E820_RESERVED,
	      "memmap[1]: reserved BIOS area");
	CHECK(map[2].addr == BIOS_AREA_END &&
		      map[2].size == RAM_SIZE - BIOS_AREA_END &&
		      map[2].type == E820_RAM,
	      "memmap[2]: RAM from 1 MiB");
}

static void test_valid_variants(void)
{
	struct boot_config cfg = config(NULL, NULL, 0);
	struct hvm_start_info si;
	struct boot_entry entry;

	build_elf32();
	CHECK(load(&cfg, IMAGE_SIZE, &entry) == 0 && entry.entry == ENTRY,
	      "valid ELF32 loads (%s)", err);
	check_loaded("ELF32");
	gm_read(&gm, BOOT_PARAMS_ADDR, &si, sizeof(si));
	CHECK(si.nr_modules == 0 && si.modlist_paddr == 0,
	      "no initrd: no modules");

	/* An 8-byte descriptor, as older 64-bit kernels emit (.quad). */
	build_elf64();
	pvh_note()->nh.n_descsz = 8;
	phdr64(1)->p_filesz = 24;
	CHECK(load(&cfg, IMAGE_SIZE, &entry) == 0 && entry.entry == ENTRY,
	      "8-byte PVH descriptor (%s)", err);

	/* An 8-aligned note segment: a GNU note padded to 8 comes first. */
	build_elf64();
	{
		struct note gnu = {
			.nh = { .n_namesz = 4, .n_descsz = 4, .n_type = 5 },
			.name = "GNU",
			.desc = { 0x11111111, 0 },
		};
		struct note xen = *pvh_note();

		memcpy(image + NOTE_OFF, &gnu, sizeof(gnu));
		memcpy(image + NOTE_OFF + 24, &xen, 20);
		phdr64(1)->p_filesz = 48;
		phdr64(1)->p_align = 8;
	}
	CHECK(load(&cfg, IMAGE_SIZE, &entry) == 0 && entry.entry == ENTRY,
	      "notes padded to 8 in an 8-aligned segment (%s)", err);
}

static void test_truncated(void)
{
	static const struct {
		size_t size;
		const char *want;
	} cuts[] = {
		{ 0, "no ELF magic" },
		{ 10, "no ELF magic" },
		{ 40, "file too short (40 bytes) for an ELF64 header" },
		{ 0x80, "program headers at 0x40 (2 x 56 bytes) past the end" },
		{ NOTE_OFF + 10, "PT_LOAD segment 0: offset 0x200" },
		{ SEG_OFF + 100, "PT_LOAD segment 0: offset 0x200" },
	};

	build_elf64();
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		char what[64];
		int rc = cuts[i].size < 16 ? -ENOEXEC : -EINVAL;

		snprintf(what, sizeof(what), "truncated to %zu bytes",
			 cuts[i].size);
		expect_reject(cuts[i].size, rc, cuts[i].want, what);
	}
}

static void test_bad_ehdr(void)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)(void *)image;

	build_elf64();
	image[1] = 'X';
	expect_reject(IMAGE_SIZE, -ENOEXEC, "no ELF magic", "wrong magic");
	build_elf64();
	image[EI_CLASS] = 3;
	expect_reject(IMAGE_SIZE, -ENOEXEC, "class 3", "bad class");
	build_elf64();
	image[EI_DATA] = ELFDATA2MSB;
	expect_reject(IMAGE_SIZE, -ENOEXEC, "not little-endian", "big-endian");
	build_elf64();
	eh->e_type = ET_DYN;
	expect_reject(IMAGE_SIZE, -ENOEXEC, "e_type 3 is not an executable",
		      "ET_DYN");
	build_elf64();
	eh->e_machine = EM_AARCH64;
	expect_reject(IMAGE_SIZE, -ENOEXEC, "e_machine 183 is not x86-64",
		      "wrong machine");
	build_elf64();
	eh->e_phentsize = 32;
	expect_reject(IMAGE_SIZE, -EINVAL, "e_phentsize 32, expected 56",
		      "wrong phentsize");
	build_elf64();
	eh->e_phnum = 0;
	expect_reject(IMAGE_SIZE, -ENOEXEC, "no program headers", "phnum 0");
	build_elf64();
	eh->e_phoff = IMAGE_SIZE - 8;
	expect_reject(IMAGE_SIZE, -EINVAL,
		      "program headers at 0x11f8 (2 x 56 bytes) past the end",
		      "phoff past end");
	build_elf64();
	eh->e_phoff = UINT64_MAX - 0x40;
	eh->e_phnum = 0xffff;
	expect_reject(IMAGE_SIZE, -EINVAL, "(65535 x 56 bytes) overflow",
		      "phoff + phnum * phentsize overflows");
}

static void test_bad_segments(void)
{
	build_elf64();
	phdr64(0)->p_filesz = IMAGE_SIZE;
	expect_reject(IMAGE_SIZE, -EINVAL,
		      "PT_LOAD segment 0: offset 0x200 + filesz 0x1200 past "
		      "the end",
		      "segment offset + filesz past end");
	build_elf64();
	phdr64(0)->p_offset = UINT64_MAX - 0x10;
	expect_reject(IMAGE_SIZE, -EINVAL, "PT_LOAD segment 0: offset 0xff",
		      "segment offset + filesz overflows");
	build_elf64();
	phdr64(0)->p_memsz = SEG_FILESZ - 1;
	expect_reject(IMAGE_SIZE, -EINVAL,
		      "filesz 0x1000 larger than memsz 0xfff",
		      "memsz < filesz");
	build_elf64();
	phdr64(0)->p_paddr = 0x4000000 - 0x2000;
	expect_reject(IMAGE_SIZE, -ENOSPC,
		      "segment 0 at 0x3ffe000 (memsz 0x3000) is outside RAM, "
		      "which ends at 0x4000000",
		      "segment past the end of RAM");
	build_elf64();
	phdr64(0)->p_paddr = UINT64_MAX - 0x1000;
	expect_reject(IMAGE_SIZE, -ENOSPC, "is outside RAM",
		      "segment paddr + memsz overflows");
	build_elf64();
	phdr64(0)->p_paddr = 0x7000;
	expect_reject(IMAGE_SIZE, -EINVAL,
		      "segment 0 at 0x7000 is below 0x100000",
		      "segment over the boot structures");
}

static void test_bad_notes(void)
{
	build_elf64();
	phdr64(1)->p_filesz = 0x2000;
	expect_reject(IMAGE_SIZE, -EINVAL,
		      "PT_NOTE segment 1: offset 0x100 + filesz 0x2000 past",
		      "note segment past the end of the file");
	build_elf64();
	phdr64(1)->p_filesz = 8;
	expect_reject(IMAGE_SIZE, -EINVAL, "note at 0x100: header past the end",
		      "truncated note header");
	build_elf64();
	pvh_note()->nh.n_namesz = 0xfffffffd;
	expect_reject(IMAGE_SIZE, -EINVAL,
		      "namesz 0xfffffffd + descsz 0x4 past the end",
		      "namesz overflowing 32 bits when aligned");
	build_elf64();
	pvh_note()->nh.n_descsz = 0xffffffff;
	expect_reject(IMAGE_SIZE, -EINVAL,
		      "namesz 0x4 + descsz 0xffffffff past the end",
		      "descsz overflowing");
	build_elf64();
	pvh_note()->nh.n_type = 17;
	expect_reject(IMAGE_SIZE, -ENOEXEC,
		      "ELF: no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)",
		      "missing PVH note");
	build_elf64();
	memcpy(pvh_note()->name, "Xex", 4);
	expect_reject(IMAGE_SIZE, -ENOEXEC, "no PVH entry note",
		      "note with another name");
	build_elf64();
	pvh_note()->nh.n_descsz = 2;
	expect_reject(IMAGE_SIZE, -EINVAL, "PVH note descsz 2, expected 4 or 8",
		      "bad descriptor size");
	build_elf64();
	pvh_note()->nh.n_descsz = 8;
	pvh_note()->desc[1] = 1;
	phdr64(1)->p_filesz = 24;
	expect_reject(IMAGE_SIZE, -EINVAL,
		      "PVH entry 0x100200010 is not a 32-bit address",
		      "entry above 4 GiB");
	build_elf64();
	pvh_note()->desc[0] = SEG_PADDR + SEG_MEMSZ;
	expect_reject(IMAGE_SIZE, -EINVAL,
		      "PVH entry 0x203000 is not inside a PT_LOAD segment",
		      "entry outside the loaded segments");
}

static void test_cmdline_initrd(void)
{
	static char long_line[4097];
	static uint8_t initrd[4096];
	struct boot_config cfg = config(long_line, NULL, 0);
	struct boot_entry entry;
	int rc;

	memset(long_line, 'x', sizeof(long_line) - 1);
	build_elf64();
	rc = load(&cfg, IMAGE_SIZE, &entry);
	CHECK(rc == -E2BIG &&
		      strstr(err, "cmdline: 4096 bytes, longer than the "
				  "kernel's cmdline_size 2047"),
	      "over-long cmdline: \"%s\"", err);
	/* What x86 Linux copies of a PVH command line: 2047 and its NUL. */
	long_line[2048] = '\0';
	rc = load(&cfg, IMAGE_SIZE, &entry);
	CHECK(rc == -E2BIG && strstr(err, "cmdline: 2048 bytes"),
	      "a 2048-byte cmdline, which Linux would cut: \"%s\"", err);
	long_line[2047] = '\0';
	CHECK(load(&cfg, IMAGE_SIZE, &entry) == 0,
	      "a 2047-byte cmdline loads: \"%s\"", err);
	/* Rejected on its size before a byte of it is read. */
	cfg = config(NULL, initrd, 63 * MIB);
	rc = load(&cfg, IMAGE_SIZE, &entry);
	CHECK(rc == -ENOSPC &&
		      strstr(err, "initrd: 66060288 bytes (63 MiB) do not fit "
				  "between the kernel's end 0x203000"),
	      "initrd too large: \"%s\"", err);
	CHECK(boot_load(&gm, image, IMAGE_SIZE, &cfg, &entry, NULL, 0) ==
		      -ENOSPC,
	      "boot_load detects ELF and uses the PVH loader");
}

/*
 * A real vmlinux, when the environment names one (VIGIL_TEST_VMLINUX, e.g.
 * the one guest/linux/fetch-artefacts.sh extracts): it loads into 512 MiB.
 */
static void test_real_vmlinux(void)
{
	const char *path = getenv("VIGIL_TEST_VMLINUX");
	const uint64_t big = 512 * MIB;
	struct boot_config cfg = config("console=ttyS0", NULL, 0);
	struct hvm_start_info si;
	struct boot_entry entry;
	void *file = NULL;
	uint8_t *mem;
	size_t size = 0;
	int rc;

	if (!path) {
		tap_skip("a real vmlinux", "VIGIL_TEST_VMLINUX not set");
		return;
	}
	err[0] = '\0';
	rc = read_file_whole("kernel", path, big, &file, &size, err,
			     sizeof(err));
	mem = calloc(1, big);
	CHECK(rc == 0 && mem, "read %s (%zu bytes) %s", path, size, err);
	if (!file || !mem)
		goto out;
	gm_init(&gm);
	gm_add_region(&gm, 0, big, mem);
	err[0] = '\0';
	rc = boot_load(&gm, file, size, &cfg, &entry, err, sizeof(err));
	CHECK(rc == 0 && entry.mode == BOOT_ENTRY_PVH32,
	      "%s loads: rc %d, entry 0x%llx %s", path, rc,
	      (unsigned long long)entry.entry, err);
	gm_read(&gm, BOOT_PARAMS_ADDR, &si, sizeof(si));
	CHECK(rc == 0 && si.magic == XEN_HVM_START_MAGIC_VALUE,
	      "its hvm_start_info");
out:
	free(file);
	free(mem);
}

int main(void)
{
	ram = malloc(RAM_SIZE);
	if (!ram)
		return 1;
	test_valid();
	test_valid_variants();
	test_truncated();
	test_bad_ehdr();
	test_bad_segments();
	test_bad_notes();
	test_cmdline_initrd();
	test_real_vmlinux();
	free(ram);
	return tap_done();
}
