// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kinds of virtio device vigil builds: the command line's options, the
 * sandbox's system calls and the snapshot's node names come from this list.
 * A new kind adds one line.
 */
#include "devices/virtio_kind.h"

#include <string.h>

#include "devices/virtio_blk.h"
#include "devices/virtio_net.h"
#include "devices/virtio_rng.h"

const struct virtio_kind *const virtio_kinds[] = {
	&virtio_blk_kind,
	&virtio_rng_kind,
	&virtio_net_kind,
	NULL,
};

const struct virtio_kind *virtio_kind_by_name(const char *name)
{
	for (unsigned int i = 0; virtio_kinds[i]; i++)
		if (!strcmp(virtio_kinds[i]->name, name))
			return virtio_kinds[i];
	return NULL;
}
