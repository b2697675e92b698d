/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigil-blkd's seccomp allow-list. Once its socket listens, the drive is
 * open and the SIGBUS guard is in place, vigil-blkd sets no_new_privs and
 * loads a filter that allows only what serving front-ends takes: accepting
 * on the socket it has, messages with fds in, replies out, mapping the
 * memory it is given (never executable), eventfd reads and writes, block
 * I/O on the drive it has. No open, socket, connect, exec or fork; anything
 * off the list kills the process (SIGSYS). The list and why each entry is
 * there are in blkd_sandbox.c.
 */
#ifndef VIGIL_BLKD_SANDBOX_H
#define VIGIL_BLKD_SANDBOX_H

/* Load the filter on the (only) thread. 0 or a negative errno. */
int blkd_sandbox_enter(void);

#endif
