/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding and checking the ACPI tables (ACPI 6.5, chapter 5.2): the RSDP,
 * the XSDT (or RSDT) it points to, every table listed there, and the DSDT
 * the FADT points to.
 */
#ifndef GUEST_ACPI_H
#define GUEST_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 5.2.6 System Description Table Header */
struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

#define ACPI_MAX_TABLES 32

struct acpi_table {
	uint64_t addr;
	char signature[5];
	uint32_t length;
	bool checksum_ok;
};

struct acpi_info {
	uint64_t rsdp;		 /* 0: not found */
	const char *rsdp_source; /* the loader's field, or the memory scanned */
	uint8_t revision;	 /* RSDP revision: 0 = ACPI 1.0, 2 = 2.0+ */
	bool rsdp_checksum_ok;
	bool rsdp_ext_checksum_ok; /* revision >= 2 only */
	struct acpi_table root;	   /* XSDT, or RSDT */
	unsigned int ntables;	   /* root entries, then the DSDT */
	struct acpi_table tables[ACPI_MAX_TABLES];
	const char *problem; /* the first structural problem, or NULL */
};

/* Looks for the RSDP at @hint (if non-zero) or by scanning, then reads
 * and checks every table. Returns false if there is no usable RSDP. */
bool acpi_init(uint64_t hint, const char *hint_source);
const struct acpi_info *acpi_get_info(void);
/* The first table with this signature and a good checksum, or NULL. */
const struct acpi_header *acpi_find(const char *signature);
bool acpi_checksum_ok(const void *p, size_t len);

#endif
