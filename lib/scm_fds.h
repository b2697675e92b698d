/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Descriptors a peer sends with SCM_RIGHTS, taken out of one recvmsg():
 * the control socket's clients (a snapshot's files) and vhost-user
 * front-ends (memory, kick and call fds) both pass them, and both may send
 * more than they should.
 */
#ifndef VIGIL_SCM_FDS_H
#define VIGIL_SCM_FDS_H

#include <stdbool.h>
#include <sys/socket.h>

/*
 * Append the descriptors of mh to fds[*nr..max). Returns false when some
 * did not fit (those are closed here) or the kernel had to drop some
 * (MSG_CTRUNC): the message's framing is then broken.
 */
bool scm_take_fds(struct msghdr *mh, int *fds, unsigned int *nr,
		  unsigned int max);

#endif
