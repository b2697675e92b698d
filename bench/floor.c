// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor: the least a KVM program can do to run a guest and hear from
 * it. Open /dev/kvm, create a VM with two memory slots (the code's 64 KiB
 * and the rest of RAM) and one vCPU in 64-bit mode, run; the guest's first
 * instructions write "x\n" to the serial port, and the program copies it
 * to stdout as it comes. With --pio N and --mmio N the guest then does N
 * port writes (to 0x80) and N stores to an address no slot covers, each a
 * round trip through this program, and halts.
 *
 * With --kernel FILE the guest is a bzImage instead (the test guest that
 * vigil boots in bench/boot.py): its protected-mode part is read to 1 MiB
 * and entered at the 64-bit boot protocol's entry (1 MiB + 0x200, %rsi a
 * zeroed boot_params), and the program serves its serial port the least
 * it can, as a UART whose transmitter is always empty, until the guest's
 * first line is out; then it exits. That guest does its own start-up work
 * before its first byte (clearing its .bss, its first touches of RAM),
 * which every VMM that boots it pays and the two-instruction guest does
 * not.
 *
 * bench/boot.py runs it beside vigil and QEMU and times them alike.
 *
 * usage: vigil-floor [--memory MIB] [--pio N] [--mmio N] [--kernel FILE]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CODE_GPA 0x1000u
#define PML4_GPA 0x2000u /* page tables: one 2 MiB page at 0, identity */
#define PDPT_GPA 0x3000u
#define PD_GPA 0x4000u
#define MMIO_GPA 0x20000u  /* the store's target, in the hole between slots */
#define LOW_SLOT 0x10000u  /* slot 0: [0, 64 KiB), code and page tables */
#define HIGH_GPA 0x100000u /* slot 1: [1 MiB, memory), a bzImage's kernel */
#define BOOT_PARAMS_GPA 0x7000u /* --kernel: a zeroed boot_params */
#define COM1 0x3f8u
#define COM1_LCR (COM1 + 3)
#define COM1_LSR (COM1 + 5)
#define LCR_DLAB 0x80	   /* port COM1 is the divisor latch, not the output */
#define LSR_THRE_TEMT 0x60 /* transmitter holding register and shift empty */

struct floor_args {
	unsigned long memory_mib;
	unsigned long pio;
	unsigned long mmio;
	const char *kernel;
};

/* mov ecx, n (zero-extended into rcx, loop's counter) */
static size_t put_count(uint8_t *p, uint32_t n)
{
	p[0] = 0xb9;
	memcpy(p + 1, &n, sizeof(n));
	return 5;
}

/*
 * 64-bit code, as the test guest runs its exit loops in: KVM emulates an
 * MMIO store by fetching and decoding the instruction through the guest's
 * page tables, which real mode would skip. "x\n" to COM1, then the exit
 * loops, then hlt.
 */
static void guest_code(uint8_t *p, const struct floor_args *a)
{
	static const uint8_t hello[] = {
		0x66, 0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
		0xb0, 'x',		/* mov al, 'x' */
		0xee,			/* out dx, al */
		0xb0, '\n',		/* mov al, '\n' */
		0xee,			/* out dx, al */
	};
	/* 1: out 0x80, al; loop 1b */
	static const uint8_t pio_loop[] = { 0xe6, 0x80, 0xe2, 0xfc };
	/* mov edi, MMIO_GPA */
	static const uint8_t set_rdi[] = { 0xbf, MMIO_GPA & 0xff,
					   (MMIO_GPA >> 8) & 0xff,
					   (MMIO_GPA >> 16) & 0xff, 0 };
	/* 2: mov [rdi], al; loop 2b */
	static const uint8_t mmio_loop[] = { 0x88, 0x07, 0xe2, 0xfc };
	size_t n = 0;

	memcpy(p, hello, sizeof(hello));
	n += sizeof(hello);
	if (a->pio) {
		n += put_count(p + n, (uint32_t)a->pio);
		memcpy(p + n, pio_loop, sizeof(pio_loop));
		n += sizeof(pio_loop);
	}
	if (a->mmio) {
		memcpy(p + n, set_rdi, sizeof(set_rdi));
		n += sizeof(set_rdi);
		n += put_count(p + n, (uint32_t)a->mmio);
		memcpy(p + n, mmio_loop, sizeof(mmio_loop));
		n += sizeof(mmio_loop);
	}
	p[n] = 0xf4; /* hlt */
}

/* PML4 -> PDPT -> PD, whose one entry maps [0, 2 MiB) as a large page. */
static void page_tables(uint8_t *low)
{
	uint64_t pml4e = PDPT_GPA | 3, pdpte = PD_GPA | 3, pde = 0x83;

	memcpy(low + PML4_GPA, &pml4e, sizeof(pml4e));
	memcpy(low + PDPT_GPA, &pdpte, sizeof(pdpte));
	memcpy(low + PD_GPA, &pde, sizeof(pde));
}

static int fail(const char *what)
{
	fprintf(stderr, "vigil-floor: %s: %s\n", what, strerror(errno));
	return 1;
}

/* A flat 4 GiB segment: 64-bit code, or read/write data. */
static struct kvm_segment flat_segment(uint16_t selector, int code)
{
	return (struct kvm_segment){
		.limit = 0xffffffff,
		.selector = selector,
		.type = code ? 11 : 3,
		.present = 1,
		.s = 1,
		.l = code ? 1 : 0,
		.db = code ? 0 : 1,
		.g = 1,
	};
}

/* Long mode straight away: paging on, flat 64-bit code and data. */
static int set_up_vcpu(int vcpu, uint64_t entry)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = entry,
		.rsi = BOOT_PARAMS_GPA,
		.rsp = LOW_SLOT, /* a bzImage pushes before its own */
		.rflags = 2
	};

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	sregs.cs = flat_segment(8, 1);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
		flat_segment(16, 0);
	sregs.cr0 = 0x80000011; /* PG, ET, PE */
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = 0x20;   /* PAE */
	sregs.efer = 0x500; /* LMA, LME */
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return -1;
	return ioctl(vcpu, KVM_SET_REGS, &regs);
}

static uint8_t *add_slot(int vm, uint32_t slot, uint64_t gpa, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
	};
	void *host = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (host == MAP_FAILED)
		return NULL;
	r.userspace_addr = (uintptr_t)host;
	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? NULL : host;
}

/*
 * A bzImage's protected-mode part at 1 MiB (boot.rst: setup_sects at
 * 0x1f1, "HdrS" at 0x202, the protocol version at 0x206, at least 2.12
 * for XLF_KERNEL_64 in xloadflags at 0x236): the 64-bit entry's address,
 * or 0.
 */
static uint64_t load_bzimage(const char *path, uint8_t *high, size_t room)
{
	uint8_t hdr[0x240];
	struct stat st;
	size_t off;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ok = fd >= 0 && fstat(fd, &st) == 0 &&
		 read(fd, hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr) &&
		 memcmp(hdr + 0x202, "HdrS", 4) == 0 &&
		 (hdr[0x207] << 8 | hdr[0x206]) >= 0x020c && (hdr[0x236] & 1);

	off = ok ? ((size_t)(hdr[0x1f1] ? hdr[0x1f1] : 4) + 1) * 512 : 0;
	ok = ok && off < (size_t)st.st_size &&
	     (size_t)st.st_size - off <= room &&
	     pread(fd, high, (size_t)st.st_size - off, (off_t)off) ==
		     (ssize_t)((size_t)st.st_size - off);
	if (fd >= 0)
		close(fd);
	return ok ? HIGH_GPA + 0x200 : 0;
}

/*
 * A port write: the guest's serial output to stdout (*line_done at the
 * end of its line) unless the divisor latch is selected.
 */
