// SPDX-License-Identifier: GPL-2.0-only
/*
 * One 16-byte entry stub per IDT vector. Each pushes a zero where the CPU
 * pushes no error code (so every frame has the same layout, struct
 * trap_frame in idt.h), then the vector number, then jumps to isr_common,
 * which saves the general registers and calls trap_dispatch(frame).
 * Vectors with an error code: SDM Vol. 3A, 6.15 "Exception and Interrupt
 * Reference" (8 #DF, 10 #TS, 11 #NP, 12 #SS, 13 #GP, 14 #PF, 17 #AC,
 * 21 #CP, 29 #VC, 30 #SX).
 */
	.text
	.balign 16
	.globl isr_stubs
isr_stubs:
	vector = 0
	.rept 256
0:
	has_error_code = vector == 8 || (vector >= 10 && vector <= 14) || \
			 vector == 17 || vector == 21 || vector == 29 || \
			 vector == 30
	.if !has_error_code
	pushq	$0
	.endif
	.byte	0x6a, vector		/* pushq $imm8: sign-extends, masked in C */
	jmp	isr_common
	.fill 0b + 16 - ., 1, 0xcc
	vector = vector + 1
	.endr

isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	cld
	call	trap_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq
