// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor: the least a KVM program can do to run a guest and hear from
 * it. Open /dev/kvm, create a VM with two memory slots (the code's 64 KiB
 * and the rest of RAM, never touched) and one vCPU in real mode, run; the
 * guest's first instructions write "x\n" to the serial port, and the
 * program copies it to stdout as it comes. With --pio N and --mmio N the
 * guest then does N port writes (to 0x80) and N stores to an address no
 * slot covers, each a round trip through this program, and halts.
 * bench/boot.py runs it beside vigil and QEMU and times all three alike.
 *
 * usage: vigil-floor [--memory MIB] [--pio N] [--mmio N]
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
#include <unistd.h>

#define CODE_GPA 0x1000u
#define MMIO_SEG 0x2000u   /* real-mode segment of the store: gpa 0x20000 */
#define LOW_SLOT 0x10000u  /* slot 0: [0, 64 KiB), the code */
#define HIGH_GPA 0x100000u /* slot 1: [1 MiB, memory), RAM never touched */

struct floor_args {
	unsigned long memory_mib;
	unsigned long pio;
	unsigned long mmio;
};

/* mov ecx, n (operand-size prefix: a 32-bit count in real mode). */
static size_t put_count(uint8_t *p, uint32_t n)
{
	p[0] = 0x66;
	p[1] = 0xb9;
	memcpy(p + 2, &n, sizeof(n));
	return 6;
}

/* Real-mode code: "x\n" to COM1, then the exit loops, then hlt. */
static void guest_code(uint8_t *p, const struct floor_args *a)
{
	static const uint8_t hello[] = {
		0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
		0xb0, 'x',	  /* mov al, 'x' */
		0xee,		  /* out dx, al */
		0xb0, '\n',	  /* mov al, '\n' */
		0xee,		  /* out dx, al */
	};
	/* 1: out 0x80, al; loop 1b (address-size prefix: on ecx) */
	static const uint8_t pio_loop[] = { 0xe6, 0x80, 0x67, 0xe2, 0xfb };
	/* mov ax, seg; mov ds, ax */
	static const uint8_t set_ds[] = { 0xb8, MMIO_SEG & 0xff, MMIO_SEG >> 8,
					  0x8e, 0xd8 };
	/* 2: mov [0], al; loop 2b */
	static const uint8_t mmio_loop[] = {
		0xa2, 0x00, 0x00, 0x67, 0xe2, 0xfa
	};
	size_t n = 0;

	memcpy(p, hello, sizeof(hello));
	n += sizeof(hello);
	if (a->pio) {
		n += put_count(p + n, (uint32_t)a->pio);
		memcpy(p + n, pio_loop, sizeof(pio_loop));
		n += sizeof(pio_loop);
	}
	if (a->mmio) {
		memcpy(p + n, set_ds, sizeof(set_ds));
		n += sizeof(set_ds);
		n += put_count(p + n, (uint32_t)a->mmio);
		memcpy(p + n, mmio_loop, sizeof(mmio_loop));
		n += sizeof(mmio_loop);
	}
	p[n] = 0xf4; /* hlt */
}

static int fail(const char *what)
{
	fprintf(stderr, "vigil-floor: %s: %s\n", what, strerror(errno));
	return 1;
}

static int set_up_vcpu(int vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = CODE_GPA, .rflags = 2 };

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
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

/* Run until hlt: serial bytes to stdout, every other exit straight back. */
static int run(int vcpu, struct kvm_run *kr)
{
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return fail("KVM_RUN");
		switch (kr->exit_reason) {
		case KVM_EXIT_HLT:
			return 0;
		case KVM_EXIT_IO:
			if (kr->io.port == 0x3f8 &&
			    write(1, (uint8_t *)kr + kr->io.data_offset, 1) < 0)
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
}

static int usage(void)
{
	fprintf(stderr,
		"usage: vigil-floor [--memory MIB] [--pio N] [--mmio N]\n");
	return -1;
}

/* --memory 2..65536 MiB; --pio and --mmio 0..2^32-1 (ecx). */
static int parse_args(int argc, char **argv, struct floor_args *a)
{
	for (int i = 1; i < argc; i += 2) {
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
	uint8_t *low;
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
	if (!low ||
	    !add_slot(vm, 1, HIGH_GPA, (args.memory_mib << 20) - HIGH_GPA))
		return fail("memory slot");
	guest_code(low + CODE_GPA, &args);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || size < 0)
		return fail("KVM_CREATE_VCPU");
	kr = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu,
		  0);
	if (kr == MAP_FAILED)
		return fail("kvm_run");
	if (set_up_vcpu(vcpu) < 0)
		return fail("vCPU registers");
	return run(vcpu, kr);
}
