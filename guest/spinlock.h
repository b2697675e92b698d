/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A test-and-set spinlock for the few structures two vCPUs share (the
 * serial port). Interrupts stay as they are: holders must not take the
 * lock from an interrupt handler that can interrupt another holder.
 */
#ifndef GUEST_SPINLOCK_H
#define GUEST_SPINLOCK_H

#include "io.h"

struct spinlock {
	volatile int locked;
};

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
