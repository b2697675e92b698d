/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VIGIL_EXIT_STATUS_H
#define VIGIL_EXIT_STATUS_H

/*
 * vigil's exit statuses. The debug-exit port produces the odd values
 * (V << 1) | 1; vigil's own are even, apart from 128 + signal number.
 */
enum vigil_exit_status {
	VIGIL_EXIT_POWEROFF = 0, /* the guest powered off (ACPI S5), or quit */
	VIGIL_EXIT_ERROR = 2,	 /* bad option or input; vigil never ran */
	VIGIL_EXIT_RESET = 4,	 /* the guest reset or triple-faulted */
	VIGIL_EXIT_VCPU_FATAL = 6, /* a vCPU could not continue (KVM error) */
	VIGIL_EXIT_SIGNAL_BASE = 128, /* + SIGINT/SIGTERM/SIGHUP */
};

#endif
