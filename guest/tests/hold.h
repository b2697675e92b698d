/* SPDX-License-Identifier: GPL-2.0-only */
/* Holding the VM for the host: tests whose end the host decides. */
#ifndef GUEST_TESTS_HOLD_H
#define GUEST_TESTS_HOLD_H

/*
 * Prints "# @marker" and then waits for the host to end the VM: halting
 * between timer ticks, or, with spin=busy on the command line, in a busy
 * loop that never leaves the guest. Never returns: if the host lets the
 * VM run past the test's timeout, the watchdog throws to the runner.
 */
__attribute__((noreturn)) void hold_until_stopped(const char *marker);

#endif
