/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Machine-wide KVM state in a snapshot: the in-kernel interrupt
 * controllers (8259A master and slave, I/O APIC), the 8254 PIT and the
 * KVM clock. Nodes (docs/snapshot-format.md):
 *
 *   irqchip { pic-master {...} pic-slave {...} ioapic {...} }
 *   pit { flags; channel@0 {...} channel@1 {...} channel@2 {...} }
 *   clock { clock; flags }
 */
#ifndef VIGIL_MIGRATION_VM_STATE_H
#define VIGIL_MIGRATION_VM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "migration/fields.h"

#define VM_PIT_CHANNELS 3u

struct vm_clock {
	uint64_t clock; /* kvmclock, ns */
	uint32_t flags; /* as KVM_GET_CLOCK reported them */
};

struct vm_snapshot {
	struct kvm_pic_state pic[2]; /* master, slave */
	struct kvm_ioapic_state ioapic;
	struct kvm_pit_state2 pit;
	struct vm_clock clock;
};

/* Write the three nodes (inside the root being written) / read them. */
int vm_state_save(void *fdt, const struct vm_snapshot *vs, char *err,
		  size_t errlen);
int vm_state_load(const void *fdt, int root, struct vm_snapshot *vs, char *err,
		  size_t errlen);

/* The tables, for tests: node path -> table. */
struct vm_table_ref {
	const char *node;
	const struct field_table *table;
};
extern const struct vm_table_ref vm_tables[];
extern const unsigned int vm_nr_tables;

#endif
