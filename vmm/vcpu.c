// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/vcpu.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <asm/processor-flags.h>

#include "devices/bus.h"
#include "lib/layout.h"
#include "lib/log.h"
#include "vmm/exit_status.h"
#include "vmm/sandbox.h"

#define MSR_EFER 0xc0000080u
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

/* Local APIC register offsets and LVT delivery modes (SDM vol. 3, 10.5.1). */
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7

/* GDT selectors the Linux 64-bit boot protocol names (boot.rst). */
#define GDT_CODE_SEL 0x10
#define GDT_DATA_SEL 0x18
#define GDT_TSS_SEL 0x20
#define GDT_ENTRIES 5

static __thread struct kvm_run *vcpu_tls_run;

static void vcpu_kick_handler(int sig)
{
	(void)sig;
	/* Makes a KVM_RUN that is about to start return at once (EINTR). */
	if (vcpu_tls_run)
		vcpu_tls_run->immediate_exit = 1;
}

int vcpu_signals_init(void)
{
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };

	sigemptyset(&sa.sa_mask);
	return sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0 ? -errno : 0;
}

#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_80000001_ECX_SVM (1u << 2)

void vcpu_cpuid_fixup_entry(struct kvm_cpuid_entry2 *e, unsigned int id,
			    unsigned int nr_cpus)
{
	switch (e->function) {
	case 1:
		/* Initial APIC id and logical processor count. */
		e->ebx = (e->ebx & 0x0000ffffu) | (id << 24) |
			 ((nr_cpus & 0xffu) << 16);
		e->ecx |= 1u << 31; /* hypervisor present */
		/* No nested guests: a snapshot does not save their state. */
		e->ecx &= ~CPUID_1_ECX_VMX;
		break;
	case 0x80000001:
		e->ecx &= ~CPUID_80000001_ECX_SVM; /* the same, on AMD */
		break;
	case 0x8000000a: /* SVM features: none without SVM */
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	case 0xb:
	case 0x1f:
		e->edx = id; /* x2APIC id */
		break;
	case 6:	  /* thermal and power management: not emulated */
	case 0xa: /* architectural PMU: not emulated */
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	default:
		break;
	}
}

static int vcpu_setup_cpuid(struct vcpu *vcpu, const struct kvm *kvm,
			    unsigned int nr_cpus)
{
	const struct kvm_cpuid2 *sup = kvm->supported_cpuid;
	size_t sz = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *cpuid = malloc(sz);
	int r = 0;

	if (!cpuid)
		return -ENOMEM;
	memcpy(cpuid, sup, sz);
	for (unsigned int i = 0; i < cpuid->nent; i++)
		vcpu_cpuid_fixup_entry(&cpuid->entries[i], vcpu->id, nr_cpus);
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) < 0)
		r = -errno;
	free(cpuid);
	return r;
}

/* LINT0 takes the PIC's ExtINT, LINT1 the NMI, as on a PC. */
static int vcpu_setup_lapic(struct vcpu *vcpu)
{
	struct kvm_lapic_state lapic;
	uint32_t lvt;

	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0)
		return -errno;
	memcpy(&lvt, &lapic.regs[APIC_LVT0], sizeof(lvt));
	lvt = (lvt & ~0x700u) | (APIC_MODE_EXTINT << 8);
	memcpy(&lapic.regs[APIC_LVT0], &lvt, sizeof(lvt));
	memcpy(&lvt, &lapic.regs[APIC_LVT1], sizeof(lvt));
	lvt = (lvt & ~0x700u) | (APIC_MODE_NMI << 8);
	memcpy(&lapic.regs[APIC_LVT1], &lvt, sizeof(lvt));
	return ioctl(vcpu->fd, KVM_SET_LAPIC, &lapic) < 0 ? -errno : 0;
}

static int vcpu_setup_fpu(struct vcpu *vcpu)
{
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

	return ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0 ? -errno : 0;
}

int vcpu_create(struct vcpu *vcpu, struct kvm *kvm, unsigned int id,
		unsigned int nr_cpus)
{
	int r;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->id = id;
	vcpu->fd = ioctl(kvm->vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0)
		return -errno;
	vcpu->run_size = kvm->run_mmap_size;
	vcpu->run = mmap(NULL, (size_t)vcpu->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		return -errno;
	}
	r = vcpu_setup_cpuid(vcpu, kvm, nr_cpus);
	if (r == 0)
		r = vcpu_setup_lapic(vcpu);
	if (r == 0)
		r = vcpu_setup_fpu(vcpu);
	return r;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->sandbox_ready)
		sandbox_shared_destroy(&vcpu->sandbox);
	vcpu->sandbox_ready = false;
	if (vcpu->run)
		munmap(vcpu->run, (size_t)vcpu->run_size);
	if (vcpu->fd > 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

/* A flat 4 GiB descriptor: base 0, limit 0xfffff in 4 KiB units. */
static uint64_t gdt_flat(uint16_t flags)
{
	return ((uint64_t)(flags & 0xf0ff) << 40) | (0xfull << 48) | 0xffffull;
}

static struct kvm_segment segment_from_gdt(uint64_t desc, uint16_t selector)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = (desc >> 40) & 0xf,
		.present = (desc >> 47) & 1,
		.dpl = (desc >> 45) & 3,
		.db = (desc >> 54) & 1,
		.s = (desc >> 44) & 1,
		.l = (desc >> 53) & 1,
		.g = (desc >> 55) & 1,
	};
}

/* Identity map of the low 4 GiB with 2 MiB pages, for the 64-bit entry. */
static int write_boot_page_tables(struct guest_mem *gm)
{
	uint64_t pml4e = BOOT_PDPT_ADDR | 0x3;
	uint64_t pdpt[4];
	uint64_t pd[512];

	if (!gm_write(gm, BOOT_PML4_ADDR, &pml4e, sizeof(pml4e)))
		return -EFAULT;
	for (uint64_t i = 0; i < 4; i++) {
		pdpt[i] = (BOOT_PD_ADDR + i * 0x1000) | 0x3;
		for (uint64_t j = 0; j < 512; j++)
			pd[j] = ((i * 512 + j) << 21) | 0x83; /* P, RW, PS */
		if (!gm_write(gm, BOOT_PD_ADDR + i * 0x1000, pd, sizeof(pd)))
			return -EFAULT;
	}
	return gm_write(gm, BOOT_PDPT_ADDR, pdpt, sizeof(pdpt)) ? 0 : -EFAULT;
}

int vcpu_setup_boot_state(struct vcpu *vcpu, struct guest_mem *gm,
			  const struct boot_entry *entry)
{
	bool long_mode = entry->mode == BOOT_ENTRY_LINUX64;
	uint64_t gdt[GDT_ENTRIES] = {
		[GDT_CODE_SEL / 8] = gdt_flat(long_mode ? 0xa09b : 0xc09b),
		[GDT_DATA_SEL / 8] = gdt_flat(0xc093),
		[GDT_TSS_SEL / 8] = gdt_flat(0x808b),
	};
	struct kvm_segment code, data, tss;
	struct kvm_sregs sregs;
	/* Neither protocol promises a stack, but kernels (and our test
	 * guest) may push before setting their own, as with Firecracker. */
	struct kvm_regs regs = {
		.rflags = 0x2,
		.rip = entry->entry,
		.rsp = BOOT_STACK_ADDR,
		.rbp = BOOT_STACK_ADDR,
	};

	if (!gm_write(gm, BOOT_GDT_ADDR, gdt, sizeof(gdt)))
		return -EFAULT;
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	code = segment_from_gdt(gdt[GDT_CODE_SEL / 8], GDT_CODE_SEL);
	data = segment_from_gdt(gdt[GDT_DATA_SEL / 8], GDT_DATA_SEL);
	tss = segment_from_gdt(gdt[GDT_TSS_SEL / 8], GDT_TSS_SEL);
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.tr = tss;
	sregs.gdt.base = BOOT_GDT_ADDR;
	sregs.gdt.limit = sizeof(gdt) - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (long_mode) {
		int r = write_boot_page_tables(gm);

		if (r < 0)
			return r;
		sregs.cr3 = BOOT_PML4_ADDR;
		sregs.cr4 = X86_CR4_PAE;
		sregs.cr0 |= X86_CR0_PG;
		sregs.efer = EFER_LME | EFER_LMA;
		regs.rsi = entry->boot_info;
	} else {
		regs.rbx = entry->boot_info;
	}
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	return ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0 ? -errno : 0;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (vcpu->thread_started)
		pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
}

