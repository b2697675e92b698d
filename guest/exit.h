/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ending the run through the debug-exit port (QEMU's isa-debug-exit with
 * iobase=0xf4,iosize=4; vigil implements the same): writing V makes the
 * VMM exit with status (V << 1) | 1, so 1 means pass and 3 means fail.
 */
#ifndef GUEST_EXIT_H
#define GUEST_EXIT_H

#define DEBUG_EXIT_PORT 0xf4
#define EXIT_PASS 0
#define EXIT_FAIL 1

__attribute__((noreturn)) void vm_exit(unsigned int code);

#endif
