/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moving snapshot state in and out of KVM (vmm/state_kvm.c). The state
 * is checked before it gets here (migration/: the loader's rules, and
 * cpu_state_check_host() against this host).
 */
#ifndef VIGIL_STATE_KVM_H
#define VIGIL_STATE_KVM_H

#include <stddef.h>
#include <stdint.h>

#include "migration/cpu_state.h"
#include "migration/vm_state.h"

/*
 * Scratch for KVM_GET_MSRS/KVM_SET_MSRS: struct kvm_msrs with room for
 * CPU_MAX_MSRS entries, kept off the vCPU thread's heap.
 */
struct cpu_msr_buf {
	uint32_t nmsrs;
	uint32_t pad;
	struct kvm_msr_entry entries[CPU_MAX_MSRS];
};

struct kvm;
/* What this host's KVM saves and loads (host->usable, or host->missing). */
int cpu_host_probe(const struct kvm *kvm, struct cpu_host *host);

/*
 * Read the vCPU's state (call on its own thread, after its last exit was
 * completed). Returns 0 or negative errno with the failing ioctl in err.
 */
int cpu_state_capture(int vcpu_fd, const struct cpu_host *host,
		      struct cpu_msr_buf *buf, struct cpu_snapshot *cs,
		      char *err, size_t errlen);
/* Load a checked state into a vCPU that has not run yet. */
int cpu_state_apply(int vcpu_fd, unsigned int index,
		    const struct cpu_snapshot *cs, struct cpu_msr_buf *buf,
		    char *err, size_t errlen);

/*
 * The vCPU's TSC rate in kHz (KVM_GET_TSC_KHZ), or 0 when KVM does not say
 * or says less than TSC_KHZ_MIN (a failed calibration).
 */
uint32_t cpu_tsc_khz(int vcpu_fd);
/*
 * Run the vCPU's TSC at khz (KVM_SET_TSC_KHZ), before its TSC is loaded.
 * 0, or a negative errno when KVM cannot run it at that rate here.
 */
int cpu_tsc_khz_set(int vcpu_fd, uint32_t khz);

/* Read the state (vCPUs parked). Returns 0 or -errno, ioctl named in err. */
int vm_state_capture(int vm_fd, struct vm_snapshot *vs, char *err,
		     size_t errlen);
/* Load a checked state before any vCPU runs. */
int vm_state_apply(int vm_fd, const struct vm_snapshot *vs, char *err,
		   size_t errlen);

#endif
