// SPDX-License-Identifier: GPL-2.0-only
/*
 * Real-mode start-up code for application processors. smp.c copies it to
 * TRAMPOLINE_ADDR; a STARTUP IPI with vector TRAMPOLINE_ADDR >> 12 starts
 * the AP here with CS = TRAMPOLINE_ADDR >> 4, IP = 0 (SDM Vol. 3A, "MP
 * Initialization Example"). It loads the kernel's GDT, sets CR0.PE and
 * jumps to ap_start32 (start.S), which continues to long mode. Everything
 * here is CS-relative so it runs wherever it is copied.
 */
#include <asm/processor-flags.h>
#include "boot.h"

	.section .rodata
	.code16
	.globl ap_trampoline, ap_trampoline_end
ap_trampoline:
	cli
	cld
	lgdtl	%cs:(gdt_desc - ap_trampoline)
	movl	%cr0, %eax
	orl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$BOOT_CS32, $ap_start32

	.balign 8
gdt_desc:
	.word boot_gdt_limit
	.long boot_gdt
ap_trampoline_end:
