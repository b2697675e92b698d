/* SPDX-License-Identifier: GPL-2.0-only */
/* I/O APICs: routing a global system interrupt (GSI) to a vector. */
#ifndef GUEST_IOAPIC_H
#define GUEST_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "madt.h"

struct ioapic_route {
	uint8_t vector;
	uint32_t dest_apic_id;
	bool level;
	bool active_low;
};

/* Records the MADT's I/O APICs (or the default one at 0xfec00000) and
 * masks every input. */
void ioapic_init(const struct madt_info *m);
unsigned int ioapic_count(void);
/* ID, version and number of inputs of I/O APIC @i, read from it. */
bool ioapic_describe(unsigned int i, uint32_t *id, uint32_t *version,
		     uint32_t *gsi_base, unsigned int *pins);
/* Programs and unmasks the input that @gsi arrives on. */
bool ioapic_route(uint32_t gsi, const struct ioapic_route *r);
bool ioapic_mask(uint32_t gsi);

#endif
