// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor: the least a KVM program can do to run a guest and hear from
 * it. Open /dev/kvm, create a VM with two memory slots (the code's 64 KiB
 * and the rest of RAM, never touched) and one vCPU in real mode, run; the guest's first instructions write "x\n" to the serial
 * port, and the program copies it to stdout as it comes. With --exits N
 * the guest then does N port writes (to 0x80) and N stores to an address
 * no slot covers (MMIO), and the program reports the time per round trip.
 * bench/boot.py runs it beside vigil: vigil's start-up and exit costs are
 * reported as multiples of this.
 *
 * usage: vigil-floor [--memory MIB] [--exits N]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CODE_GPA 0x1000u
#define MMIO_SEG 0x2000u /* real-mode segment of the store: gpa 0x20000 */
#define LOW_SLOT 0x10000u /* slot 0: [0, 64 KiB), the code */
#define HIGH_GPA 0x100000u /* slot 1: [1 MiB, memory), RAM never touched */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Real-mode code: "x\n" to COM1, then the exit loops, then hlt. */
static void guest_code(uint8_t *p, uint16_t exits)
{
	static const uint8_t hello[] = {
		0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
		0xb0, 'x',	  /* mov al, 'x' */
		0xee,		  /* out dx, al */
		0xb0, '\n',	  /* mov al, '\n' */
		0xee,		  /* out dx, al */
	};
	const uint8_t loops[] = {
		0xb9, exits & 0xff, exits >> 8, /* mov cx, exits */
		0xe6, 0x80,			/* 1: out 0x80, al */
		0xe2, 0xfc,			/* loop 1b */
		0xb8, MMIO_SEG & 0xff, MMIO_SEG >> 8, /* mov ax, seg */
		0x8e, 0xd8,			      /* mov ds, ax */
		0xb9, exits & 0xff, exits >> 8,	      /* mov cx, exits */
		0xa2, 0x00, 0x00,		      /* 2: mov [0], al */
		0xe2, 0xfb,			      /* loop 2b */
	};
	size_t n = 0;

	memcpy(p, hello, sizeof(hello));
	n += sizeof(hello);
	if (exits) {
		memcpy(p + n, loops, sizeof(loops));
		n += sizeof(loops);
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

/* Run until hlt; time the port and MMIO loops by their first exits. */
static int run(int vcpu, struct kvm_run *kr, unsigned int exits)
{
	int64_t t_pio = 0, t_mmio = 0;

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return fail("KVM_RUN");
		if (kr->exit_reason == KVM_EXIT_HLT)
			break;
		if (kr->exit_reason == KVM_EXIT_IO && kr->io.port == 0x3f8) {
			if (write(1, (uint8_t *)kr + kr->io.data_offset, 1) < 0)
				return fail("stdout");
		} else if (kr->exit_reason == KVM_EXIT_IO) {
			if (!t_pio)
				t_pio = now_ns();
		} else if (kr->exit_reason == KVM_EXIT_MMIO) {
			if (!t_mmio)
				t_mmio = now_ns();
		} else {
			fprintf(stderr, "vigil-floor: exit reason %u\n",
				kr->exit_reason);
			return 1;
		}
	}
	if (exits)
		fprintf(stderr,
			"vigil-floor: %u exits each: pio %lld ns, mmio %lld "
			"ns per exit\n",
			exits, (long long)((t_mmio - t_pio) / exits),
			(long long)((now_ns() - t_mmio) / exits));
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: vigil-floor [--memory MIB] [--exits N]\n");
	return -1;
}

/* --memory 2..65536 MiB, --exits 0..65535 (the guest's 16-bit counter). */
static int parse_args(int argc, char **argv, unsigned long *memory_mib,
		      unsigned long *exits)
{
	for (int i = 1; i < argc; i += 2) {
		bool mem = strcmp(argv[i], "--memory") == 0;
		char *end;
		unsigned long v;

		if ((!mem && strcmp(argv[i], "--exits") != 0) || i + 1 >= argc)
			return usage();
		errno = 0;
		v = strtoul(argv[i + 1], &end, 10);
		if (errno || end == argv[i + 1] || *end ||
		    (mem ? v < 2 || v > 65536 : v > 65535)) {
			fprintf(stderr, "vigil-floor: %s: bad value '%s'\n",
				argv[i], argv[i + 1]);
			return -1;
		}
		*(mem ? memory_mib : exits) = v;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long memory_mib = 256, exits = 0;
	struct kvm_run *kr;
	uint8_t *low;
	int kvm, vm, vcpu, size;

	if (parse_args(argc, argv, &memory_mib, &exits) < 0)
		return 2;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	low = add_slot(vm, 0, 0, LOW_SLOT);
	if (!low || !add_slot(vm, 1, HIGH_GPA, (memory_mib << 20) - HIGH_GPA))
		return fail("memory slot");
	guest_code(low + CODE_GPA, (uint16_t)exits);
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
	return run(vcpu, kr, (unsigned int)exits);
}
