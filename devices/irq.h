/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An interrupt line as a device sees it: raise or lower one GSI of the
 * in-kernel IOAPIC/PIC. Devices hold a struct irq_line and never see KVM, so
 * unit tests can hand them a fake.
 */
#ifndef VIGIL_IRQ_H
#define VIGIL_IRQ_H

#include <stdbool.h>

struct irq_line {
	void (*set)(void *opaque, unsigned int gsi, bool level);
	void *opaque;
	unsigned int gsi;
};

static inline void irq_line_set(const struct irq_line *line, bool level)
{
	if (line->set)
		line->set(line->opaque, line->gsi, level);
}

#endif
