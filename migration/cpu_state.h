/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state of one x86 vCPU in a snapshot: general and special registers,
 * XSAVE area and XCR0, the MSRs KVM lists as needing save (plus the
 * MTRRs), the local APIC's registers, pending events, MP state and debug
 * registers. Captured on the vCPU's own thread while it is parked, loaded
 * through KVM before it first runs.
 *
 * The node (docs/snapshot-format.md):
 *   cpu@N { mp-state; xcr0; xsave;
 *           regs {...} sregs { ...; cs {...} ... ldt {...} gdt {...}
 *           idt {...} } lapic {...} events {...} debugregs {...}
 *           msrs { msr-XXXXXXXX = <value>; ... } }
 */
#ifndef VIGIL_MIGRATION_CPU_STATE_H
#define VIGIL_MIGRATION_CPU_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "migration/fields.h"
#include "migration/snap_ctx.h"

/* x86 facts both the state's rules and vmm/state_kvm.c use. */
#define XCR0_X87 (1ull << 0)
#define MSR_MTRR_PHYSBASE0 0x200u
#define MSR_MTRR_FIX64K_00000 0x250u
#define MSR_MTRR_FIX16K_80000 0x258u
#define MSR_MTRR_FIX16K_A0000 0x259u
#define MSR_MTRR_FIX4K_C0000 0x268u
#define MSR_MTRR_FIX4K_F8000 0x26fu
#define MSR_MTRR_DEF_TYPE 0x2ffu
#define MSR_IA32_TSC_DEADLINE 0x6e0u
#define KVM_NR_VAR_MTRR 8u

/* struct kvm_xsave; hosts with AMX report more (KVM_CAP_XSAVE2). */
#define CPU_XSAVE_MIN 4096u
#define CPU_XSAVE_MAX (32u << 10)
#define CPU_MAX_MSRS 256u
#define CPU_APIC_BANK_WORDS 8u /* ISR, TMR, IRR: 256 bits each */

/* The architectural LAPIC registers, as KVM_GET_LAPIC shows them. */
struct cpu_lapic {
	uint32_t id;
	uint32_t tpr;
	uint32_t ldr;
	uint32_t dfr;
	uint32_t svr;
	uint32_t isr[CPU_APIC_BANK_WORDS];
	uint32_t tmr[CPU_APIC_BANK_WORDS];
	uint32_t irr[CPU_APIC_BANK_WORDS];
	uint32_t esr;
	uint32_t icr_low;
	uint32_t icr_high;
	uint32_t lvt_cmci;
	uint32_t lvt_timer;
	uint32_t lvt_thermal;
	uint32_t lvt_perf;
	uint32_t lvt_lint0;
	uint32_t lvt_lint1;
	uint32_t lvt_error;
	uint32_t timer_initial;
	uint32_t timer_current;
	uint32_t timer_divide;
};

struct cpu_msr {
	uint32_t index;
	uint64_t value;
};

struct cpu_snapshot {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_debugregs debugregs;
	struct kvm_vcpu_events events;
	struct cpu_lapic lapic;
	uint32_t mp_state;
	uint64_t xcr0;
	uint32_t xsave_len;
	uint8_t xsave[CPU_XSAVE_MAX] __attribute__((aligned(8)));
	uint32_t nr_msrs;
	struct cpu_msr msrs[CPU_MAX_MSRS];
};

/* What this host's KVM offers for vCPU state, probed once at set-up. */
struct cpu_host {
	bool usable;	     /* every capability below is present */
	const char *missing; /* else the first one missing */
	bool xcrs;	     /* KVM_CAP_XCRS: only on hosts with XSAVE */
	uint32_t xsave_size; /* bytes KVM_GET_XSAVE(2) fills */
	uint32_t nr_msrs;
	uint32_t msrs[CPU_MAX_MSRS]; /* KVM_GET_MSR_INDEX_LIST + MTRRs */
};

/*
 * Checks that need this host: XSAVE size, every MSR known to KVM here.
 * Run before any state reaches KVM.
 */
int cpu_state_check_host(const struct cpu_snapshot *cs, unsigned int index,
			 const struct cpu_host *host, char *err, size_t errlen);
/*
 * Write the contents of the cpu@N node being written (path names it), or
 * read the node at offset node.
 */
int cpu_state_save(void *fdt, const char *path, const struct cpu_snapshot *cs,
		   const struct snap_ctx *ctx, char *err, size_t errlen);
int cpu_state_load(const void *fdt, int node, const char *path,
		   struct cpu_snapshot *cs, const struct snap_ctx *ctx,
		   char *err, size_t errlen);

/*
 * The LAPIC registers a snapshot holds, from and onto KVM's register page
 * (over a page KVM produced: registers vigil does not save keep theirs).
 */
void cpu_lapic_from_page(const struct kvm_lapic_state *page,
			 struct cpu_lapic *l);
void cpu_lapic_to_page(const struct cpu_lapic *l, struct kvm_lapic_state *page);

/* The tables, for tests and documentation: name -> table. */
struct cpu_table_ref {
	const char *node; /* path below cpu@N, "" for the node itself */
	const struct field_table *table;
};
extern const struct cpu_table_ref cpu_tables[];
extern const unsigned int cpu_nr_tables;

#endif
