// SPDX-License-Identifier: GPL-2.0-only
#include "cmdline.h"
#include "io.h"
#include "print.h"
#include "string.h"
#include "hold.h"

void hold_until_stopped(const char *marker)
{
	const char *mode = param_str("spin");
	bool busy = mode && !strcmp(mode, "busy");

	printf("# %s\n", marker);
	for (;;) {
		if (busy)
			cpu_relax();
		else
			wait_for_interrupt();
	}
}