static int port_out(const struct kvm_run *kr, uint8_t *lcr, int *line_done)
{
	const uint8_t *c = (const uint8_t *)kr + kr->io.data_offset;

	if (kr->io.port == COM1_LCR)
		*lcr = *c;
	if (kr->io.port != COM1 || (*lcr & LCR_DLAB))
		return 0;
	*line_done = *c == '\n';
	return write(1, c, 1) < 0 ? -1 : 0;
}

/*
 * Run until hlt (or, for a bzImage, its first line): serial bytes to
 * stdout, the line status register always "transmitter empty", every
 * other exit straight back.
 */
static int run(int vcpu, struct kvm_run *kr, int first_line_only)
{
	int line_done = 0;
	uint8_t lcr = 0;

	while (!(first_line_only && line_done)) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return fail("KVM_RUN");
		switch (kr->exit_reason) {
		case KVM_EXIT_HLT:
			return 0;
		case KVM_EXIT_IO:
			if (kr->io.direction == KVM_EXIT_IO_IN)
				*((uint8_t *)kr + kr->io.data_offset) =
					kr->io.port == COM1_LSR ?
						LSR_THRE_TEMT :
						0;
			else if (port_out(kr, &lcr, &line_done) < 0)
				return fail("stdout");
			break;
		case KVM_EXIT_MMIO:
			break;
		default:
			fprintf(stderr, "vigil-floor: exit reason %u\n",
				kr->exit_reason);
			return 1;
		}
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: vigil-floor [--memory MIB] [--pio N] [--mmio N] "
		"[--kernel FILE]\n");
	return -1;
}

/* --memory 2..65536 MiB; --pio and --mmio 0..2^32-1 (ecx); --kernel FILE. */
static int parse_args(int argc, char **argv, struct floor_args *a)
{
	for (int i = 1; i < argc; i += 2) {
		if (strcmp(argv[i], "--kernel") == 0 && i + 1 < argc) {
			a->kernel = argv[i + 1];
			continue;
		}
		unsigned long *dst = strcmp(argv[i], "--memory") == 0 ?
					     &a->memory_mib :
				     strcmp(argv[i], "--pio") == 0  ? &a->pio :
				     strcmp(argv[i], "--mmio") == 0 ? &a->mmio :
								      NULL;
		char *end;
		unsigned long v;

		if (!dst || i + 1 >= argc)
			return usage();
		errno = 0;
		v = strtoul(argv[i + 1], &end, 10);
		if (errno || end == argv[i + 1] || *end || v > UINT32_MAX ||
		    (dst == &a->memory_mib && (v < 2 || v > 65536))) {
			fprintf(stderr, "vigil-floor: %s: bad value '%s'\n",
				argv[i], argv[i + 1]);
			return -1;
		}
		*dst = v;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct floor_args args = { .memory_mib = 256 };
	struct kvm_run *kr;
	uint8_t *low, *high;
	uint64_t entry = CODE_GPA;
	int kvm, vm, vcpu, size;

	if (parse_args(argc, argv, &args) < 0)
		return 2;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	low = add_slot(vm, 0, 0, LOW_SLOT);
	high = add_slot(vm, 1, HIGH_GPA, (args.memory_mib << 20) - HIGH_GPA);
	if (!low || !high)
		return fail("memory slot");
	if (args.kernel)
		entry = load_bzimage(args.kernel, high,
				     (args.memory_mib << 20) - HIGH_GPA);
	else
		guest_code(low + CODE_GPA, &args);
	if (!entry) {
		fprintf(stderr, "vigil-floor: %s: not a 64-bit bzImage\n",
			args.kernel);
		return 1;
	}
	page_tables(low);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || size < 0)
		return fail("KVM_CREATE_VCPU");
	kr = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu,
		  0);
	if (kr == MAP_FAILED)
		return fail("kvm_run");
	if (set_up_vcpu(vcpu, entry) < 0)
		return fail("vCPU registers");
	return run(vcpu, kr, args.kernel != NULL);
}
