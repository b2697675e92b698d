/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The FADT's power registers (ACPI 6.5, 5.2.9 "Fixed ACPI Description
 * Table"): the reset register and value (4.8.3.6), and on hardware-reduced
 * machines the sleep control and status registers (4.8.3.7), each a
 * Generic Address Structure (5.2.3.2) in memory or I/O space.
 */
#ifndef GUEST_FADT_H
#define GUEST_FADT_H

#include <stdbool.h>
#include <stdint.h>

/* 5.2.3.2 Generic Address Structure */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size; /* 0 undefined, 1 byte ... 4 qword */
	uint64_t address;
} __attribute__((packed));

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1

/* Sleep control register (4.8.3.7): SLP_TYPx in bits 4:2, SLP_EN bit 5 */
#define ACPI_SLEEP_TYP_SHIFT 2
#define ACPI_SLEEP_TYP_MASK 7
#define ACPI_SLEEP_EN (1u << 5)

struct fadt_info {
	bool hw_reduced;      /* Flags.HW_REDUCED_ACPI */
	bool reset_supported; /* Flags.RESET_REG_SUP */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	struct acpi_gas sleep_control; /* address 0: absent */
	struct acpi_gas sleep_status;
};

/* Reads the FADT that acpi_init() found; NULL, or what is wrong. */
const char *fadt_read(struct fadt_info *f);
/* Writes @value to the register @g describes; NULL, or why it cannot. */
const char *gas_write(const struct acpi_gas *g, uint64_t value);
/* "I/O 0x600" or "memory 0xfea00000", for messages. */
const char *gas_describe(const struct acpi_gas *g);

#endif
