/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest-physical memory map of a vigil x86-64 machine. One place, so
 * boot loaders, ACPI tables, the e820 map and devices agree.
 *
 *   0x0000_0000  RAM (low)          real-mode IVT/BDA area, boot structures
 *   0x0000_0500  GDT for the boot vCPU
 *   0x0000_7000  boot_params ("zero page") / hvm_start_info
 *   0x0000_9000  boot page tables (PML4, PDPT, PDs: identity map of 4 GiB)
 *   0x0002_0000  kernel command line (up to BOOT_CMDLINE_MAX)
 *   0x0002_1000  bzImage setup_data (the RNG seed)
 *   0x0009_fc00  reserved: EBDA .. 1 MiB (BIOS area, ACPI tables at 0xe0000,
 *                the reset-vector stub at 0xffff0)
 *   0x0010_0000  kernel (protected-mode part / ELF segments) and RAM
 *   LOWMEM_END   end of low RAM: min(ram, MMIO_HOLE_START)
 *   0xc000_0000  MMIO hole: virtio-mmio windows, IOAPIC, LAPIC
 *   0x1_0000_0000 RAM (high), the part of RAM above MMIO_HOLE_START
 */
#ifndef VIGIL_LAYOUT_H
#define VIGIL_LAYOUT_H

#include <stdint.h>

#include "lib/guest_mem.h"

/* The machines vigil builds (and a snapshot may describe). */
#define MACHINE_MAX_CPUS 255u
#define MACHINE_MIN_MEM (32ull << 20)
#define MACHINE_MAX_MEM (1ull << 40)

#define BOOT_GDT_ADDR 0x500ull
#define BOOT_IDT_ADDR 0x520ull
#define BOOT_PARAMS_ADDR 0x7000ull /* also hvm_start_info for PVH */
#define BOOT_PVH_MODLIST_ADDR 0x7800ull
#define BOOT_PVH_MEMMAP_ADDR 0x7900ull
#define BOOT_PML4_ADDR 0x9000ull
#define BOOT_PDPT_ADDR 0xa000ull
#define BOOT_PD_ADDR 0xb000ull /* four PDs: 0xb000..0xefff */
#define BOOT_CMDLINE_ADDR 0x20000ull
#define BOOT_CMDLINE_MAX 4096u
#define BOOT_SETUP_DATA_ADDR 0x21000ull
#define BOOT_STACK_ADDR 0x8ff0ull

#define EBDA_START 0x9fc00ull
#define BIOS_AREA_END 0x100000ull /* 1 MiB */
#define ACPI_TABLES_ADDR 0xe0000ull
#define ACPI_TABLES_MAX 0x1f000ull /* up to the reset-vector page */

/*
 * The real-mode reset vector, f000:fff0, where a BIOS starts after a reset
 * and where a kernel's last-resort reboot jumps (Linux's BOOT_BIOS, which it
 * reaches on ACPI hardware-reduced machines without EFI, after a panic
 * too). vigil has no BIOS: a small stub there writes the ACPI reset
 * register, so that jump ends vigil with the reset status instead of
 * running zeros forever (boot_write_reset_vector()).
 */
#define RESET_VECTOR_ADDR 0xffff0ull
#define RESET_VECTOR_SIZE 16u

#define KERNEL_LOAD_ADDR 0x100000ull

#define MMIO_HOLE_START 0xc0000000ull
#define MMIO_HOLE_END 0x100000000ull
#define HIGHMEM_START 0x100000000ull

/* virtio-mmio windows: one page each, from here, IRQs from VIRTIO_IRQ_BASE. */
#define VIRTIO_MMIO_BASE 0xd0000000ull
#define VIRTIO_MMIO_SIZE 0x1000ull
#define VIRTIO_MMIO_MAX 8u
#define VIRTIO_IRQ_BASE 5u

/* The one place slot numbers become addresses and interrupt lines. */
static inline unsigned long long virtio_slot_window(unsigned int slot)
{
	return VIRTIO_MMIO_BASE + slot * VIRTIO_MMIO_SIZE;
}

static inline unsigned int virtio_slot_gsi(unsigned int slot)
{
	return VIRTIO_IRQ_BASE + slot;
}

#define IOAPIC_ADDR 0xfec00000ull
#define LAPIC_ADDR 0xfee00000ull

/* KVM's private areas (TSS and identity map) sit just below the IOAPIC. */
#define KVM_IDENTITY_MAP_ADDR 0xfeffc000ull
#define KVM_TSS_ADDR 0xfeffd000ull

#define SERIAL_PORT 0x3f8u
#define SERIAL_IRQ 4u

/*
 * Test/debug exit port, QEMU isa-debug-exit compatible (iobase=0xf4,
 * iosize=4): writing V ends vigil with status (V << 1) | 1.
 */
#define DEBUG_EXIT_PORT 0xf4u

/* ACPI hardware-reduced registers (FADT sleep control/status, reset). */
#define ACPI_SLEEP_CONTROL_PORT 0x600u
#define ACPI_SLEEP_STATUS_PORT 0x601u
#define ACPI_RESET_PORT 0x602u
#define ACPI_RESET_VALUE 0x1u
/* SLP_TYPx for S5 in the sleep control register (DSDT _S5_ package). */
#define ACPI_S5_SLP_TYP 5u

#define I8042_COMMAND_PORT 0x64u

/*
 * Describe size bytes of RAM at hva in gm as this map lays them out: below
 * the MMIO hole at 0, the rest above 4 GiB. 0 or a negative errno.
 */
static inline int layout_add_ram(struct guest_mem *gm, void *hva, uint64_t size)
{
	uint64_t low = size < MMIO_HOLE_START ? size : MMIO_HOLE_START;
	int r = gm_add_region(gm, 0, low, hva);

	if (r == 0 && size > low)
		r = gm_add_region(gm, HIGHMEM_START, size - low,
				  (uint8_t *)hva + low);
	return r;
}

#endif
