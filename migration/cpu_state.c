// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU state: the field tables of the cpu@N node, their validators, and
 * the checks against this host's KVM (the ioctls are in vmm/state_kvm.c).
 *
 * The validators accept every state KVM itself can produce (a guest must
 * not be able to make its own snapshot unloadable) and refuse what KVM
 * could never have reported: reserved bits it masks on every write, values
 * outside their architectural range, combinations KVM_SET_SREGS refuses.
 * What only KVM can judge (an MSR's value against the guest's CPUID, CR3
 * against its physical address width) KVM judges when the state is
 * loaded, before any vCPU runs.
 *
 * Load order into KVM (apply): SREGS (CR0/CR4/EFER, APIC base) before
 * anything that depends on the mode; REGS; XSAVE; XCRS; MSRs except the
 * TSC deadline; LAPIC; then the TSC deadline, which KVM ignores unless the
 * LAPIC timer is already in TSC-deadline mode; VCPU_EVENTS; MP_STATE;
 * DEBUGREGS.
 */
#include "migration/cpu_state.h"

#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Local APIC register offsets: SDM Vol. 3A, "Local APIC Register Address
 * Map". The ISR, TMR and IRR banks are eight registers 16 bytes apart. */
#define APIC_ID 0x020
#define APIC_TPR 0x080
#define APIC_LDR 0x0d0
#define APIC_DFR 0x0e0
#define APIC_SVR 0x0f0
#define APIC_ISR 0x100
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_LVT_CMCI 0x2f0
#define APIC_ICR_LOW 0x300
#define APIC_ICR_HIGH 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PERF 0x340
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3e0
#define APIC_BANK_STRIDE 0x10

/*
 * Bits KVM keeps in each register (arch/x86/kvm/lapic.c masks every guest
 * write with these): vector, delivery mode, status, polarity, remote IRR,
 * trigger, mask, timer mode.
 */
#define LVT_TIMER_BITS 0x710ffu
#define LVT_LINT_BITS 0x1f7ffu
#define LVT_MODE_BITS 0x117ffu /* thermal, performance, CMCI */
#define LVT_ERROR_BITS 0x110ffu
#define APIC_SVR_BITS 0x13ffu
#define APIC_ESR_BITS 0xefu
#define APIC_TDCR_BITS 0xbu
#define APIC_ICR_BUSY 0x1000u
#define APIC_DFR_MODEL_MASK 0xf0000000u
#define APIC_XAPIC_ID_BITS 0xff000000u

/* IA32_APIC_BASE: BSP 8, x2APIC enable 10, global enable 11, base 12+. */
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
#define APIC_BASE_BITS 0x000ffffffffffd00ull

#define CR0_PE (1ull << 0)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR0_BITS 0xe005003full /* KVM clears the rest on every load */
#define CR4_PAE (1ull << 5)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_BITS 0x13ff7fffull
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_BITS 0x20fd01ull
/* RFLAGS: bit 1 reads as 1; 3, 5, 15 and 22..63 are reserved. */
#define RFLAGS_FIXED 0x2ull
#define RFLAGS_BITS 0x3f7fd7ull

#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_AVX512 0xe0ull
#define XCR0_AMX (3ull << 17)
#define XCR0_KNOWN 0xe02ffull
#define XSAVE_MXCSR_OFF 24u
#define XSAVE_HDR_OFF 512u
#define XSAVE_HDR_SIZE 64u

/* MSRs with a validator of their own; every other one KVM checks. */
#define MSR_IA32_TSC 0x10u
#define MSR_KVM_WALL_CLOCK 0x11u
#define MSR_KVM_SYSTEM_TIME 0x12u
#define MSR_IA32_SYSENTER_ESP 0x175u
#define MSR_IA32_SYSENTER_EIP 0x176u
#define MSR_IA32_CR_PAT 0x277u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define MSR_TSC_AUX 0xc0000103u
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00u
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01u
#define MSR_KVM_ASYNC_PF_EN 0x4b564d02u
#define MSR_KVM_STEAL_TIME 0x4b564d03u
#define MSR_KVM_PV_EOI_EN 0x4b564d04u
#define MSR_KVM_POLL_CONTROL 0x4b564d05u
#define MSR_KVM_ASYNC_PF_INT 0x4b564d06u
#define MSR_KVM_ASYNC_PF_ACK 0x4b564d07u

#define ANY_REG CHECK_ANY("a general-purpose register holds any value")
#define ANY_BASE CHECK_ANY("any linear address")

/* ---- validators -------------------------------------------------------- */

static uint64_t u64_of(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static const char *check_xcr0(const void *p, size_t len)
{
	uint64_t v = u64_of(p);

	(void)len;
	if (!(v & XCR0_X87))
		return "x87 state (bit 0) must be enabled";
	if (v & ~XCR0_KNOWN)
		return "unknown state components";
	if ((v & XCR0_AVX) && !(v & XCR0_SSE))
		return "AVX (bit 2) without SSE (bit 1)";
	if ((v & XCR0_AVX512) &&
	    ((v & XCR0_AVX512) != XCR0_AVX512 || !(v & XCR0_AVX)))
		return "AVX-512 bits 5-7 not all set, or without AVX";
	if ((v & XCR0_AMX) && (v & XCR0_AMX) != XCR0_AMX)
		return "AMX bits 17 and 18 not both set";
	return NULL;
}

/* KVM takes the XSAVE area in the standard (non-compacted) format only. */
static const char *check_xsave(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t mxcsr;
	uint64_t hdr[XSAVE_HDR_SIZE / 8];

	if (len % 64)
		return "length not a multiple of 64";
	memcpy(&mxcsr, b + XSAVE_MXCSR_OFF, sizeof(mxcsr));
	if (mxcsr & 0xffff0000u)
		return "MXCSR reserved bits 31:16 set";
	memcpy(hdr, b + XSAVE_HDR_OFF, sizeof(hdr));
	if (hdr[1])
		return "XSAVE header: XCOMP_BV set (compacted format)";
	for (unsigned int i = 2; i < XSAVE_HDR_SIZE / 8; i++)
		if (hdr[i])
			return "XSAVE header: reserved bytes not zero";
	return NULL;
}

/*
 * Canonical for 57-bit linear addresses (bits 63:56 copies of bit 56);
 * KVM checks 48 bits where the guest has no LA57.
 */
static const char *check_canonical(const void *p, size_t len)
{
	uint64_t high = u64_of(p) >> 56;

	(void)len;
	return high == 0 || high == 0xff ? NULL : "not a canonical address";
}

static const char *check_dfr(const void *p, size_t len)
{
	uint64_t v = u64_of(p);

	(void)len;
	return (v & ~(uint64_t)APIC_DFR_MODEL_MASK) == 0x0fffffffu ?
		       NULL :
		       "bits 27:0 must all be set";
}

/* Memory types an MTRR or PAT entry may hold (SDM "Memory Types"). */
static bool memtype_ok(uint8_t t, bool pat)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6 ||
	       (pat && t == 7);
}

static const char *check_pat(uint64_t v)
{
	for (unsigned int i = 0; i < 8; i++)
		if (!memtype_ok((uint8_t)(v >> (8 * i)), true))
			return "an entry holds a reserved memory type";
	return NULL;
}

static const char *check_fixed_mtrr(uint64_t v)
{
	for (unsigned int i = 0; i < 8; i++)
		if (!memtype_ok((uint8_t)(v >> (8 * i)), false))
			return "a range holds a reserved memory type";
	return NULL;
}

static const char *check_mtrr_def_type(uint64_t v)
{
	if (v & ~0xcffull)
		return "reserved bits set (only type, FE and E exist)";
	return memtype_ok((uint8_t)v, false) ? NULL :
					       "reserved default memory type";
}

/* ---- tables ------------------------------------------------------------ */

static const struct field regs_fields[] = {
	FIELD_U64("rax", struct kvm_regs, rax, ANY_REG),
	FIELD_U64("rbx", struct kvm_regs, rbx, ANY_REG),
	FIELD_U64("rcx", struct kvm_regs, rcx, ANY_REG),
	FIELD_U64("rdx", struct kvm_regs, rdx, ANY_REG),
	FIELD_U64("rsi", struct kvm_regs, rsi, ANY_REG),
	FIELD_U64("rdi", struct kvm_regs, rdi, ANY_REG),
	FIELD_U64("rsp", struct kvm_regs, rsp, ANY_REG),
	FIELD_U64("rbp", struct kvm_regs, rbp, ANY_REG),
	FIELD_U64("r8", struct kvm_regs, r8, ANY_REG),
	FIELD_U64("r9", struct kvm_regs, r9, ANY_REG),
	FIELD_U64("r10", struct kvm_regs, r10, ANY_REG),
	FIELD_U64("r11", struct kvm_regs, r11, ANY_REG),
	FIELD_U64("r12", struct kvm_regs, r12, ANY_REG),
	FIELD_U64("r13", struct kvm_regs, r13, ANY_REG),
	FIELD_U64("r14", struct kvm_regs, r14, ANY_REG),
	FIELD_U64("r15", struct kvm_regs, r15, ANY_REG),
	FIELD_U64("rip", struct kvm_regs, rip,
		  CHECK_ANY("in 32-bit code the high half is ignored")),
	FIELD_U64("rflags", struct kvm_regs, rflags, CHECK_MASK(RFLAGS_BITS)),
};

static bool regs_check(const void *st, const void *ctx, char *why, size_t len)
{
	const struct kvm_regs *r = st;

	(void)ctx;
	if (r->rflags & RFLAGS_FIXED)
		return true;
	snprintf(why, len, "rflags = 0x%llx: bit 1 must be set", r->rflags);
	return false;
}

static const struct field_table regs_table =
	FIELD_TABLE("general registers", regs_fields, regs_check);

static const struct field segment_fields[] = {
	FIELD_U64("base", struct kvm_segment, base, ANY_BASE),
	FIELD_U32("limit", struct kvm_segment, limit,
		  CHECK_ANY("any 32-bit limit")),
	FIELD_U16("selector", struct kvm_segment, selector,
		  CHECK_ANY("any 16-bit selector")),
	FIELD_U8("type", struct kvm_segment, type, CHECK_RANGE(0, 15)),
	FIELD_BOOL("present", struct kvm_segment, present),
	FIELD_U8("dpl", struct kvm_segment, dpl, CHECK_RANGE(0, 3)),
	FIELD_BOOL("db", struct kvm_segment, db),
	FIELD_BOOL("s", struct kvm_segment, s),
	FIELD_BOOL("l", struct kvm_segment, l),
	FIELD_BOOL("g", struct kvm_segment, g),
	FIELD_BOOL("avl", struct kvm_segment, avl),
	FIELD_BOOL("unusable", struct kvm_segment, unusable),
};

static const struct field_table segment_table =
	FIELD_TABLE("segment", segment_fields, NULL);

static const struct field dtable_fields[] = {
	FIELD_U64("base", struct kvm_dtable, base, ANY_BASE),
	FIELD_U16("limit", struct kvm_dtable, limit,
		  CHECK_ANY("any 16-bit limit")),
};

static const struct field_table dtable_table =
	FIELD_TABLE("descriptor table", dtable_fields, NULL);

static const struct field sregs_fields[] = {
	FIELD_U64("cr0", struct kvm_sregs, cr0, CHECK_MASK(CR0_BITS)),
	FIELD_U64("cr2", struct kvm_sregs, cr2,
		  CHECK_ANY("the last page-fault address")),
	FIELD_U64("cr3", struct kvm_sregs, cr3,
		  CHECK_ANY("KVM checks it against the guest's address width")),
	FIELD_U64("cr4", struct kvm_sregs, cr4, CHECK_MASK(CR4_BITS)),
	FIELD_U64("cr8", struct kvm_sregs, cr8, CHECK_RANGE(0, 15)),
	FIELD_U64("efer", struct kvm_sregs, efer, CHECK_MASK(EFER_BITS)),
	FIELD_U64("apic-base", struct kvm_sregs, apic_base,
		  CHECK_MASK(APIC_BASE_BITS)),
	FIELD_U64_ARRAY("interrupt-bitmap", struct kvm_sregs, interrupt_bitmap,
			(KVM_NR_INTERRUPTS + 63) / 64,
			CHECK_ANY("one pending vector: checked as a whole")),
};

static bool sregs_check(const void *st, const void *ctx, char *why, size_t len)
{
	const struct kvm_sregs *s = st;
	unsigned int pending = 0;

	(void)ctx;
	for (unsigned int i = 0; i < (KVM_NR_INTERRUPTS + 63) / 64; i++)
		pending += (unsigned int)__builtin_popcountll(
			s->interrupt_bitmap[i]);
	if (pending > 1)
		snprintf(why, len,
			 "interrupt-bitmap: %u vectors pending, at "
			 "most one can be",
			 pending);
	else if ((s->cr0 & CR0_NW) && !(s->cr0 & CR0_CD))
		snprintf(why, len, "cr0 = 0x%llx: NW without CD", s->cr0);
	else if ((s->cr0 & CR0_PG) && !(s->cr0 & CR0_PE))
		snprintf(why, len, "cr0 = 0x%llx: paging without protection",
			 s->cr0);
	else if ((s->apic_base & APIC_BASE_EXTD) &&
		 !(s->apic_base & APIC_BASE_EN))
		snprintf(why, len,
			 "apic-base = 0x%llx: x2APIC mode with the "
			 "APIC disabled",
			 s->apic_base);
	else
		return true;
	return false;
}

static const struct field_table sregs_table =
	FIELD_TABLE("special registers", sregs_fields, sregs_check);

#define LAPIC_U32(nm, m, chk) FIELD_U32(nm, struct cpu_lapic, m, chk)

static const struct field lapic_fields[] = {
	LAPIC_U32("id", id, CHECK_ANY("xAPIC: checked with apic-base")),
	LAPIC_U32("tpr", tpr, CHECK_RANGE(0, 0xff)),
	LAPIC_U32("ldr", ldr, CHECK_ANY("xAPIC: checked with apic-base")),
	LAPIC_U32("dfr", dfr, CHECK_FN(check_dfr)),
	LAPIC_U32("svr", svr, CHECK_MASK(APIC_SVR_BITS)),
	FIELD_U32_ARRAY("isr", struct cpu_lapic, isr, CPU_APIC_BANK_WORDS,
			CHECK_ANY("any vector may be in service")),
	FIELD_U32_ARRAY("tmr", struct cpu_lapic, tmr, CPU_APIC_BANK_WORDS,
			CHECK_ANY("any vector may be level-triggered")),
	FIELD_U32_ARRAY("irr", struct cpu_lapic, irr, CPU_APIC_BANK_WORDS,
			CHECK_ANY("any vector may be requested")),
	LAPIC_U32("esr", esr, CHECK_MASK(APIC_ESR_BITS)),
	LAPIC_U32("icr-low", icr_low, CHECK_MASK(~APIC_ICR_BUSY)),
	LAPIC_U32("icr-high", icr_high,
		  CHECK_ANY("xAPIC: checked with apic-base")),
	LAPIC_U32("lvt-cmci", lvt_cmci, CHECK_MASK(LVT_MODE_BITS)),
	LAPIC_U32("lvt-timer", lvt_timer, CHECK_MASK(LVT_TIMER_BITS)),
	LAPIC_U32("lvt-thermal", lvt_thermal, CHECK_MASK(LVT_MODE_BITS)),
	LAPIC_U32("lvt-perf", lvt_perf, CHECK_MASK(LVT_MODE_BITS)),
	LAPIC_U32("lvt-lint0", lvt_lint0, CHECK_MASK(LVT_LINT_BITS)),
	LAPIC_U32("lvt-lint1", lvt_lint1, CHECK_MASK(LVT_LINT_BITS)),
	LAPIC_U32("lvt-error", lvt_error, CHECK_MASK(LVT_ERROR_BITS)),
	LAPIC_U32("timer-initial", timer_initial,
		  CHECK_ANY("any initial count")),
	/* KVM clamps short periods, so the count may exceed the initial one. */
	LAPIC_U32("timer-current", timer_current,
		  CHECK_ANY("KVM recomputes it from the remaining time")),
	LAPIC_U32("timer-divide", timer_divide, CHECK_MASK(APIC_TDCR_BITS)),
};

/* In xAPIC mode IDs are 8 bits, in bits 31:24 (x2APIC uses all 32). */
static bool lapic_check(const void *st, const void *ctx, char *why, size_t len)
{
	const struct cpu_lapic *l = st;
	const struct snap_ctx *c = ctx;
	const char *name = NULL;
	uint32_t v = 0;

	if (c && c->sregs && (c->sregs->apic_base & APIC_BASE_EXTD))
		return true;
	if (l->id & ~APIC_XAPIC_ID_BITS)
		name = "id", v = l->id;
	else if (l->ldr & ~APIC_XAPIC_ID_BITS)
		name = "ldr", v = l->ldr;
	else if (l->icr_high & ~APIC_XAPIC_ID_BITS)
		name = "icr-high", v = l->icr_high;
	if (!name)
		return true;
	snprintf(why, len, "%s = 0x%x: bits 23:0 set in xAPIC mode", name, v);
	return false;
}

static const struct field_table lapic_table =
	FIELD_TABLE("local APIC", lapic_fields, lapic_check);

#define EV_BOOL(nm, m) FIELD_BOOL(nm, struct kvm_vcpu_events, m)
#define EV_VALID_FLAGS                                                       \
	(KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR | \
	 KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM)

static const struct field events_fields[] = {
	EV_BOOL("exception-injected", exception.injected),
	FIELD_U8("exception-nr", struct kvm_vcpu_events, exception.nr,
		 CHECK_RANGE(0, 31)),
	EV_BOOL("exception-has-error-code", exception.has_error_code),
	EV_BOOL("exception-pending", exception.pending),
	FIELD_U32("exception-error-code", struct kvm_vcpu_events,
		  exception.error_code, CHECK_ANY("any error code")),
	EV_BOOL("interrupt-injected", interrupt.injected),
	FIELD_U8("interrupt-nr", struct kvm_vcpu_events, interrupt.nr,
		 CHECK_ANY("any vector")),
	EV_BOOL("interrupt-soft", interrupt.soft),
	FIELD_U8("interrupt-shadow", struct kvm_vcpu_events, interrupt.shadow,
		 CHECK_MASK(KVM_X86_SHADOW_INT_MOV_SS | KVM_X86_SHADOW_INT_STI)),
	EV_BOOL("nmi-injected", nmi.injected),
	/* Newer kernels report up to two queued NMIs. */
	FIELD_U8("nmi-pending", struct kvm_vcpu_events, nmi.pending,
		 CHECK_RANGE(0, 2)),
	EV_BOOL("nmi-masked", nmi.masked),
	FIELD_U32("sipi-vector", struct kvm_vcpu_events, sipi_vector,
		  CHECK_RANGE(0, 0xff)),
	FIELD_U32("flags", struct kvm_vcpu_events, flags,
		  CHECK_MASK(EV_VALID_FLAGS)),
	EV_BOOL("smi-smm", smi.smm),
	EV_BOOL("smi-pending", smi.pending),
	EV_BOOL("smi-inside-nmi", smi.smm_inside_nmi),
	EV_BOOL("smi-latched-init", smi.latched_init),
};

static bool events_check(const void *st, const void *ctx, char *why, size_t len)
{
	const struct kvm_vcpu_events *e = st;

	(void)ctx;
	if (e->exception.injected && e->exception.pending) {
		snprintf(why, len,
			 "exception-injected and exception-pending "
			 "both set");
		return false;
	}
	if (e->smi.smm) {
		/* vigil's machine has no SMM handler to return to. */
		snprintf(why, len, "smi-smm = 1: vigil does not run SMM code");
		return false;
	}
	return true;
}

static const struct field_table events_table =
	FIELD_TABLE("pending events", events_fields, events_check);

static const struct field debugregs_fields[] = {
	FIELD_U64_ARRAY("db", struct kvm_debugregs, db, 4,
			CHECK_ANY("any breakpoint address")),
	FIELD_U64("dr6", struct kvm_debugregs, dr6, CHECK_MASK(0xffffffffull)),
	FIELD_U64("dr7", struct kvm_debugregs, dr7, CHECK_MASK(0xffffffffull)),
	FIELD_U64("flags", struct kvm_debugregs, flags, CHECK_RANGE(0, 0)),
};

static const struct field_table debugregs_table =
	FIELD_TABLE("debug registers", debugregs_fields, NULL);

static const uint64_t mp_states[] = {
	KVM_MP_STATE_RUNNABLE,	    KVM_MP_STATE_UNINITIALIZED,
	KVM_MP_STATE_INIT_RECEIVED, KVM_MP_STATE_HALTED,
	KVM_MP_STATE_SIPI_RECEIVED,
};

static const struct field cpu_fields[] = {
	FIELD_U32("mp-state", struct cpu_snapshot, mp_state,
		  CHECK_ONE_OF(mp_states)),
	FIELD_U64("xcr0", struct cpu_snapshot, xcr0, CHECK_FN(check_xcr0)),
	FIELD_BLOB("xsave", struct cpu_snapshot, xsave, xsave_len,
		   CPU_XSAVE_MIN, CHECK_FN(check_xsave)),
};

/* What KVM_SET_SREGS itself refuses (kvm_is_valid_sregs). */
static bool cpu_check(const void *st, const void *ctx, char *why, size_t len)
{
	const struct cpu_snapshot *cs = st;
	const struct kvm_sregs *s = &cs->sregs;

	(void)ctx;
	if ((s->efer & EFER_LME) && (s->cr0 & CR0_PG)) {
		if (!(s->cr4 & CR4_PAE) || !(s->efer & EFER_LMA)) {
			snprintf(why, len,
				 "sregs: efer = 0x%llx with cr0.PG "
				 "needs efer.LMA and cr4.PAE (cr4 = 0x%llx)",
				 s->efer, s->cr4);
			return false;
		}
	} else if ((s->efer & EFER_LMA) || s->cs.l) {
		snprintf(why, len,
			 "sregs: efer = 0x%llx, cs.l = %u outside "
			 "long mode",
			 s->efer, s->cs.l);
		return false;
	}
	return true;
}

static const struct field_table cpu_table =
	FIELD_TABLE("vCPU", cpu_fields, cpu_check);

static const char *const segment_names[] = {
	"cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt",
};

/* Segment i, in segment_names[] order. */
static struct kvm_segment *segment_of(struct kvm_sregs *s, unsigned int i)
{
	switch (i) {
	case 0:
		return &s->cs;
	case 1:
		return &s->ds;
	case 2:
		return &s->es;
	case 3:
		return &s->fs;
	case 4:
		return &s->gs;
	case 5:
		return &s->ss;
	case 6:
		return &s->tr;
	default:
		return &s->ldt;
	}
}

const struct cpu_table_ref cpu_tables[] = {
	{ "", &cpu_table },
	{ "regs", &regs_table },
	{ "sregs", &sregs_table },
	{ "sregs/cs", &segment_table },
	{ "sregs/ds", &segment_table },
	{ "sregs/es", &segment_table },
	{ "sregs/fs", &segment_table },
	{ "sregs/gs", &segment_table },
	{ "sregs/ss", &segment_table },
	{ "sregs/tr", &segment_table },
	{ "sregs/ldt", &segment_table },
	{ "sregs/gdt", &dtable_table },
	{ "sregs/idt", &dtable_table },
	{ "lapic", &lapic_table },
	{ "events", &events_table },
	{ "debugregs", &debugregs_table },
};
const unsigned int cpu_nr_tables = sizeof(cpu_tables) / sizeof(cpu_tables[0]);

/* ---- MSRs -------------------------------------------------------------- */

/* A guest-physical area an MSR enables: bit 0 on, then aligned in RAM. */
static const char *check_pv_area(uint64_t v, uint64_t align, uint64_t size,
				 uint64_t flag_bits, const struct snap_ctx *c)
{
	uint64_t gpa = v & ~(align - 1);

	if (!(v & 1))
		return NULL;
	if (v & (align - 1) & ~flag_bits)
		return "reserved low bits set";
	if (c && c->ram && !gm_range_valid(c->ram, gpa, size))
		return "enabled with an area outside guest RAM";
	return NULL;
}

static const char *check_msr(uint32_t index, uint64_t v,
			     const struct snap_ctx *c)
{
	switch (index) {
	case MSR_IA32_CR_PAT:
		return check_pat(v);
	case MSR_MTRR_DEF_TYPE:
		return check_mtrr_def_type(v);
	case MSR_MTRR_FIX64K_00000:
	case MSR_MTRR_FIX16K_80000:
	case MSR_MTRR_FIX16K_A0000:
	case MSR_MTRR_FIX4K_C0000 ... MSR_MTRR_FIX4K_F8000:
		return check_fixed_mtrr(v);
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return check_canonical(&v, sizeof(v));
	case MSR_TSC_AUX:
		return v >> 32 ? "bits 63:32 set" : NULL;
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		/* struct pvclock_vcpu_time_info: 32 bytes, in one page. */
		if ((v & 1) && ((v & 0xfffu) & ~1ull) + 32 > 0x1000)
			return "kvmclock area crosses a page";
		return check_pv_area(v, 2, 32, 1, c);
	case MSR_KVM_ASYNC_PF_EN:
		return check_pv_area(v, 64, 64, 0xf, c);
	case MSR_KVM_STEAL_TIME:
		return check_pv_area(v, 64, 64, 1, c);
	case MSR_KVM_PV_EOI_EN:
		return check_pv_area(v, 4, 4, 1, c);
	case MSR_KVM_POLL_CONTROL:
	case MSR_KVM_ASYNC_PF_ACK:
		return (v & ~1ull) ? "only bit 0 exists" : NULL;
	case MSR_KVM_ASYNC_PF_INT:
		return (v & ~0xffull) ? "only the vector (bits 7:0) exists" :
					NULL;
	default:
		/* Any value: KVM checks host-initiated writes of the rest. */
		return NULL;
	}
}

/* "msr-" and exactly eight lower-case hex digits. */
static bool parse_msr_name(const char *name, uint32_t *index)
{
	uint32_t v = 0;

	if (strncmp(name, "msr-", 4) != 0 || strlen(name) != 12)
		return false;
	for (const char *p = name + 4; *p; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned int)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned int)(*p - 'a' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*index = v;
	return true;
}

static int msrs_save(void *fdt, const char *path, const struct cpu_snapshot *cs,
		     const struct snap_ctx *ctx, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < cs->nr_msrs; i++) {
		const struct cpu_msr *m = &cs->msrs[i];
		const char *why = check_msr(m->index, m->value, ctx);
		char name[16];

		snprintf(name, sizeof(name), "msr-%08x", m->index);
		if (why) {
			snprintf(err, errlen, "%s/%s = 0x%" PRIx64 ": %s", path,
				 name, m->value, why);
			return -EINVAL;
		}
		if (fdt_property_u64(fdt, name, m->value)) {
			snprintf(err, errlen, "%s: state buffer full", path);
			return -ENOSPC;
		}
	}
	return 0;
}

static int msr_load_one(struct cpu_snapshot *cs, const char *path,
			const char *name, const void *prop, int len,
			const struct snap_ctx *ctx, char *err, size_t errlen)
{
	struct cpu_msr *m;
	uint32_t index;
	fdt64_t be;
	const char *why;

	if (!parse_msr_name(name, &index)) {
		snprintf(err, errlen,
			 "%s: unknown property '%.64s' (MSRs are "
			 "msr-XXXXXXXX)",
			 path, name);
		return -EINVAL;
	}
	if (len != (int)sizeof(be)) {
		snprintf(err, errlen, "%s/%s: %d bytes, expected 8", path, name,
			 len);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < cs->nr_msrs; i++)
		if (cs->msrs[i].index == index) {
			snprintf(err, errlen, "%s/%s appears twice", path,
				 name);
			return -EINVAL;
		}
	if (cs->nr_msrs == CPU_MAX_MSRS) {
		snprintf(err, errlen, "%s: more than %u MSRs", path,
			 CPU_MAX_MSRS);
		return -EINVAL;
	}
	m = &cs->msrs[cs->nr_msrs];
	memcpy(&be, prop, sizeof(be));
	m->index = index;
	m->value = fdt64_to_cpu(be);
	why = check_msr(index, m->value, ctx);
	if (why) {
		snprintf(err, errlen, "%s/%s = 0x%" PRIx64 ": %s", path, name,
			 m->value, why);
		return -EINVAL;
	}
	cs->nr_msrs++;
	return 0;
}

static int msrs_load(const void *fdt, int node, const char *path,
		     struct cpu_snapshot *cs, const struct snap_ctx *ctx,
		     char *err, size_t errlen)
{
	int off;

	cs->nr_msrs = 0;
	if (fdt_check_leaf(fdt, node, path, err, errlen) < 0)
		return -EINVAL;
	fdt_for_each_property_offset(off, fdt, node) {
		const char *name;
		int len;
		const void *prop = fdt_getprop_by_offset(fdt, off, &name, &len);
		int r;

		if (!prop || !name) {
			snprintf(err, errlen, "%s: unreadable property", path);
			return -EINVAL;
		}
		r = msr_load_one(cs, path, name, prop, len, ctx, err, errlen);
		if (r < 0)
			return r;
	}
	if (off != -FDT_ERR_NOTFOUND) {
		snprintf(err, errlen, "%s: %s", path, fdt_strerror(off));
		return -EINVAL;
	}
	return 0;
}

/* ---- the cpu@N node ----------------------------------------------------- */

/* Save st as the leaf node name below ppath, with table t. */
static int save_sub(void *fdt, const char *ppath, const char *name,
		    const struct field_table *t, const void *st,
		    const void *ctx, char *err, size_t errlen)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%s", ppath, name);
	return fields_save_node(fdt, path, t, st, ctx, err, errlen);
}

static int sregs_save(void *fdt, const char *ppath, const struct kvm_sregs *s,
		      char *err, size_t errlen)
{
	struct kvm_sregs copy = *s;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "%s/sregs", ppath);
	r = fields_begin_node(fdt, path, err, errlen);
	if (r == 0)
		r = fields_save(fdt, path, &sregs_table, s, NULL, err, errlen);
	for (unsigned int i = 0; r == 0 && i < 8; i++)
		r = save_sub(fdt, path, segment_names[i], &segment_table,
			     segment_of(&copy, i), NULL, err, errlen);
	if (r == 0)
		r = save_sub(fdt, path, "gdt", &dtable_table, &s->gdt, NULL,
			     err, errlen);
	if (r == 0)
		r = save_sub(fdt, path, "idt", &dtable_table, &s->idt, NULL,
			     err, errlen);
	if (r == 0)
		r = fields_end_node(fdt, path, err, errlen);
	return r;
}

static int sregs_load(const void *fdt, int parent, const char *ppath,
		      struct kvm_sregs *s, char *err, size_t errlen)
{
	static const char *const subs[] = {
		"cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt", "gdt", "idt",
	};
	char path[96];
	int node =
		fdt_require_subnode(fdt, parent, ppath, "sregs", err, errlen);
	int r;

