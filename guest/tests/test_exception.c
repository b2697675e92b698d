// SPDX-License-Identifier: GPL-2.0-only
/*
 * exception: deliberate faults inside guarded regions (guard.h) reach the
 * IDT, which reports vector, RIP, error code (and CR2 for a page fault)
 * and returns to the guard. SDM Vol. 3A, 6.15: #DE (0) divide by zero,
 * #UD (6) ud2, #GP (13, error code 0) a non-canonical address, #PF (14)
 * a read of a canonical but unmapped address (error code 0: not present,
 * read, supervisor).
 */
#include "guard.h"
#include "runner.h"
#include "tests.h"

/* The faulting instructions, each at a known label. */
void fault_de(void);
void fault_ud(void);
void fault_gp(void);
void fault_pf(void);
extern const char fault_de_site[], fault_ud_site[], fault_gp_site[],
	fault_pf_site[];

#define UNMAPPED 0x4000000000ull /* 256 GiB: the guest maps only 4 GiB */

asm(".pushsection .text\n"
    "fault_de:\n"
    "	xorl %ecx, %ecx\n"
    "	xorl %edx, %edx\n"
    "	movl $1, %eax\n"
    "fault_de_site:\n"
    "	divl %ecx\n"
    "	ret\n"
    "fault_ud:\n"
    "fault_ud_site:\n"
    "	ud2\n"
    "	ret\n"
    "fault_gp:\n"
    "	movabsq $0x8000000000000000, %rax\n"
    "fault_gp_site:\n"
    "	movq (%rax), %rax\n"
    "	ret\n"
    "fault_pf:\n"
    "	movabsq $0x4000000000, %rax\n"
    "fault_pf_site:\n"
    "	movq (%rax), %rax\n"
    "	ret\n"
    ".popsection");

struct fault {
	const char *name;
	void (*trigger)(void);
	const char *site;
	uint64_t vector;
	uint64_t error;
	uint64_t cr2;
};

static void expect_fault(const struct fault *f)
{
	struct guard g;
	int code;

	guard_push(&g);
	code = guard_catch(&g);
	if (code == 0)
		f->trigger();
	guard_pop(&g);
	if (!check(code == GUARD_EXCEPTION, "%s: no exception", f->name))
		return;
	check(g.trap.vector == f->vector, "%s: vector %lu, expected %lu",
	      f->name, g.trap.vector, f->vector);
	check(g.trap.rip == (uint64_t)f->site, "%s: rip 0x%lx, expected %p",
	      f->name, g.trap.rip, f->site);
	check(g.trap.error == f->error, "%s: error code 0x%lx, expected 0x%lx",
	      f->name, g.trap.error, f->error);
	check(g.trap.cr2 == f->cr2, "%s: cr2 0x%lx, expected 0x%lx", f->name,
	      g.trap.cr2, f->cr2);
}

void test_exception(void)
{
	static const struct fault faults[] = {
		{ "#DE", fault_de, fault_de_site, 0, 0, 0 },
		{ "#UD", fault_ud, fault_ud_site, 6, 0, 0 },
		{ "#GP", fault_gp, fault_gp_site, 13, 0, 0 },
		{ "#PF", fault_pf, fault_pf_site, 14, 0, UNMAPPED },
	};
	unsigned int i;

	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		expect_fault(&faults[i]);
}
