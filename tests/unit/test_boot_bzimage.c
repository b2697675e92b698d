// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bzImage loader against synthetic images: a minimal valid one (setup
 * header, protected-mode payload) loads with the boot_params a kernel
 * expects, and each malformed field is rejected with its own message.
 */
#include <asm/e820.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/layout.h"
#include "lib/read_file.h"
#include "tests/support/tap.h"
#include "vmm/boot.h"

#define MIB (1024ull * 1024)
#define RAM_SIZE (64 * MIB)
#define SETUP_SECTS 4u
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512u)
#define PAYLOAD_SIZE 8192u
#define IMAGE_SIZE (SETUP_SIZE + PAYLOAD_SIZE)
#define HDR_OFFSET 0x1f1u
#define RSDP_GPA 0xe0000ull

static uint8_t *ram;
static struct guest_mem gm;
static uint8_t image[IMAGE_SIZE];
static char err[256];

static void reset_ram(uint64_t low_size)
{
	memset(ram, 0, RAM_SIZE);
	gm_init(&gm);
	gm_add_region(&gm, 0, low_size, ram);
}

/* The header a modern x86-64 distribution kernel carries. */
static struct setup_header good_header(void)
{
	return (struct setup_header){
		.setup_sects = SETUP_SECTS,
		.syssize = PAYLOAD_SIZE / 16,
		.boot_flag = 0xaa55,
		.jump = 0x6aeb, /* jmp 0x26c: header ends at 0x26c */
		.header = BOOT_HDRS_MAGIC,
		.version = 0x020f,
		.loadflags = LOADED_HIGH,
		.initrd_addr_max = 0x7fffffff,
		.kernel_alignment = 0x200000,
		.relocatable_kernel = 1,
		.min_alignment = 21,
		.xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G,
		.cmdline_size = 2048,
		.pref_address = 0x1000000,
		.init_size = 0x800000,
	};
}

static void build_image(const struct setup_header *hdr)
{
	memset(image, 0, sizeof(image));
	for (unsigned int i = 0; i < PAYLOAD_SIZE; i++)
		image[SETUP_SIZE + i] = (uint8_t)(i * 7 + 1);
	memcpy(image + HDR_OFFSET, hdr, sizeof(*hdr));
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
	return boot_load_bzimage(&gm, image, size, cfg, entry, err,
				 sizeof(err));
}

/* Load with a modified header; expect rc and a message containing want. */
static void expect_reject(const struct setup_header *hdr, size_t size,
			  const struct boot_config *cfg, int rc,
			  const char *want, const char *what)
{
	struct boot_entry entry;
	int got;

	reset_ram(RAM_SIZE);
	build_image(hdr);
	got = load(cfg, size, &entry);
	CHECK(got == rc && strstr(err, want), "%s: rc %d, \"%s\"", what, got,
	      err);
}

static void test_valid(void)
{
	static uint8_t initrd[3 * 4096 + 100];
	struct setup_header hdr = good_header();
	struct boot_config cfg =
		config("console=ttyS0 root=/dev/vda", initrd, sizeof(initrd));
	uint64_t initrd_gpa = (RAM_SIZE - sizeof(initrd)) & ~4095ull;
	struct boot_params bp;
	struct boot_entry entry;
	char cmdline[64];

	memset(initrd, 0x5a, sizeof(initrd));
	reset_ram(RAM_SIZE);
	build_image(&hdr);
	CHECK(load(&cfg, IMAGE_SIZE, &entry) == 0, "valid bzImage loads (%s)",
	      err);
	CHECK(entry.mode == BOOT_ENTRY_LINUX64, "64-bit entry mode");
	CHECK(entry.entry == KERNEL_LOAD_ADDR + 0x200,
	      "entry at 1 MiB + 0x200");
	CHECK(entry.boot_info == BOOT_PARAMS_ADDR, "boot_info is boot_params");
	CHECK(memcmp(ram + KERNEL_LOAD_ADDR, image + SETUP_SIZE,
		     PAYLOAD_SIZE) == 0,
	      "protected-mode part copied to 1 MiB");

	gm_read(&gm, BOOT_PARAMS_ADDR, &bp, sizeof(bp));
	CHECK(bp.hdr.header == BOOT_HDRS_MAGIC && bp.hdr.version == 0x020f,
	      "setup header copied into boot_params");
	CHECK(bp.hdr.type_of_loader == 0xff, "type_of_loader 0xff");
	CHECK(bp.hdr.cmd_line_ptr == BOOT_CMDLINE_ADDR &&
		      bp.ext_cmd_line_ptr == 0,
	      "cmd_line_ptr 0x%x", bp.hdr.cmd_line_ptr);
	gm_read(&gm, BOOT_CMDLINE_ADDR, cmdline, sizeof(cmdline));
	CHECK(strcmp(cmdline, "console=ttyS0 root=/dev/vda") == 0,
	      "command line in guest memory");
	CHECK(bp.hdr.ramdisk_image == initrd_gpa, "ramdisk_image 0x%x",
	      bp.hdr.ramdisk_image);
	CHECK(bp.hdr.ramdisk_size == sizeof(initrd) &&
		      bp.ext_ramdisk_size == 0 && bp.ext_ramdisk_image == 0,
	      "ramdisk_size %u", bp.hdr.ramdisk_size);
	CHECK(memcmp(ram + initrd_gpa, initrd, sizeof(initrd)) == 0,
	      "initrd contents at the top of RAM");
	CHECK(bp.acpi_rsdp_addr == RSDP_GPA, "acpi_rsdp_addr");
	CHECK(bp.e820_entries == 3, "three e820 entries (%u)", bp.e820_entries);
	CHECK(bp.e820_table[0].addr == 0 &&
		      bp.e820_table[0].size == EBDA_START &&
		      bp.e820_table[0].type == E820_RAM,
	      "e820[0]: RAM below the EBDA");
	CHECK(bp.e820_table[1].addr == EBDA_START &&
		      bp.e820_table[1].size == BIOS_AREA_END - EBDA_START &&
		      bp.e820_table[1].type == E820_RESERVED,
	      "e820[1]: EBDA..1 MiB reserved");
	CHECK(bp.e820_table[2].addr == BIOS_AREA_END &&
		      bp.e820_table[2].size == RAM_SIZE - BIOS_AREA_END &&
		      bp.e820_table[2].type == E820_RAM,
	      "e820[2]: RAM from 1 MiB");
	CHECK(bp.hdr.setup_data == 0 && bp.sentinel == 0,
	      "no setup_data, sentinel clear");
}

/* Only the length the header declares is copied into boot_params. */
/*
 * A seed reaches the kernel as one SETUP_RNG_SEED entry that boot_params
 * points at; a seed of no size or past the maximum is refused.
 */
static void test_rng_seed(void)
{
	static const uint8_t seed[BOOT_RNG_SEED_SIZE] = { 1, 2, 3, [31] = 32 };
	struct setup_header hdr = good_header();
	struct boot_config cfg = config(NULL, NULL, 0);
	uint8_t data[sizeof(seed)];
	struct setup_data sd;
	struct boot_params bp;
	struct boot_entry entry;

	cfg.rng_seed = seed;
	cfg.rng_seed_len = sizeof(seed);
	reset_ram(RAM_SIZE);
	build_image(&hdr);
	CHECK(load(&cfg, IMAGE_SIZE, &entry) == 0, "loads with a seed (%s)",
	      err);
	gm_read(&gm, BOOT_PARAMS_ADDR, &bp, sizeof(bp));
	CHECK(bp.hdr.setup_data == BOOT_SETUP_DATA_ADDR, "setup_data 0x%llx",
	      (unsigned long long)bp.hdr.setup_data);
	gm_read(&gm, BOOT_SETUP_DATA_ADDR, &sd, sizeof(sd));
	gm_read(&gm, BOOT_SETUP_DATA_ADDR + sizeof(sd), data, sizeof(data));
	CHECK(sd.next == 0 && sd.type == SETUP_RNG_SEED &&
		      sd.len == sizeof(seed),
	      "one SETUP_RNG_SEED entry (next 0x%llx, type %u, len %u)",
	      (unsigned long long)sd.next, sd.type, sd.len);
	CHECK(memcmp(data, seed, sizeof(seed)) == 0, "the seed's bytes");

	cfg.rng_seed_len = 0;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -EINVAL, "RNG seed of 0 bytes",
		      "an empty seed");
	cfg.rng_seed_len = BOOT_RNG_SEED_MAX + 1;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -EINVAL, "RNG seed of 257 bytes",
		      "a seed past the maximum");
}

