// SPDX-License-Identifier: GPL-2.0-only
/*
 * The real-mode part of the bzImage: the legacy boot sector, the setup
 * header and the 16-bit entry point. Loaders copy these (setup_sects + 1)
 * sectors below 1 MiB and the rest of the file (the 32/64-bit kernel,
 * start.S onwards) to code32_start = 1 MiB.
 *
 * Field offsets and meanings: Linux Documentation/arch/x86/boot.rst, "THE
 * REAL-MODE KERNEL HEADER". Symbols kernel_* come from the kernel link
 * (kernel.ld), imported with --just-symbols.
 */
#include <asm/bootparam.h>
#include <asm/processor-flags.h>
#include "boot.h"

#define SETUP_SECTS 1	/* sectors after the boot sector; see setup.ld */

	.code16
	.section .setup, "ax"
	.globl setup_start
setup_start:
	/* The boot sector proper (0x000-0x1f0) is unused; boot_params fields
	 * that live here (acpi_rsdp_addr, e820_table) read as zero. */
	.org 0x1f1
hdr:
	.byte SETUP_SECTS		/* 0x1f1 setup_sects */
	.word 0				/* 0x1f2 root_flags */
	.long kernel_syssize		/* 0x1f4 syssize: 16-byte paragraphs */
	.word 0				/* 0x1f8 ram_size */
	.word 0				/* 0x1fa vid_mode */
	.word 0				/* 0x1fc root_dev */
	.word 0xaa55			/* 0x1fe boot_flag */
	/* 0x200 jump: the 16-bit entry point, reached at seg+0x20:0 */
	.byte 0xeb, setup_entry16 - 1f
1:	.ascii "HdrS"			/* 0x202 header */
	.word 0x020e			/* 0x206 version 2.14: acpi_rsdp_addr */
	.long 0				/* 0x208 realmode_swtch */
	.word 0				/* 0x20c start_sys_seg (obsolete) */
	.word version_string - 0x200	/* 0x20e kernel_version */
	.byte 0				/* 0x210 type_of_loader */
	.byte LOADED_HIGH		/* 0x211 loadflags: kernel at 1 MiB */
	.word 0				/* 0x212 setup_move_size */
	.long kernel_start		/* 0x214 code32_start */
	.long 0				/* 0x218 ramdisk_image */
	.long 0				/* 0x21c ramdisk_size */
	.long 0				/* 0x220 bootsect_kludge */
	.word 0				/* 0x224 heap_end_ptr */
	.byte 0				/* 0x226 ext_loader_ver */
	.byte 0				/* 0x227 ext_loader_type */
	.long 0				/* 0x228 cmd_line_ptr */
	.long 0x7fffffff		/* 0x22c initrd_addr_max */
	.long 0x200000			/* 0x230 kernel_alignment */
	.byte 0				/* 0x234 relocatable_kernel: no */
	.byte 12			/* 0x235 min_alignment: 4 KiB */
	.word XLF_KERNEL_64		/* 0x236 xloadflags: 64-bit entry */
	.long 2047			/* 0x238 cmdline_size */
	.long 0				/* 0x23c hardware_subarch: PC */
	.quad 0				/* 0x240 hardware_subarch_data */
	.long 0				/* 0x248 payload_offset */
	.long 0				/* 0x24c payload_length */
	.quad 0				/* 0x250 setup_data */
	.quad kernel_start		/* 0x258 pref_address */
	.long kernel_init_size		/* 0x260 init_size: image + .bss */
	.long 0				/* 0x264 handover_offset: no EFI */

version_string:
	.asciz "vigil-test-guest"

/*
 * 16-bit entry, real mode. boot.rst promises CS = setup segment + 0x20 and
 * IP = 0, but kvmtool enters at CS = setup segment, IP = 0x200, so find
 * our linear address from CS:IP instead of trusting either. The stack
 * (SS:SP) is the loader's. Loads the kernel's GDT, sets CR0.PE and jumps
 * to the 32-bit code at 1 MiB with %esi = the setup area, which is the
 * boot_params this loader filled in (cmd_line_ptr, ...).
 */
setup_entry16:
	cli
	cld
	calll	2f
2:	popl	%ebx			/* IP of 2b (upper half is zero) */
	xorl	%esi, %esi
	movw	%cs, %si
	shll	$4, %esi
	addl	%ebx, %esi
	subl	$(2b - setup_start), %esi

	/* lgdt takes a 6-byte pseudo-descriptor: build it on the stack. */
	pushl	$boot_gdt
	pushw	$boot_gdt_limit
	movw	%sp, %bp
	lgdtl	(%bp)
	addw	$6, %sp

	movl	%cr0, %eax
	orl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$BOOT_CS32, $startup_32_from16

	/* Pad to the size setup_sects announces. */
	.org (SETUP_SECTS + 1) * 512
