/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guarded regions: setjmp/longjmp for a kernel with no C library. The test
 * runner wraps each test in a guard; an exception or the watchdog throws
 * back to it, so a faulting or hanging test fails alone instead of taking
 * the run down. Tests may nest their own guard to expect an exception:
 *
 *	struct guard g;
 *
 *	guard_push(&g);
 *	if (guard_catch(&g) == 0)
 *		asm volatile("ud2");	// throws: guard_catch returns again
 *	guard_pop(&g);
 *	// g.trap.vector == 6 (#UD), g.trap.rip == the ud2's address
 *
 * Locals changed between guard_catch() and a throw must be volatile.
 */
#ifndef GUEST_GUARD_H
#define GUEST_GUARD_H

#include <stdint.h>

/* Why control came back to guard_catch(). */
#define GUARD_EXCEPTION 1
#define GUARD_TIMEOUT 2

struct trap_info {
	uint64_t vector;
	uint64_t error;
	uint64_t rip;
	uint64_t cr2;
};

struct guard {
	uint64_t saved[9]; /* rbx rbp r12-r15 rsp rip rflags: guard.S */
	struct guard *outer;
	struct trap_info trap; /* filled in before an exception throw */
};

/* Returns 0, then again the (non-zero) code passed to guard_throw(). */
__attribute__((returns_twice)) int guard_catch(struct guard *g);
/* Restores the registers (and interrupt flag) saved by guard_catch(). */
__attribute__((noreturn)) void guard_throw(struct guard *g, int code);

/* The calling CPU's innermost guard. */
void guard_push(struct guard *g);
void guard_pop(struct guard *g);

#endif