static void test_header_length(void)
{
	struct setup_header hdr = good_header();
	struct boot_config cfg = config(NULL, NULL, 0);
	struct boot_params bp;
	struct boot_entry entry;

	hdr.jump = 0x66eb; /* ends at 0x268, before kernel_info_offset */
	hdr.kernel_info_offset = 0xdeadbeef;
	reset_ram(RAM_SIZE);
	build_image(&hdr);
	CHECK(load(&cfg, IMAGE_SIZE, &entry) == 0, "short header loads (%s)",
	      err);
	gm_read(&gm, BOOT_PARAMS_ADDR, &bp, sizeof(bp));
	CHECK(bp.hdr.kernel_info_offset == 0 && bp.hdr.init_size == 0x800000,
	      "fields past the declared end are not copied");
	CHECK(ram[BOOT_CMDLINE_ADDR] == '\0', "NULL cmdline is empty");
	CHECK(bp.hdr.ramdisk_image == 0 && bp.hdr.ramdisk_size == 0,
	      "no initrd: ramdisk fields 0");
}

static void test_truncated(void)
{
	static const struct {
		size_t size;
		const char *want;
	} cuts[] = {
		{ 0, "file too short (0 bytes)" },
		{ 0x100, "file too short (256 bytes)" },
		{ 0x207, "file too short (519 bytes)" },
		{ 0x260, "setup header ends at 0x26c, past the end" },
		{ SETUP_SIZE - 1, "setup_sects 4 ends past the file" },
		{ SETUP_SIZE, "setup_sects 4 ends past the file" },
		{ SETUP_SIZE + 100,
		  "kernel of 100 bytes ends before its 64-bit" },
		{ SETUP_SIZE + 0x201,
		  "syssize 0x200 (8192 bytes) past the end" },
		{ IMAGE_SIZE - 1, "syssize 0x200 (8192 bytes) past the end" },
	};
	struct setup_header hdr = good_header();
	struct boot_config cfg = config(NULL, NULL, 0);

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "truncated to %zu bytes",
			 cuts[i].size);
		expect_reject(&hdr, cuts[i].size, &cfg, -EINVAL, cuts[i].want,
			      what);
	}
}

static void test_bad_headers(void)
{
	struct boot_config cfg = config(NULL, NULL, 0);
	struct setup_header hdr;

	hdr = good_header();
	hdr.header = 0x53726449;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -ENOEXEC, "no \"HdrS\" magic",
		      "wrong magic");
	hdr = good_header();
	hdr.version = 0x020b;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -ENOEXEC,
		      "boot protocol 2.11 too old, need 2.12", "old protocol");
	hdr = good_header();
	hdr.xloadflags = XLF_CAN_BE_LOADED_ABOVE_4G;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -ENOEXEC, "lack XLF_KERNEL_64",
		      "no 64-bit entry");
	hdr = good_header();
	hdr.loadflags = 0;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -ENOEXEC, "lack LOADED_HIGH",
		      "zImage");
	hdr = good_header();
	hdr.jump = 0x20eb;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -EINVAL,
		      "setup header ends at 0x222, before init_size",
		      "header shorter than vigil reads");
	hdr = good_header();
	hdr.setup_sects = 200;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -EINVAL,
		      "setup_sects 200 ends past the file (size 10752)",
		      "setup_sects past end");
	hdr = good_header();
	hdr.syssize = 0xffffffff;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -EINVAL,
		      "syssize 0xffffffff (68719476720 bytes) past the end",
		      "syssize past end (no 32-bit wrap)");
	hdr = good_header();
	hdr.syssize = 0;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -EINVAL, "syssize 0",
		      "syssize 0");
}

static void test_kernel_placement(void)
{
	struct boot_config cfg = config(NULL, NULL, 0);
	struct setup_header hdr;

	hdr = good_header();
	hdr.kernel_alignment = 0x300000;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -EINVAL,
		      "kernel_alignment 0x300000 is not a power of two",
		      "bad kernel_alignment");
	hdr = good_header();
	hdr.pref_address = UINT64_MAX - 0x10;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -EINVAL,
		      "init_size 0x800000 overflows", "pref_address overflow");
	hdr = good_header();
	hdr.init_size = 0xf0000000;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -ENOSPC,
		      "kernel needs RAM up to 0xf1000000",
		      "init_size larger than RAM");
	hdr = good_header();
	hdr.relocatable_kernel = 0;
	hdr.pref_address = 0x10000;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -EINVAL,
		      "fixed kernel at pref_address 0x10000",
		      "fixed kernel below 1 MiB");
}

static void test_cmdline(void)
{
	static char long_line[5001];
	struct setup_header hdr = good_header();
	struct boot_config cfg = config("0123456789abcdefX", NULL, 0);
	struct boot_entry entry;

	hdr.cmdline_size = 16;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -E2BIG,
		      "cmdline: 17 bytes, longer than the kernel's "
		      "cmdline_size 16",
		      "cmdline over cmdline_size");
	cfg.cmdline = "0123456789abcdef";
	reset_ram(RAM_SIZE);
	build_image(&hdr);
	CHECK(load(&cfg, IMAGE_SIZE, &entry) == 0,
	      "cmdline of exactly cmdline_size loads (%s)", err);

	memset(long_line, 'a', sizeof(long_line) - 1);
	hdr = good_header();
	hdr.cmdline_size = 0x10000;
	cfg.cmdline = long_line;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -E2BIG,
		      "cmdline: 5000 bytes, longer than vigil's limit 4095",
		      "cmdline over vigil's limit");
}

static void test_initrd(void)
{
	static uint8_t initrd[8192];
	struct setup_header hdr = good_header();
	/* 60 MiB claimed, 8 KiB there: rejected on its size before a read. */
	struct boot_config cfg = config(NULL, initrd, 60 * MIB);
	struct boot_params bp;
	struct boot_entry entry;

	/* The kernel needs up to 24 MiB (16 MiB + init_size 8 MiB). */
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -ENOSPC,
		      "initrd: 62914560 bytes (60 MiB) do not fit between "
		      "the kernel's end 0x1800000 and 0x3ffffff (RAM 64 MiB)",
		      "initrd larger than RAM");
	cfg.initrd_size = sizeof(initrd);
	hdr.initrd_addr_max = 0x1800fff;
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -ENOSPC,
		      "initrd: 8192 bytes (8 KiB) do not fit between the "
		      "kernel's end 0x1800000 and 0x1800fff",
		      "initrd above initrd_addr_max");

	cfg.initrd_size = 4096;
	reset_ram(RAM_SIZE);
	build_image(&hdr);
	CHECK(load(&cfg, IMAGE_SIZE, &entry) == 0,
	      "initrd fits exactly between kernel and initrd_addr_max (%s)",
	      err);
	gm_read(&gm, BOOT_PARAMS_ADDR, &bp, sizeof(bp));
	CHECK(bp.hdr.ramdisk_image == 0x1800000, "initrd at 0x%x",
	      bp.hdr.ramdisk_image);

	hdr = good_header();
	cfg = config(NULL, NULL, 4096);
	expect_reject(&hdr, IMAGE_SIZE, &cfg, -EINVAL, "but no data",
		      "initrd size without data");
}

static void test_detect_and_ram(void)
{
	struct setup_header hdr = good_header();
	struct boot_config cfg = config(NULL, NULL, 0);
	struct boot_entry entry;
	int rc;

	build_image(&hdr);
	reset_ram(RAM_SIZE);
	CHECK(boot_load(&gm, image, IMAGE_SIZE, &cfg, &entry, err,
			sizeof(err)) == 0 &&
		      entry.mode == BOOT_ENTRY_LINUX64,
	      "boot_load detects a bzImage");
	memset(image + 0x202, 0, 4);
	rc = boot_load(&gm, image, IMAGE_SIZE, &cfg, &entry, err, sizeof(err));
	CHECK(rc == -ENOEXEC && strstr(err, "unrecognised (10752 bytes)"),
	      "boot_load rejects an unknown format: \"%s\"", err);
	rc = boot_load(&gm, image, 3, &cfg, &entry, NULL, 0);
	CHECK(rc == -ENOEXEC, "no error buffer: still a clean rejection");

	build_image(&hdr);
	reset_ram(16 * MIB);
	rc = load(&cfg, IMAGE_SIZE, &entry);
	CHECK(rc == -ENOSPC && strstr(err, "low RAM ends at 0x1000000"),
	      "16 MiB of RAM is too small for this kernel: \"%s\"", err);
	gm_init(&gm);
	gm_add_region(&gm, HIGHMEM_START, RAM_SIZE, ram);
	rc = load(&cfg, IMAGE_SIZE, &entry);
	CHECK(rc == -ENOSPC && strstr(err, "low RAM ends at 0x0"),
	      "no RAM at 0: rejected: \"%s\"", err);
}

static void test_e820_high(void)
{
	struct boot_e820_entry e820[BOOT_E820_MAX];
	unsigned int n;

	gm_init(&gm);
	gm_add_region(&gm, 0, 32 * MIB, ram);
	gm_add_region(&gm, HIGHMEM_START, 16 * MIB, ram + 32 * MIB);
	n = boot_e820_build(&gm, e820, BOOT_E820_MAX);
	CHECK(n == 4, "low and high RAM: four entries (%u)", n);
	CHECK(e820[3].addr == HIGHMEM_START && e820[3].size == 16 * MIB &&
		      e820[3].type == E820_RAM,
	      "RAM above 4 GiB");
	CHECK(boot_e820_build(&gm, e820, 2) == 2, "bounded by max");
}

/*
 * The reset-vector stub, run by a tiny interpreter of the instructions it
 * may use: it must write the ACPI reset value to the reset port, then halt,
 * without running off the end of the 64 KiB real-mode segment.
 */
static void test_reset_vector(void)
{
	struct boot_e820_entry e820[BOOT_E820_MAX];
	uint8_t code[RESET_VECTOR_SIZE];
	unsigned int ip = 0, dx = 0, al = 0, outs = 0, port = 0, val = 0;
	unsigned int steps, n;
	bool halted = false, bad = false;

	reset_ram(32 * MIB);
	CHECK(boot_write_reset_vector(&gm) == 0, "reset vector written");
	gm_read(&gm, RESET_VECTOR_ADDR, code, sizeof(code));
	for (steps = 0; steps < 16 && !halted && !bad; steps++) {
		if (ip >= sizeof(code)) {
			bad = true;
			break;
		}
		switch (code[ip]) {
		case 0xba: /* mov dx, imm16 */
			dx = code[ip + 1] | (unsigned int)code[ip + 2] << 8;
			ip += 3;
			break;
		case 0xb0: /* mov al, imm8 */
			al = code[ip + 1];
			ip += 2;
			break;
		case 0xee: /* out dx, al */
			port = dx;
			val = al;
			outs++;
			ip++;
			break;
		case 0xfa: /* cli */
			ip++;
			break;
		case 0xf4: /* hlt */
			halted = true;
			break;
		default:
			bad = true;
			break;
		}
	}
	CHECK(!bad && halted && outs == 1 && port == ACPI_RESET_PORT &&
		      val == ACPI_RESET_VALUE,
	      "the stub writes 0x%x to port 0x%x and halts (writes %u, "
	      "halted %d, bad %d)",
	      val, port, outs, halted, bad);
	CHECK(RESET_VECTOR_ADDR + RESET_VECTOR_SIZE == BIOS_AREA_END,
	      "f000:fff0 is the last 16 bytes below 1 MiB");
	n = boot_e820_build(&gm, e820, BOOT_E820_MAX);
	CHECK(n >= 2 && e820[1].addr <= RESET_VECTOR_ADDR &&
		      e820[1].addr + e820[1].size >= BIOS_AREA_END &&
		      e820[1].type == E820_RESERVED,
	      "the stub lies in reserved memory");
	gm_init(&gm);
	gm_add_region(&gm, HIGHMEM_START, RAM_SIZE, ram);
	CHECK(boot_write_reset_vector(&gm) == -EFAULT,
	      "no RAM under 1 MiB: -EFAULT");
}

/*
 * A real kernel, when the environment names one (VIGIL_TEST_BZIMAGE, e.g.
 * the bzImage guest/linux/fetch-artefacts.sh builds): it loads into 512 MiB.
 */
static void test_real_kernel(void)
{
	const char *path = getenv("VIGIL_TEST_BZIMAGE");
	const uint64_t big = 512 * MIB;
	struct boot_config cfg = config("console=ttyS0", NULL, 0);
	struct boot_params bp;
	struct boot_entry entry;
	void *file = NULL;
	uint8_t *mem;
	size_t size = 0;
	int rc;

	if (!path) {
		tap_skip("a real bzImage", "VIGIL_TEST_BZIMAGE not set");
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
	CHECK(rc == 0 && entry.mode == BOOT_ENTRY_LINUX64, "%s loads: rc %d %s",
	      path, rc, err);
	gm_read(&gm, BOOT_PARAMS_ADDR, &bp, sizeof(bp));
	CHECK(rc == 0 && bp.hdr.version >= 0x020c &&
		      bp.hdr.type_of_loader == 0xff,
	      "its boot_params: protocol %x", bp.hdr.version);
out:
	free(file);
	free(mem);
}

/*
 * --kernel naming a FIFO (say, in a bundle someone handed over) is refused
 * as not a regular file; the open must not wait for a writer. In a child
 * with an alarm, so that a hang fails the check instead of the run.
 */
static void test_kernel_fifo(void)
{
	char dir[] = "/tmp/vigil-test-fifo-XXXXXX", path[64], why[128] = "";
	int status = -1;
	pid_t pid;

	if (!mkdtemp(dir)) {
		CHECK(false, "a temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/kernel", dir);
	CHECK(mkfifo(path, 0600) == 0, "a FIFO named as the kernel");
	pid = fork();
	if (pid == 0) {
		void *file = NULL;
		size_t size = 0;
		int rc;

		alarm(5);
		rc = read_file_whole("kernel", path, 1 << 20, &file, &size, why,
				     sizeof(why));
		_exit(rc < 0 && strstr(why, "not a regular file") ? 0 : 1);
	}
	if (pid > 0 && waitpid(pid, &status, 0) != pid)
		status = -1;
	CHECK(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "a FIFO as the kernel is refused at once (status 0x%x)", status);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	ram = calloc(1, RAM_SIZE);
	if (!ram)
		return 1;
	test_valid();
	test_rng_seed();
	test_header_length();
	test_truncated();
	test_bad_headers();
	test_kernel_placement();
	test_cmdline();
	test_initrd();
	test_detect_and_ram();
	test_e820_high();
	test_reset_vector();
	test_real_kernel();
	test_kernel_fifo();
	free(ram);
	return tap_done();
}
