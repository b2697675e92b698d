/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device state in a snapshot, one field table per device model:
 *
 *   /devices/serial@3f8          the 8250 UART (struct serial_state)
 *   /devices/virtio-KIND@ADDR    a virtio-mmio transport (struct
 *     queue@N                    virtio_mmio_state) and its queues,
 *     NODE                       and the kind's own state, if it has any
 *                                (virtio_kind_snap: a drive's backend)
 *
 * The device models' own checks (serial_state_check(),
 * virtio_mmio_state_check()) run as the tables' cross-field checks, so the
 * loader and the devices apply one set of rules.
 */
#ifndef VIGIL_MIGRATION_DEVICE_STATE_H
#define VIGIL_MIGRATION_DEVICE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "devices/serial.h"
#include "devices/virtio_mmio.h"
#include "migration/fields.h"
#include "migration/snap_ctx.h"

/*
 * The save functions write the whole node at path (sequential-write API);
 * the load functions read the node at offset node.
 */
int serial_snap_save(void *fdt, const char *path, const struct serial_state *st,
		     char *err, size_t errlen);
int serial_snap_load(const void *fdt, int node, const char *path,
		     struct serial_state *st, char *err, size_t errlen);

/*
 * A virtio-mmio device with nr_queues queues of at most queue_num_max
 * entries each; ctx->ram is the RAM the queue addresses must lie in. Save
 * writes the properties and queue nodes into the open node at path; load
 * allows one more subnode, kind_node (NULL: none), which the caller reads.
 */
int virtio_snap_save(void *fdt, const char *path,
		     const struct virtio_mmio_state *st, unsigned int nr_queues,
		     uint16_t queue_num_max, const struct snap_ctx *ctx,
		     char *err, size_t errlen);
int virtio_snap_load(const void *fdt, int node, const char *path,
		     struct virtio_mmio_state *st, unsigned int nr_queues,
		     uint16_t queue_num_max, const char *kind_node,
		     const struct snap_ctx *ctx, char *err, size_t errlen);
/* The tables, for tests: what kind of node -> table. */
extern const struct field_table serial_snap_table;
extern const struct field_table virtio_snap_table;
extern const struct field_table virtq_snap_table;

#endif
