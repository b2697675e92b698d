// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPUID a vCPU is given (vcpu_cpuid_fixup_entry()), from entries as
 * KVM's supported list has them on a host with nested virtualisation:
 * the APIC ids and CPU count are the vCPU's, the hypervisor bit is set,
 * and neither VMX nor SVM is offered: a snapshot saves no nested state,
 * so a guest running its own guests would be restored broken.
 */
#include <string.h>

#include "tests/support/tap.h"
#include "vmm/vcpu.h"

static struct kvm_cpuid_entry2 entry(uint32_t function, uint32_t eax,
				     uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	struct kvm_cpuid_entry2 e;

	memset(&e, 0, sizeof(e));
	e.function = function;
	e.eax = eax;
	e.ebx = ebx;
	e.ecx = ecx;
	e.edx = edx;
	return e;
}

int main(void)
{
	struct kvm_cpuid_entry2 leaf1 =
		entry(1, 0x806f8, 0xff0800, 0xfffab223, 0x178bfbff);
	struct kvm_cpuid_entry2 ext1 =
		entry(0x80000001, 0, 0, 0x75c237ff, 0x2fd3fbff);
	struct kvm_cpuid_entry2 svm = entry(0x8000000a, 1, 8, 0, 0x1ebf);
	struct kvm_cpuid_entry2 x2apic = entry(0xb, 0, 1, 0x100, 0);

	vcpu_cpuid_fixup_entry(&leaf1, 3, 4);
	CHECK(!(leaf1.ecx & (1u << 5)), "leaf 1: no VMX (ecx 0x%x)", leaf1.ecx);
	CHECK(leaf1.ecx & (1u << 31), "leaf 1: a hypervisor is present");
	CHECK(leaf1.ebx >> 24 == 3 && (leaf1.ebx >> 16 & 0xff) == 4 &&
		      (leaf1.ebx & 0xffff) == 0x0800,
	      "leaf 1: APIC id 3 of 4 CPUs, the rest kept (ebx 0x%x)",
	      leaf1.ebx);
	CHECK((leaf1.ecx | (1u << 5)) == (0xfffab223u | (1u << 31)),
	      "leaf 1: the other feature bits kept");
	vcpu_cpuid_fixup_entry(&ext1, 3, 4);
	CHECK(ext1.ecx == (0x75c237ffu & ~(1u << 2)) && ext1.edx == 0x2fd3fbff,
	      "leaf 0x80000001: no SVM, the rest kept (ecx 0x%x)", ext1.ecx);
	vcpu_cpuid_fixup_entry(&svm, 3, 4);
	CHECK(!svm.eax && !svm.ebx && !svm.ecx && !svm.edx,
	      "leaf 0x8000000a (SVM features): empty");
	vcpu_cpuid_fixup_entry(&x2apic, 3, 4);
	CHECK(x2apic.edx == 3, "leaf 0xb: x2APIC id 3");
	return tap_done();
}
