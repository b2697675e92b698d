// SPDX-License-Identifier: GPL-2.0-only
/*
 * guard_catch/guard_throw (guard.h): save and restore the System V
 * callee-saved registers, the stack pointer, the return address and RFLAGS.
 * guard_throw may run inside an exception or interrupt handler: it simply
 * abandons that frame, and popping the saved RFLAGS restores the interrupt
 * flag the guarded code had.
 */
	.text
	.globl guard_catch, guard_throw

guard_catch:
	movq	%rbx, 0(%rdi)
	movq	%rbp, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	leaq	8(%rsp), %rax		/* the caller's stack after return */
	movq	%rax, 48(%rdi)
	movq	(%rsp), %rax		/* the return address */
	movq	%rax, 56(%rdi)
	pushfq
	popq	64(%rdi)
	xorl	%eax, %eax
	ret

guard_throw:
	movq	0(%rdi), %rbx
	movq	8(%rdi), %rbp
	movq	16(%rdi), %r12
	movq	24(%rdi), %r13
	movq	32(%rdi), %r14
	movq	40(%rdi), %r15
	movq	48(%rdi), %rsp
	pushq	64(%rdi)
	popfq
	movl	%esi, %eax
	jmpq	*56(%rdi)
