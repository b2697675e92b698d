// SPDX-License-Identifier: GPL-2.0-only
/*
 * With the I/O APIC in use, the 8259s must be masked (ACPI 6.5, 5.2.12,
 * MADT flag PCAT_COMPAT): OCW1, the interrupt mask register, is a write
 * to each chip's data port (Intel 8259A datasheet, "Operation Command
 * Words").
 */
#include "io.h"
#include "pic.h"

#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

void pic_mask_all(void)
{
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}
