/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What cross-field validators may look at besides the node they check:
 * the machine's RAM layout (for "this address is inside RAM") and, while a
 * vCPU loads, its index and special registers (x2APIC mode decides which
 * LAPIC values are valid).
 */
#ifndef VIGIL_MIGRATION_SNAP_CTX_H
#define VIGIL_MIGRATION_SNAP_CTX_H

#include <linux/kvm.h>

#include "lib/guest_mem.h"

struct snap_ctx {
	/* RAM regions of the machine; used for range checks only. */
	const struct guest_mem *ram;
	unsigned int cpu;
	const struct kvm_sregs *sregs;
};

#endif
