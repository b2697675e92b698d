/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Constants shared by the start-up assembly and the C runtime: the guest's
 * own GDT selectors, the ways a loader can enter the image, and the fixed
 * low-memory address of the application-processor trampoline.
 */
#ifndef GUEST_BOOT_H
#define GUEST_BOOT_H

/* Selectors in boot_gdt (start.S). 0x10/0x18 match Linux's __BOOT_CS/DS. */
#define BOOT_CS64 0x08
#define BOOT_CS32 0x10
#define BOOT_DS 0x18

/* How the loader entered the image; start.S passes one in %edi. */
#define BOOT_ENTRY_BZIMAGE16 1 /* real-mode setup entry (qboot, kvmtool) */
#define BOOT_ENTRY_BZIMAGE32 2 /* 32-bit boot protocol at code32_start */
#define BOOT_ENTRY_BZIMAGE64 3 /* 64-bit boot protocol at +0x200 */
#define BOOT_ENTRY_PVH 4       /* PVH: %ebx = hvm_start_info */

/*
 * Where INIT-SIPI-SIPI starts the application processors: a SIPI vector VV
 * starts them in real mode at VV000h (SDM Vol. 3A, "Interrupt Command
 * Register (ICR)", Start-Up delivery mode), so the
 * trampoline must sit on a 4 KiB boundary below 1 MiB. 0x3000 is free on
 * vigil (boot structures at 0x500 and 0x7000), QEMU/qboot and kvmtool.
 */
#define TRAMPOLINE_ADDR 0x3000

/* Boot stack of the bootstrap processor (in .bss). */
#define BOOT_STACK_SIZE 16384

#endif
