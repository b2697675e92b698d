// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state a snapshot holds, read from and loaded into KVM: each vCPU's
 * registers, XSAVE area, XCR0, MSRs, LAPIC, events, MP state and debug
 * registers, and the VM's interrupt controllers, PIT and clock. The
 * encoding and the checks are migration/'s (cpu_state.c, vm_state.c);
 * this file only moves checked state in and out, one kvm_ioctl() at a
 * time, each failure naming its request.
 */
#include "vmm/state_kvm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "migration/snapshot.h"
#include "vmm/kvm.h"

/* ---- vCPUs --------------------------------------------------------------- */

static void add_mtrrs(struct cpu_host *host)
{
	uint32_t mtrrs[3 + 8 + 2 * KVM_NR_VAR_MTRR + 1];
	unsigned int n = 0;

	mtrrs[n++] = MSR_MTRR_DEF_TYPE;
	mtrrs[n++] = MSR_MTRR_FIX64K_00000;
	mtrrs[n++] = MSR_MTRR_FIX16K_80000;
	mtrrs[n++] = MSR_MTRR_FIX16K_A0000;
	for (uint32_t m = MSR_MTRR_FIX4K_C0000; m <= MSR_MTRR_FIX4K_F8000; m++)
		mtrrs[n++] = m;
	for (uint32_t m = 0; m < 2 * KVM_NR_VAR_MTRR; m++)
		mtrrs[n++] = MSR_MTRR_PHYSBASE0 + m;
	for (unsigned int i = 0; i < n && host->nr_msrs < CPU_MAX_MSRS; i++) {
		bool have = false;

		for (uint32_t j = 0; j < host->nr_msrs; j++)
			have |= host->msrs[j] == mtrrs[i];
		if (!have)
			host->msrs[host->nr_msrs++] = mtrrs[i];
	}
}

int cpu_host_probe(const struct kvm *kvm, struct cpu_host *host)
{
	static const struct {
		int cap;
		const char *name;
	} caps[] = {
		{ KVM_CAP_XSAVE, "KVM_CAP_XSAVE" },
		{ KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS" },
		{ KVM_CAP_DEBUGREGS, "KVM_CAP_DEBUGREGS" },
		{ KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },
		{ KVM_CAP_ADJUST_CLOCK, "KVM_CAP_ADJUST_CLOCK" },
		{ KVM_CAP_PIT_STATE2, "KVM_CAP_PIT_STATE2" },
	};
	/* struct kvm_msr_list with room for CPU_MAX_MSRS indices. */
	struct {
		uint32_t nmsrs;
		uint32_t indices[CPU_MAX_MSRS];
	} list = { .nmsrs = CPU_MAX_MSRS };
	int xsave2, r;

	memset(host, 0, sizeof(*host));
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (kvm_check_cap(kvm, caps[i].cap) <= 0) {
			host->missing = caps[i].name;
			return -ENOTSUP;
		}
	}
	r = kvm_ioctl_raw(kvm->sys_fd, KVM_GET_MSR_INDEX_LIST, &list);
	if (r < 0) {
		host->missing = "KVM_GET_MSR_INDEX_LIST";
		return r;
	}
	/*
	 * As QEMU does, XCRs are saved only where KVM has them: a host CPU
	 * without XSAVE offers no XSAVE to its guests, so their XCR0 stays at
	 * its reset value (x87 only) and there is nothing to lose.
	 */
	host->xcrs = kvm_check_cap(kvm, KVM_CAP_XCRS) > 0;
	host->nr_msrs = list.nmsrs;
	memcpy(host->msrs, list.indices, host->nr_msrs * sizeof(uint32_t));
	add_mtrrs(host);
	xsave2 = kvm_check_cap(kvm, KVM_CAP_XSAVE2);
	host->xsave_size = xsave2 > (int)CPU_XSAVE_MIN ? (uint32_t)xsave2 :
							 CPU_XSAVE_MIN;
	if (host->xsave_size > CPU_XSAVE_MAX) {
		host->missing = "an XSAVE area vigil can hold";
		return -ENOTSUP;
	}
	host->usable = true;
	return 0;
}

/* KVM_GET_MSRS stops at the first MSR it cannot read: skip that one. */
static int capture_msrs(int fd, const struct cpu_host *host,
			struct cpu_msr_buf *buf, struct cpu_snapshot *cs,
			char *err, size_t errlen)
{
	uint32_t next = 0;

	cs->nr_msrs = 0;
	while (next < host->nr_msrs) {
		uint32_t n = host->nr_msrs - next;
		int got;

		buf->nmsrs = n;
		buf->pad = 0;
		for (uint32_t i = 0; i < n; i++)
			buf->entries[i] = (struct kvm_msr_entry){
				.index = host->msrs[next + i],
			};
		got = KVM_IOCTL(fd, KVM_GET_MSRS, buf);
		if (got < 0)
			return got;
		for (int i = 0; i < got; i++)
			cs->msrs[cs->nr_msrs++] = (struct cpu_msr){
				.index = buf->entries[i].index,
				.value = buf->entries[i].data,
			};
		next += (uint32_t)got + 1;
	}
	return 0;
}

static int capture_xcr0(int fd, struct cpu_snapshot *cs, char *err,
			size_t errlen)
{
	struct kvm_xcrs xcrs = { 0 };
	int r = KVM_IOCTL(fd, KVM_GET_XCRS, &xcrs);

	if (r < 0)
		return r;
	cs->xcr0 = XCR0_X87;
	for (uint32_t i = 0; i < xcrs.nr_xcrs && i < KVM_MAX_XCRS; i++)
		if (xcrs.xcrs[i].xcr == 0)
			cs->xcr0 = xcrs.xcrs[i].value;
	return 0;
}

int cpu_state_capture(int vcpu_fd, const struct cpu_host *host,
		      struct cpu_msr_buf *buf, struct cpu_snapshot *cs,
		      char *err, size_t errlen)
{
	struct kvm_lapic_state page;
	int r;

	memset(cs, 0, offsetof(struct cpu_snapshot, xsave));
	cs->xsave_len = host->xsave_size;
	r = KVM_IOCTL(vcpu_fd, KVM_GET_REGS, &cs->regs);
	if (r == 0)
		r = KVM_IOCTL(vcpu_fd, KVM_GET_SREGS, &cs->sregs);
	if (r == 0 && host->xsave_size > CPU_XSAVE_MIN)
		r = KVM_IOCTL(vcpu_fd, KVM_GET_XSAVE2, cs->xsave);
	else if (r == 0)
		r = KVM_IOCTL(vcpu_fd, KVM_GET_XSAVE, cs->xsave);
	cs->xcr0 = XCR0_X87;
	if (r == 0 && host->xcrs)
		r = capture_xcr0(vcpu_fd, cs, err, errlen);
	if (r == 0)
		r = capture_msrs(vcpu_fd, host, buf, cs, err, errlen);
	if (r == 0)
		r = KVM_IOCTL(vcpu_fd, KVM_GET_LAPIC, &page);
	if (r == 0) {
		cpu_lapic_from_page(&page, &cs->lapic);
		r = KVM_IOCTL(vcpu_fd, KVM_GET_VCPU_EVENTS, &cs->events);
	}
	if (r == 0)
		r = KVM_IOCTL(vcpu_fd, KVM_GET_MP_STATE, &cs->mp_state);
	if (r == 0)
		r = KVM_IOCTL(vcpu_fd, KVM_GET_DEBUGREGS, &cs->debugregs);
	return r;
}

/* Set the MSRs selected by deadline (only TSC_DEADLINE, or all others). */
static int apply_msrs(int fd, unsigned int index, const struct cpu_snapshot *cs,
		      struct cpu_msr_buf *buf, bool deadline, char *err,
		      size_t errlen)
{
	uint32_t n = 0;
	int got;

	for (uint32_t i = 0; i < cs->nr_msrs; i++) {
		if ((cs->msrs[i].index == MSR_IA32_TSC_DEADLINE) != deadline)
			continue;
		buf->entries[n++] = (struct kvm_msr_entry){
			.index = cs->msrs[i].index,
			.data = cs->msrs[i].value,
		};
	}
	buf->nmsrs = n;
	buf->pad = 0;
	got = kvm_ioctl_raw(fd, KVM_SET_MSRS, buf);
	if (got < 0) {
		snprintf(err, errlen, "vcpu%u: KVM_SET_MSRS: %s", index,
			 strerror(-got));
		return got;
	}
	if ((uint32_t)got < n) {
		snprintf(err, errlen,
			 "/cpus/cpu@%u/msrs/msr-%08x = 0x%llx: "
			 "refused by KVM",
			 index, buf->entries[got].index,
			 (unsigned long long)buf->entries[got].data);
		return -EINVAL;
	}
	return 0;
}

/* Over the page of the fresh vCPU: unsaved registers keep KVM's values. */
static int apply_lapic(int fd, const struct cpu_lapic *l, char *err,
		       size_t errlen)
{
	struct kvm_lapic_state page;
	int r = KVM_IOCTL(fd, KVM_GET_LAPIC, &page);

	if (r < 0)
		return r;
	cpu_lapic_to_page(l, &page);
	return KVM_IOCTL(fd, KVM_SET_LAPIC, &page);
}

static int apply_xcr0(int fd, uint64_t xcr0, char *err, size_t errlen)
{
	struct kvm_xcrs xcrs = { .nr_xcrs = 1 };

	xcrs.xcrs[0].xcr = 0;
	xcrs.xcrs[0].value = xcr0;
	return KVM_IOCTL(fd, KVM_SET_XCRS, &xcrs);
}

int cpu_state_apply(int vcpu_fd, unsigned int index,
		    const struct cpu_snapshot *cs, struct cpu_msr_buf *buf,
		    char *err, size_t errlen)
{
	struct kvm_mp_state mp = { .mp_state = cs->mp_state };
	struct kvm_debugregs dbg = cs->debugregs;
	struct kvm_sregs sregs = cs->sregs;
	struct kvm_regs regs = cs->regs;
	struct kvm_vcpu_events ev = cs->events;
	int r;

	/* Also load the NMI queue and SIPI vector, which GET never flags. */
	ev.flags = (cs->events.flags &
		    (KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM)) |
		   KVM_VCPUEVENT_VALID_NMI_PENDING |
		   KVM_VCPUEVENT_VALID_SIPI_VECTOR;
	r = KVM_IOCTL(vcpu_fd, KVM_SET_SREGS, &sregs);
	if (r == 0)
		r = KVM_IOCTL(vcpu_fd, KVM_SET_REGS, &regs);
	/* The area is as large as this host's (cpu_state_check_host). */
	if (r == 0)
		r = KVM_IOCTL(vcpu_fd, KVM_SET_XSAVE, cs->xsave);
	/*
	 * A new vCPU's XCR0 is already x87 only, its reset value, so that
	 * needs no KVM_SET_XCRS. It is all a snapshot from a host without
	 * XCRS holds: its guest had no XSAVE to enable, so on a host with
	 * XCRS it carries on with XCR0 at that reset value, as it ran before.
	 * Any other value was checked against this host (check_host_xstate),
	 * which then has XCRS.
	 */
	if (r == 0 && cs->xcr0 != XCR0_X87)
		r = apply_xcr0(vcpu_fd, cs->xcr0, err, errlen);
	if (r == 0)
		r = apply_msrs(vcpu_fd, index, cs, buf, false, err, errlen);
	if (r == 0)
		r = apply_lapic(vcpu_fd, &cs->lapic, err, errlen);
	if (r == 0)
		r = apply_msrs(vcpu_fd, index, cs, buf, true, err, errlen);
	if (r == 0)
		r = KVM_IOCTL(vcpu_fd, KVM_SET_VCPU_EVENTS, &ev);
	if (r == 0)
		r = KVM_IOCTL(vcpu_fd, KVM_SET_MP_STATE, &mp);
	if (r == 0)
		r = KVM_IOCTL(vcpu_fd, KVM_SET_DEBUGREGS, &dbg);
	return r;
}

uint32_t cpu_tsc_khz(int vcpu_fd)
{
	int r = kvm_ioctl_raw(vcpu_fd, KVM_GET_TSC_KHZ, NULL);

	/* What a snapshot can hold: a rate it could not is not known. */
	return r >= TSC_KHZ_MIN ? (uint32_t)r : 0;
}

int cpu_tsc_khz_set(int vcpu_fd, uint32_t khz)
{
	/* The rate is the argument itself, not a pointer to it. */
	return kvm_ioctl_raw(vcpu_fd, KVM_SET_TSC_KHZ,
			     (const void *)(uintptr_t)khz);
}

/* ---- the VM ------------------------------------------------------------- */

int vm_state_capture(int vm_fd, struct vm_snapshot *vs, char *err,
		     size_t errlen)
{
	struct kvm_irqchip chip;
	struct kvm_clock_data clock = { 0 };
	int r = 0;

	memset(vs, 0, sizeof(*vs));
	for (unsigned int id = KVM_IRQCHIP_PIC_MASTER;
	     r == 0 && id <= KVM_IRQCHIP_IOAPIC; id++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = id;
		r = KVM_IOCTL(vm_fd, KVM_GET_IRQCHIP, &chip);
		if (r == 0 && id == KVM_IRQCHIP_IOAPIC)
			vs->ioapic = chip.chip.ioapic;
		else if (r == 0)
			vs->pic[id] = chip.chip.pic;
	}
	if (r == 0)
		r = KVM_IOCTL(vm_fd, KVM_GET_PIT2, &vs->pit);
	if (r == 0)
		r = KVM_IOCTL(vm_fd, KVM_GET_CLOCK, &clock);
	vs->clock.clock = clock.clock;
	vs->clock.flags = clock.flags;
	/* Fields vigil does not save must not carry host data along. */
	memset(vs->pit.reserved, 0, sizeof(vs->pit.reserved));
	vs->ioapic.pad = 0;
	return r;
}

int vm_state_apply(int vm_fd, const struct vm_snapshot *vs, char *err,
		   size_t errlen)
{
	struct kvm_pit_state2 pit = vs->pit;
	/* Guest time resumes where it stopped: no host time in flags. */
	struct kvm_clock_data clock = { .clock = vs->clock.clock };
	struct kvm_irqchip chip;
	int r = 0;

	for (unsigned int id = KVM_IRQCHIP_PIC_MASTER;
	     r == 0 && id <= KVM_IRQCHIP_IOAPIC; id++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = id;
		if (id == KVM_IRQCHIP_IOAPIC)
			chip.chip.ioapic = vs->ioapic;
		else
			chip.chip.pic = vs->pic[id];
		r = KVM_IOCTL(vm_fd, KVM_SET_IRQCHIP, &chip);
	}
	if (r == 0)
		r = KVM_IOCTL(vm_fd, KVM_SET_PIT2, &pit);
	if (r == 0)
		r = KVM_IOCTL(vm_fd, KVM_SET_CLOCK, &clock);
	return r;
}
