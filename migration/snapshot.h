/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Whole-VM snapshots: a directory holding
 *   state   the state file (state_file.h: header + FDT), every vCPU, the
 *           interrupt controllers, PIT, clock, devices and the machine
 *           configuration, one property per field
 *   memory  guest RAM, page-aligned and sparse (memory_file.h)
 * docs/snapshot-format.md describes the format.
 *
 * This is the format: the tree, its encoding and every check that needs
 * nothing but the bytes (snapshot_parse(): every node, every property's
 * presence, length and value, and the cross-field rules). Saving and
 * restoring a machine is vmm/machine_snapshot.h's. Any refusal names the
 * node, the property and the value.
 */
#ifndef VIGIL_MIGRATION_SNAPSHOT_H
#define VIGIL_MIGRATION_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "devices/serial.h"
#include "devices/virtio_kind.h"
#include "devices/virtio_mmio.h"
#include "lib/layout.h"
#include "migration/cpu_state.h"
#include "migration/device_state.h"
#include "migration/vm_state.h"

#define SNAPSHOT_STATE_FILE "state"
#define SNAPSHOT_MEMORY_FILE "memory"
#define SNAPSHOT_COMPATIBLE "vigil,snapshot"

struct snap_root {
	char compatible[32];
	uint32_t format_version;
};

struct snap_machine {
	uint64_t mem_size;
	uint32_t nr_cpus;
	uint32_t nr_slots; /* virtio devices, in windows 0..nr_slots-1 */
	/* Every vCPU's TSC rate; 0: not known (version 2, or KVM's silence) */
	uint32_t tsc_khz;
};

/* The lowest TSC rate a snapshot records, in kHz (1 MHz). */
#define TSC_KHZ_MIN 1000

/* The virtio device in one slot: its kind, transport and own state. */
struct slot_snapshot {
	const struct virtio_kind *kind;
	struct virtio_mmio_state mmio;
	void *state; /* kind->snap->size bytes, or NULL */
};

struct snapshot {
	struct snap_root root;
	struct snap_machine machine;
	struct cpu_snapshot *cpus; /* machine.nr_cpus of them */
	struct vm_snapshot vm;
	struct serial_state serial;
	struct slot_snapshot slots[VIRTIO_MMIO_MAX];
};

/*
 * Check a state file image and decode it into s (which the caller frees
 * with snapshot_free(), also on failure). Needs nothing but the bytes.
 */
int snapshot_parse(const void *buf, size_t len, struct snapshot *s, char *err,
		   size_t errlen);
/*
 * Encode s as an FDT (malloc'd, packed) after checking every field, in
 * STATE_FORMAT_VERSION whatever version s was read from (a version 2
 * state gains tsc-khz 0: the rate not known).
 */
int snapshot_encode(const struct snapshot *s, void **fdt, char *err,
		    size_t errlen);
void snapshot_free(struct snapshot *s);

/*
 * The field table that describes the node at path ("/cpus/cpu@1/lapic"),
 * or NULL for nodes that hold only subnodes (and /cpus/cpu@N/msrs, whose
 * properties are named after the MSRs). For tests and documentation.
 */
const struct field_table *snapshot_node_table(const char *path);

/* Node paths, for messages and tests. */
void snapshot_cpu_path(unsigned int cpu, char *buf, size_t len);
void snapshot_slot_path(const struct virtio_kind *kind, unsigned int index,
			char *buf, size_t len);

/*
 * Give slot i of s the kind and a zeroed state of that kind's size.
 * 0 or -ENOMEM.
 */
int snapshot_slot_init(struct snapshot *s, unsigned int i,
		       const struct virtio_kind *kind);

#endif
