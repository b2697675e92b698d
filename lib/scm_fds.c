// SPDX-License-Identifier: GPL-2.0-only
#include "lib/scm_fds.h"

#include <string.h>
#include <unistd.h>

bool scm_take_fds(struct msghdr *mh, int *fds, unsigned int *nr,
		  unsigned int max)
{
	bool fit = !(mh->msg_flags & MSG_CTRUNC);

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (*nr < max) {
				fds[(*nr)++] = fd;
			} else {
				close(fd);
				fit = false;
			}
		}
	}
	return fit;
}