static bool vcpu_handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint64_t total = (uint64_t)run->io.size * run->io.count;
	uint8_t *data;

	/* KVM fills these, but a bad offset would read past the mapping. */
	if (run->io.data_offset > (uint64_t)vcpu->run_size ||
	    total > (uint64_t)vcpu->run_size - run->io.data_offset) {
		log_error("vcpu%u: I/O exit data outside kvm_run (offset %llu, "
			  "%llu bytes)",
			  vcpu->id, (unsigned long long)run->io.data_offset,
			  (unsigned long long)total);
		return false;
	}
	data = (uint8_t *)run + run->io.data_offset;
	for (uint32_t i = 0; i < run->io.count; i++) {
		uint8_t *p = data + (size_t)i * run->io.size;

		if (run->io.direction == KVM_EXIT_IO_OUT)
			bus_write(vcpu->host->pio, run->io.port, p,
				  run->io.size);
		else
			bus_read(vcpu->host->pio, run->io.port, p,
				 run->io.size);
	}
	return true;
}

static void vcpu_handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned int len = run->mmio.len;

	if (len > sizeof(run->mmio.data))
		len = sizeof(run->mmio.data);
	if (run->mmio.is_write)
		bus_write(vcpu->host->mmio, run->mmio.phys_addr, run->mmio.data,
			  len);
	else
		bus_read(vcpu->host->mmio, run->mmio.phys_addr, run->mmio.data,
			 len);
}

/* Up to 15 bytes at the guest's RIP, through the guest's own page tables. */
static unsigned int vcpu_read_insn(struct vcpu *vcpu, uint64_t rip,
				   uint8_t *buf)
{
	struct kvm_translation tr = { .linear_address = rip };
	unsigned int n = 15;

	if (ioctl(vcpu->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
		return 0;
	/* Stay inside the page: the next one may map elsewhere. */
	if ((tr.physical_address & 0xfff) + n > 0x1000)
		n = 0x1000 - (tr.physical_address & 0xfff);
	return gm_read(vcpu->host->gm, tr.physical_address, buf, n) ? n : 0;
}

static void vcpu_dump_state(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs r;
	struct kvm_sregs s;
	uint8_t insn[15];
	unsigned int n = 0;
	char hex[3 * sizeof(insn) + 1] = "";

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		log_error("vcpu%u: cannot read registers: %s", vcpu->id,
			  strerror(errno));
		return;
	}
	log_error("vcpu%u: rip=%016llx rsp=%016llx rflags=%08llx", vcpu->id,
		  r.rip, r.rsp, r.rflags);
	log_error("vcpu%u: rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx",
		  vcpu->id, r.rax, r.rbx, r.rcx, r.rdx);
	log_error("vcpu%u: rsi=%016llx rdi=%016llx rbp=%016llx", vcpu->id,
		  r.rsi, r.rdi, r.rbp);
	log_error("vcpu%u: cr0=%llx cr3=%llx cr4=%llx efer=%llx cs=%04x "
		  "(l=%u db=%u)",
		  vcpu->id, s.cr0, s.cr3, s.cr4, s.efer, s.cs.selector, s.cs.l,
		  s.cs.db);
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	    run->emulation_failure.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    (run->emulation_failure.flags &
	     KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
		n = run->emulation_failure.insn_size;
		if (n > sizeof(insn))
			n = sizeof(insn);
		memcpy(insn, run->emulation_failure.insn_bytes, n);
	} else {
		n = vcpu_read_insn(vcpu, s.cs.base + r.rip, insn);
	}
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, " %02x", insn[i]);
	log_error("vcpu%u: instruction bytes at rip:%s", vcpu->id,
		  n ? hex : " (unreadable)");
}

static void vcpu_report_internal_error(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	log_error("vcpu%u: KVM internal error, suberror %u (%s)", vcpu->id,
		  run->internal.suberror,
		  run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
			  "instruction emulation failed: the host KVM cannot "
			  "run this guest code" :
			  "see linux/kvm.h");
	vcpu_dump_state(vcpu);
}

/* Handle one exit; returns false when the machine must stop. */
static bool vcpu_handle_exit(struct vcpu *vcpu)
{
	const struct vcpu_host *h = vcpu->host;
	struct kvm_run *run = vcpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (!vcpu_handle_io(vcpu)) {
			h->request_exit(h->opaque, VIGIL_EXIT_VCPU_FATAL);
			return false;
		}
		return true;
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(vcpu);
		return true;
	case KVM_EXIT_HLT:
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SHUTDOWN:
		log_info(
			"vcpu%u: guest triple fault: resetting (exit status %d)",
			vcpu->id, VIGIL_EXIT_RESET);
		if (log_enabled(LOG_GUEST_ERROR))
			vcpu_dump_state(vcpu);
		h->request_exit(h->opaque, VIGIL_EXIT_RESET);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		h->request_exit(h->opaque,
				run->system_event.type ==
						KVM_SYSTEM_EVENT_SHUTDOWN ?
					VIGIL_EXIT_POWEROFF :
					VIGIL_EXIT_RESET);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		vcpu_report_internal_error(vcpu);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		log_error("vcpu%u: VM entry failed, reason 0x%llx", vcpu->id,
			  (unsigned long long)run->fail_entry
				  .hardware_entry_failure_reason);
		vcpu_dump_state(vcpu);
		break;
	default:
		log_error("vcpu%u: unhandled exit reason %u", vcpu->id,
			  run->exit_reason);
		vcpu_dump_state(vcpu);
		break;
	}
	h->request_exit(h->opaque, VIGIL_EXIT_VCPU_FATAL);
	return false;
}

/*
 * A pause was requested. KVM completes an exit's instruction (the data of
 * an I/O or MMIO read) only on the next KVM_RUN, so run once more with
 * immediate_exit set: KVM finishes the instruction and returns at once
 * without running the guest (api.rst, KVM_RUN). Only then is the state
 * userspace reads consistent. Then park until resumed.
 */
static bool vcpu_park(struct vcpu *vcpu)
{
	const struct vcpu_host *h = vcpu->host;

	for (;;) {
		vcpu->run->immediate_exit = 1;
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				break;
			log_error("vcpu%u: KVM_RUN: %s", vcpu->id,
				  strerror(errno));
			h->request_exit(h->opaque, VIGIL_EXIT_VCPU_FATAL);
			return false;
		}
		/* Completing it needed userspace again (string I/O). */
		if (!vcpu_handle_exit(vcpu))
			return false;
	}
	vcpu->run->immediate_exit = 0;
	/*
	 * Tell a kvmclock guest it was stopped, so that its lockup watchdogs
	 * forgive the time spent paused (as QEMU does). Guests without
	 * kvmclock make this fail with EINVAL, which is fine.
	 */
	ioctl(vcpu->fd, KVM_KVMCLOCK_CTRL, 0);
	h->park(h->opaque, vcpu);
	return true;
}

int vcpu_prepare_sandbox(struct vcpu *vcpu)
{
	const struct sandbox_fds fds = {
		.vm_fd = vcpu->host->vm_fd,
		.vcpu_fd = vcpu->fd,
		.tty_fd = -1,
		.kick_signal = VCPU_KICK_SIGNAL,
		.api_fd = -1,
	};

	if (!vcpu->sandbox_ready)
		sandbox_shared_init(&vcpu->sandbox, SANDBOX_VCPU, &fds);
	vcpu->sandbox_ready = true;
	return sandbox_shared_build(&vcpu->sandbox);
}

/* Before the first KVM_RUN: from here on, only this vCPU's allow-list. */
static bool vcpu_enter_sandbox(struct vcpu *vcpu)
{
	int r = vcpu->sandbox_ready ? sandbox_enter_shared(&vcpu->sandbox) :
				      -EINVAL;

	if (r < 0) {
		log_error("vcpu%u: cannot install the seccomp filter: %s",
			  vcpu->id, strerror(-r));
		vcpu->host->request_exit(vcpu->host->opaque, VIGIL_EXIT_ERROR);
	}
	return r == 0;
}

void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	const struct vcpu_host *h = vcpu->host;

	vcpu_tls_run = vcpu->run;
	if (!vcpu_enter_sandbox(vcpu))
		return NULL;
	while (!h->stopping(h->opaque)) {
		if (h->pause_pending(h->opaque)) {
			if (!vcpu_park(vcpu))
				break;
			continue;
		}
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				vcpu->run->immediate_exit = 0;
				continue;
			}
			log_error("vcpu%u: KVM_RUN: %s", vcpu->id,
				  strerror(errno));
			h->request_exit(h->opaque, VIGIL_EXIT_VCPU_FATAL);
			break;
		}
		if (!vcpu_handle_exit(vcpu))
			break;
		sandbox_test_trigger(SANDBOX_VCPU);
	}
	h->exited(h->opaque);
	return NULL;
}
