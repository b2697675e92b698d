// SPDX-License-Identifier: GPL-2.0-only
/* The per-CPU chain of guards (guard.h); guard.S saves and restores. */
#include <stddef.h>

#include "cpu.h"
#include "guard.h"

void guard_push(struct guard *g)
{
	struct cpu *cpu = this_cpu();

	g->outer = cpu->guard;
	cpu->guard = g;
}

void guard_pop(struct guard *g)
{
	this_cpu()->guard = g->outer;
}