	if (node < 0)
		return node;
	snprintf(path, sizeof(path), "%s/sregs", ppath);
	r = fdt_check_subnodes(fdt, node, path, subs, 10, err, errlen);
	if (r == 0)
		r = fields_load(fdt, node, path, &sregs_table, s, NULL, err,
				errlen);
	for (unsigned int i = 0; r == 0 && i < 8; i++)
		r = fields_load_node(fdt, node, path, segment_names[i],
				     &segment_table, segment_of(s, i), NULL,
				     err, errlen);
	if (r == 0)
		r = fields_load_node(fdt, node, path, "gdt", &dtable_table,
				     &s->gdt, NULL, err, errlen);
	if (r == 0)
		r = fields_load_node(fdt, node, path, "idt", &dtable_table,
				     &s->idt, NULL, err, errlen);
	return r;
}

int cpu_state_save(void *fdt, const char *path, const struct cpu_snapshot *cs,
		   const struct snap_ctx *ctx, char *err, size_t errlen)
{
	struct snap_ctx c = *ctx;
	char mpath[64];
	int r;

	c.sregs = &cs->sregs;
	snprintf(mpath, sizeof(mpath), "%s/msrs", path);
	/* The node's own properties come before its subnodes. */
	r = fields_save(fdt, path, &cpu_table, cs, &c, err, errlen);
	if (r == 0)
		r = save_sub(fdt, path, "regs", &regs_table, &cs->regs, &c, err,
			     errlen);
	if (r == 0)
		r = sregs_save(fdt, path, &cs->sregs, err, errlen);
	if (r == 0)
		r = save_sub(fdt, path, "lapic", &lapic_table, &cs->lapic, &c,
			     err, errlen);
	if (r == 0)
		r = save_sub(fdt, path, "events", &events_table, &cs->events,
			     &c, err, errlen);
	if (r == 0)
		r = save_sub(fdt, path, "debugregs", &debugregs_table,
			     &cs->debugregs, &c, err, errlen);
	if (r == 0)
		r = fields_begin_node(fdt, mpath, err, errlen);
	if (r == 0)
		r = msrs_save(fdt, mpath, cs, &c, err, errlen);
	if (r == 0)
		r = fields_end_node(fdt, mpath, err, errlen);
	return r;
}

int cpu_state_load(const void *fdt, int node, const char *path,
		   struct cpu_snapshot *cs, const struct snap_ctx *ctx,
		   char *err, size_t errlen)
{
	static const char *const subs[] = {
		"regs", "sregs", "lapic", "events", "debugregs", "msrs",
	};
	struct snap_ctx c = *ctx;
	char mpath[96];
	int r, msrs;

	memset(cs, 0, sizeof(*cs));
	c.sregs = &cs->sregs;
	r = fdt_check_subnodes(fdt, node, path, subs, 6, err, errlen);
	if (r == 0)
		r = fields_load_node(fdt, node, path, "regs", &regs_table,
				     &cs->regs, &c, err, errlen);
	/* Before the LAPIC, whose valid values depend on apic-base. */
	if (r == 0)
		r = sregs_load(fdt, node, path, &cs->sregs, err, errlen);
	if (r == 0)
		r = fields_load_node(fdt, node, path, "lapic", &lapic_table,
				     &cs->lapic, &c, err, errlen);
	if (r == 0)
		r = fields_load_node(fdt, node, path, "events", &events_table,
				     &cs->events, &c, err, errlen);
	if (r == 0)
		r = fields_load_node(fdt, node, path, "debugregs",
				     &debugregs_table, &cs->debugregs, &c, err,
				     errlen);
	if (r < 0)
		return r;
	msrs = fdt_require_subnode(fdt, node, path, "msrs", err, errlen);
	if (msrs < 0)
		return msrs;
	snprintf(mpath, sizeof(mpath), "%s/msrs", path);
	r = msrs_load(fdt, msrs, mpath, cs, &c, err, errlen);
	/* Last: its cross-field check looks at everything above. */
	if (r == 0)
		r = fields_load(fdt, node, path, &cpu_table, cs, &c, err,
				errlen);
	return r;
}

/* ---- LAPIC register page ------------------------------------------------ */

struct lapic_reg {
	uint16_t offset;
	uint16_t words; /* consecutive registers, APIC_BANK_STRIDE apart */
	size_t field;
};

static const struct lapic_reg lapic_regs[] = {
	{ APIC_ID, 1, offsetof(struct cpu_lapic, id) },
	{ APIC_TPR, 1, offsetof(struct cpu_lapic, tpr) },
	{ APIC_LDR, 1, offsetof(struct cpu_lapic, ldr) },
	{ APIC_DFR, 1, offsetof(struct cpu_lapic, dfr) },
	{ APIC_SVR, 1, offsetof(struct cpu_lapic, svr) },
	{ APIC_ISR, CPU_APIC_BANK_WORDS, offsetof(struct cpu_lapic, isr) },
	{ APIC_TMR, CPU_APIC_BANK_WORDS, offsetof(struct cpu_lapic, tmr) },
	{ APIC_IRR, CPU_APIC_BANK_WORDS, offsetof(struct cpu_lapic, irr) },
	{ APIC_ESR, 1, offsetof(struct cpu_lapic, esr) },
	{ APIC_LVT_CMCI, 1, offsetof(struct cpu_lapic, lvt_cmci) },
	{ APIC_ICR_LOW, 1, offsetof(struct cpu_lapic, icr_low) },
	{ APIC_ICR_HIGH, 1, offsetof(struct cpu_lapic, icr_high) },
	{ APIC_LVT_TIMER, 1, offsetof(struct cpu_lapic, lvt_timer) },
	{ APIC_LVT_THERMAL, 1, offsetof(struct cpu_lapic, lvt_thermal) },
	{ APIC_LVT_PERF, 1, offsetof(struct cpu_lapic, lvt_perf) },
	{ APIC_LVT_LINT0, 1, offsetof(struct cpu_lapic, lvt_lint0) },
	{ APIC_LVT_LINT1, 1, offsetof(struct cpu_lapic, lvt_lint1) },
	{ APIC_LVT_ERROR, 1, offsetof(struct cpu_lapic, lvt_error) },
	{ APIC_TIMER_INITIAL, 1, offsetof(struct cpu_lapic, timer_initial) },
	{ APIC_TIMER_CURRENT, 1, offsetof(struct cpu_lapic, timer_current) },
	{ APIC_TIMER_DIVIDE, 1, offsetof(struct cpu_lapic, timer_divide) },
};

void cpu_lapic_from_page(const struct kvm_lapic_state *page,
			 struct cpu_lapic *l)
{
	for (size_t i = 0; i < sizeof(lapic_regs) / sizeof(lapic_regs[0]); i++)
		for (unsigned int w = 0; w < lapic_regs[i].words; w++)
			memcpy((uint8_t *)l + lapic_regs[i].field +
				       (size_t)4 * w,
			       page->regs + lapic_regs[i].offset +
				       (size_t)w * APIC_BANK_STRIDE,
			       4);
}

void cpu_lapic_to_page(const struct cpu_lapic *l, struct kvm_lapic_state *page)
{
	for (size_t i = 0; i < sizeof(lapic_regs) / sizeof(lapic_regs[0]); i++)
		for (unsigned int w = 0; w < lapic_regs[i].words; w++)
			memcpy(page->regs + lapic_regs[i].offset +
				       (size_t)w * APIC_BANK_STRIDE,
			       (const uint8_t *)l + lapic_regs[i].field +
				       (size_t)4 * w,
			       4);
}

/* ---- checks against this host ------------------------------------------ */

/*
 * A KVM without XCRS runs on a CPU without XSAVE and offers none to its
 * guests: CR4.OSXSAVE is refused (KVM_SET_SREGS), XCR0 stays x87 only, and
 * the FPU state is the legacy FXSAVE region, which KVM_GET_XSAVE reports
 * with XSTATE_BV x87|SSE; KVM_SET_XSAVE refuses any other component (Linux
 * 6.1, fpu_copy_uabi_to_guest_fpstate()). A snapshot of a guest that used
 * XSAVE is refused here by name, not with KVM's bare EINVAL later.
 */
static int check_host_xstate(const struct cpu_snapshot *cs, unsigned int index,
			     const struct cpu_host *host, char *err,
			     size_t errlen)
{
	const char *field, *why;
	uint64_t bv, value;

	if (host->xcrs)
		return 0;
	memcpy(&bv, cs->xsave + XSAVE_HDR_OFF, sizeof(bv));
	if (cs->sregs.cr4 & CR4_OSXSAVE) {
		field = "sregs/cr4";
		value = cs->sregs.cr4;
		why = "XSAVE enabled: OSXSAVE, bit 18";
	} else if (cs->xcr0 != XCR0_X87) {
		field = "xcr0";
		value = cs->xcr0;
		why = "state beyond x87";
	} else if (bv & ~(XCR0_X87 | XCR0_SSE)) {
		field = "xsave";
		value = bv;
		why = "XSTATE_BV: state beyond x87 and SSE";
	} else {
		return 0;
	}
	snprintf(err, errlen,
		 "/cpus/cpu@%u/%s: %#" PRIx64 " (%s), but this host's KVM "
		 "has no XSAVE (no XCRS) to restore it",
		 index, field, value, why);
	return -EINVAL;
}

int cpu_state_check_host(const struct cpu_snapshot *cs, unsigned int index,
			 const struct cpu_host *host, char *err, size_t errlen)
{
	int r;

	if (cs->xsave_len != host->xsave_size) {
		snprintf(err, errlen,
			 "/cpus/cpu@%u/xsave: %u bytes, this "
			 "host's KVM uses %u",
			 index, cs->xsave_len, host->xsave_size);
		return -EINVAL;
	}
	r = check_host_xstate(cs, index, host, err, errlen);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < cs->nr_msrs; i++) {
		bool known = false;

		for (uint32_t j = 0; j < host->nr_msrs && !known; j++)
			known = host->msrs[j] == cs->msrs[i].index;
		if (!known) {
			snprintf(err, errlen,
				 "/cpus/cpu@%u/msrs/msr-%08x: "
				 "this host's KVM does not save this MSR",
				 index, cs->msrs[i].index);
			return -EINVAL;
		}
	}
	return 0;
}
