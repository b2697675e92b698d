/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The front-end's memory, as SET_MEM_TABLE hands it over: each region's fd
 * is mapped shared and becomes one region of a struct guest_mem, so the
 * virtqueue and virtio-blk code reach it through the gm_* door unchanged.
 *
 * The front-end keeps its fds and may shrink a file after we mapped it; the
 * next access to the vanished pages would raise SIGBUS and kill the daemon.
 * vu_mem_guard_init() installs a SIGBUS handler that, for a fault inside a
 * mapped region, puts a private zero page in place (a page of the file's
 * own size: 2 MiB on a 2 MiB hugetlbfs) and records the fault:
 * the access completes harmlessly, and the caller (vu_mem_fault_taken())
 * drops the connection. A SIGBUS anywhere else is fatal as usual.
 * The handler state is per process: one struct vu_mem may be mapped at a
 * time (vigil-blkd serves one front-end).
 */
#ifndef VIGIL_VU_MEM_H
#define VIGIL_VU_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/guest_mem.h"
#include "vhost-user/vhost_user.h"

struct vu_mem {
	struct guest_mem gm;
	/* The table as checked: ring addresses are translated through it. */
	struct vhost_user_mem_region regions[VHOST_USER_MAX_REGIONS];
	struct {
		void *base;
		size_t len;
		size_t page; /* the file's page: 2 MiB on a 2 MiB hugetlbfs */
	} maps[VHOST_USER_MAX_REGIONS];
	unsigned int nr;
};

/* An empty table: no regions, nothing mapped. */
void vu_mem_init(struct vu_mem *mem);

/*
 * Replace mem with the regions of t (already passed vu_msg_check), one fd
 * each in fds. Each fd must be a regular file holding its region
 * (vu_region_fits_file). All fds are closed, whether or not this succeeds.
 * On failure returns a negative errno with a reason in why, and mem is
 * unchanged.
 */
int vu_mem_map(struct vu_mem *mem, const struct vhost_user_mem_table *t,
	       int *fds, char *why, size_t whylen);

/* Unmap everything and return to the empty table. */
void vu_mem_unmap(struct vu_mem *mem);

/* Front-end user address range to guest-physical address, or false. */
bool vu_mem_uaddr_to_gpa(const struct vu_mem *mem, uint64_t uaddr, uint64_t len,
			 uint64_t *gpa);

/* Install the SIGBUS handler. 0 or -errno. */
int vu_mem_guard_init(void);

/* Was a SIGBUS absorbed since the last call? Clears the record. */
bool vu_mem_fault_taken(void);

#endif
