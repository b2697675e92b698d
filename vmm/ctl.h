/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vigil ctl: the client of the control socket, so that nobody has to write
 * JSON by hand.
 *
 *   vigil ctl [--json] SOCKET status|pause|resume|quit
 *   vigil ctl [--json] SOCKET snapshot DIR [--paused]
 *
 * Prints the outcome in one line (the raw JSON reply with --json). Exit
 * status 0 when vigil did it, 1 when vigil refused (its reason on stderr),
 * 2 for a usage error or when the socket cannot be reached.
 */
#ifndef VIGIL_CTL_H
#define VIGIL_CTL_H

/* argv[0] is "ctl". */
int ctl_main(int argc, char **argv);

#endif
