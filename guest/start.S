// SPDX-License-Identifier: GPL-2.0-only
/*
 * The image's entry points, all converging on guest_main() in 64-bit long
 * mode with the guest's own GDT, page tables and stack:
 *
 *   startup_32        1 MiB (code32_start): 32-bit boot protocol,
 *                     %esi = boot_params, flat segments, paging off
 *   startup_64        1 MiB + 0x200: 64-bit boot protocol, %rsi =
 *                     boot_params, long mode on the loader's page tables
 *   startup_32_from16 where setup.S jumps after leaving real mode
 *   pvh_start32       the PVH note's entry: %ebx = hvm_start_info, 32-bit
 *                     protected mode, paging off
 *   ap_start32        where the SMP trampoline jumps (smp.c)
 *
 * Boot protocol: Linux Documentation/arch/x86/boot.rst ("32-bit BOOT
 * PROTOCOL", "64-bit BOOT PROTOCOL"); PVH: Xen docs/misc/pvh.pandoc.
 * Long mode: Intel SDM Vol. 3A, "Initializing IA-32e Mode".
 */
#include <asm/processor-flags.h>
#include "boot.h"

#define MSR_EFER 0xc0000080	/* SDM Vol. 4, Table 2-2 (IA32_EFER) */
#define EFER_LME (1 << 8)

/* Page-table entry bits (SDM Vol. 3A, 4.5 "4-Level Paging"). */
#define PTE_PRESENT 0x001
#define PTE_WRITE 0x002
#define PTE_PWT 0x008
#define PTE_PCD 0x010
#define PTE_LARGE 0x080		/* PS: a 2 MiB page in a PD entry */

/*
 * From 32-bit protected mode with paging off to 64-bit long mode: PAE on,
 * CR3 = the identity map, EFER.LME, then paging; the far jump loads a
 * 64-bit code segment (the steps of "Initializing IA-32e Mode").
 */
.macro ENTER_LONG_MODE target
	movl	%cr4, %eax
	orl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(X86_CR0_PG | X86_CR0_PE), %eax
	movl	%eax, %cr0
	ljmpl	$BOOT_CS64, $\target
.endm

.macro LOAD_DATA_SEGMENTS
	movw	$BOOT_DS, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
.endm

	.section .text.head, "ax"
	.code32
	.globl startup_32
startup_32:
	cli
	movl	$BOOT_ENTRY_BZIMAGE32, %edi
	jmp	common32

	/* The 64-bit entry is at a fixed offset (boot.rst). */
	.org 0x200
	.code64
	.globl startup_64
startup_64:
	cli
	lgdt	boot_gdt_desc(%rip)
	movl	$boot_pml4, %eax
	movq	%rax, %cr3
	pushq	$BOOT_CS64
	leaq	1f(%rip), %rax
	pushq	%rax
	lretq				/* reload CS from our GDT */
1:	LOAD_DATA_SEGMENTS
	movl	$BOOT_ENTRY_BZIMAGE64, %edi
	jmp	common64

	.code32
	.globl startup_32_from16
startup_32_from16:
	/* DS still holds a real-mode segment: reload before any access. */
	LOAD_DATA_SEGMENTS
	movl	$BOOT_ENTRY_BZIMAGE16, %edi
	jmp	common32

	.globl pvh_start32
pvh_start32:
	cli
	movl	%ebx, %esi
	movl	$BOOT_ENTRY_PVH, %edi
	/* fall through */

/* %edi = entry kind, %esi = boot_params or hvm_start_info. */
common32:
	lgdt	boot_gdt_desc
	ljmpl	$BOOT_CS32, $1f
1:	LOAD_DATA_SEGMENTS
	ENTER_LONG_MODE long_mode_bsp

	.code64
long_mode_bsp:
	LOAD_DATA_SEGMENTS
	/* Upper halves are undefined after the mode switch. */
	movl	%edi, %edi
	movl	%esi, %esi
	/* fall through */

/* %rdi = entry kind, %rsi = boot structure. */
common64:
	movq	%rdi, %r12
	movq	%rsi, %r13
	/* Loaders need not clear .bss (it is not in the file): clear it. */
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_end(%rip), %rcx
	subq	%rdi, %rcx
	shrq	$3, %rcx
	xorl	%eax, %eax
	rep stosq
	leaq	boot_stack_top(%rip), %rsp
	movq	%r12, %rdi
	movq	%r13, %rsi
	call	guest_main
2:	cli
	hlt
	jmp	2b

/*
 * Application processors arrive here from the real-mode trampoline
 * (trampoline.S) with our GDT loaded and CR0.PE set.
 */
	.code32
	.globl ap_start32
ap_start32:
	LOAD_DATA_SEGMENTS
	ENTER_LONG_MODE ap_start64

	.code64
ap_start64:
	LOAD_DATA_SEGMENTS
	movq	ap_boot_stack(%rip), %rsp
	movq	ap_boot_cpu(%rip), %rdi
	call	ap_main
3:	cli
	hlt
	jmp	3b

/* PVH entry note (Xen public/elfnote.h: XEN_ELFNOTE_PHYS32_ENTRY = 18). */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4				/* namesz */
	.long 8				/* descsz */
	.long 18			/* type */
	.asciz "Xen"
	.balign 4
	.quad pvh_start32		/* desc: 32-bit physical entry */
	.balign 4

	.section .data
	/* Flat segments (SDM Vol. 3A, 3.4.5): base 0, limit 4 GiB, 4 KiB
	 * granularity; accessed bits preset so the CPU never writes here. */
	.balign 16
	.globl boot_gdt, boot_gdt_limit
boot_gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08: 64-bit code (L=1) */
	.quad 0x00cf9b000000ffff	/* 0x10: 32-bit code */
	.quad 0x00cf93000000ffff	/* 0x18: data */
boot_gdt_end:
	/* For setup.S and trampoline.S, which build their own lgdt operand. */
	.set boot_gdt_limit, boot_gdt_end - boot_gdt - 1
	.balign 8
boot_gdt_desc:
	.word boot_gdt_limit
	.quad boot_gdt

	/*
	 * Identity map of the low 4 GiB with 2 MiB pages: one PML4 entry, four
	 * PDPT entries, four page directories. 3-4 GiB (the MMIO hole: IOAPIC,
	 * LAPIC, virtio-mmio) is uncached (PCD|PWT).
	 */
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.quad boot_pdpt + PTE_PRESENT + PTE_WRITE
	.fill 511, 8, 0
boot_pdpt:
	.quad boot_pd + 0x0000 + PTE_PRESENT + PTE_WRITE
	.quad boot_pd + 0x1000 + PTE_PRESENT + PTE_WRITE
	.quad boot_pd + 0x2000 + PTE_PRESENT + PTE_WRITE
	.quad boot_pd + 0x3000 + PTE_PRESENT + PTE_WRITE
	.fill 508, 8, 0
boot_pd:
	page = 0
	.rept 1536
	.quad (page << 21) + PTE_PRESENT + PTE_WRITE + PTE_LARGE
	page = page + 1
	.endr
	.rept 512
	.quad (page << 21) + PTE_PRESENT + PTE_WRITE + PTE_LARGE + PTE_PCD + PTE_PWT
	page = page + 1
	.endr

	.section .bss
	.balign 16
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:
