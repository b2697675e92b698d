// SPDX-License-Identifier: GPL-2.0-only
#include "vhost-user/vu_mem.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(sizeof(size_t) == sizeof(uint64_t), "64-bit host");

/*
 * What the SIGBUS handler may look at: the mapped ranges. Written only by
 * the thread that maps and unmaps, which is also the thread whose accesses
 * fault (SIGBUS is synchronous), so the handler never sees a half update.
 */
static struct {
	uintptr_t start, end, page;
} guard_ranges[VHOST_USER_MAX_REGIONS];
static volatile sig_atomic_t guard_nr;
static volatile sig_atomic_t guard_faulted;
static uintptr_t guard_page_size;

static void on_sigbus(int sig, siginfo_t *si, void *ucontext)
{
	uintptr_t addr = (uintptr_t)si->si_addr;

	(void)ucontext;
	for (sig_atomic_t i = 0; i < guard_nr; i++) {
		uintptr_t size = guard_ranges[i].page, page;

		if (addr < guard_ranges[i].start || addr >= guard_ranges[i].end)
			continue;
		/*
		 * The file shrank under us: a zero page lets the access end.
		 * One of the file's own pages: the kernel splits a hugetlbfs
		 * mapping only at its huge page boundaries.
		 */
		page = addr & ~(size - 1);
		if (page < guard_ranges[i].start)
			page = guard_ranges[i].start;
		if (size > guard_ranges[i].end - page)
			size = guard_ranges[i].end - page;
		if (mmap((void *)page, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			 0) == MAP_FAILED)
			break;
		guard_faulted = 1;
		return;
	}
	/* Not a front-end region: retrying the access dies as usual. */
	signal(sig, SIG_DFL);
}

int vu_mem_guard_init(void)
{
	struct sigaction sa = {
		.sa_sigaction = on_sigbus,
		.sa_flags = SA_SIGINFO,
	};
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0)
		return -EINVAL;
	guard_page_size = (uintptr_t)page;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGBUS, &sa, NULL) < 0 ? -errno : 0;
}

bool vu_mem_fault_taken(void)
{
	bool faulted = guard_faulted;

	guard_faulted = 0;
	return faulted;
}

static void guard_set(const struct vu_mem *mem)
{
	guard_nr = 0;
	for (unsigned int i = 0; i < mem->nr; i++) {
		guard_ranges[i].start = (uintptr_t)mem->maps[i].base;
		guard_ranges[i].end =
			(uintptr_t)mem->maps[i].base + mem->maps[i].len;
		guard_ranges[i].page = mem->maps[i].page;
	}
	guard_nr = (sig_atomic_t)mem->nr;
}

void vu_mem_init(struct vu_mem *mem)
{
	memset(mem, 0, sizeof(*mem));
	gm_init(&mem->gm);
}

static void unmap_all(struct vu_mem *mem)
{
	for (unsigned int i = 0; i < mem->nr; i++)
		munmap(mem->maps[i].base, mem->maps[i].len);
	vu_mem_init(mem);
}

/*
 * The unit the SIGBUS guard replaces: hugetlbfs gives its huge page size
 * as the block size; other files, the base page (or a larger power of two
 * they give, which the guard bounds to the mapping).
 */
static size_t file_page_size(const struct stat *st, uint64_t page)
{
	uint64_t blk = (uint64_t)st->st_blksize;

	return blk > page && !(blk & (blk - 1)) ? (size_t)blk : (size_t)page;
}

/* Map region i of t from fd into mem (the next free slot). */
static int map_region(struct vu_mem *mem, const struct vhost_user_mem_table *t,
		      unsigned int i, int fd, char *why, size_t whylen)
{
	const struct vhost_user_mem_region *r = &t->regions[i];
	uint64_t page = guard_page_size ? guard_page_size : 4096;
	uint64_t map_off = r->mmap_offset & ~(page - 1);
	uint64_t delta = r->mmap_offset - map_off;
	struct stat st;
	void *base;
	int ret;

	if (fstat(fd, &st) < 0)
		return -errno;
	/* Sockets, pipes, devices: nothing we should map as RAM. */
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "region %u: fd is not a regular file", i);
		return -EINVAL;
	}
	/* Past the end of the file, the first access would be SIGBUS. */
	if (!vu_region_fits_file(r, (uint64_t)st.st_size)) {
		snprintf(why, whylen,
			 "region %u: offset 0x%llx size 0x%llx past the end "
			 "of its file (0x%llx bytes)",
			 i, (unsigned long long)r->mmap_offset,
			 (unsigned long long)r->memory_size,
			 (unsigned long long)st.st_size);
		return -EINVAL;
	}
	/* map_off + delta + size <= file size: no wrap, and it fits. */
	base = mmap(NULL, (size_t)(r->memory_size + delta),
		    PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)map_off);
	if (base == MAP_FAILED) {
		ret = -errno;
		snprintf(why, whylen, "region %u: mmap of 0x%llx bytes: %s", i,
			 (unsigned long long)r->memory_size, strerror(-ret));
		return ret;
	}
	mem->maps[mem->nr].base = base;
	mem->maps[mem->nr].len = (size_t)(r->memory_size + delta);
	mem->maps[mem->nr].page = file_page_size(&st, page);
	mem->regions[mem->nr] = *r;
	mem->nr++;
	/* vu_msg_check proved the regions disjoint; gm checks again. */
	ret = gm_add_region(&mem->gm, r->guest_phys_addr, r->memory_size,
			    (uint8_t *)base + delta);
	if (ret < 0)
		snprintf(why, whylen, "region %u: not a valid RAM region", i);
	return ret;
}

int vu_mem_map(struct vu_mem *mem, const struct vhost_user_mem_table *t,
	       int *fds, char *why, size_t whylen)
{
	struct vu_mem next;
	int ret = 0;

	vu_mem_init(&next);
	for (unsigned int i = 0; i < t->nregions; i++) {
		if (ret == 0)
			ret = map_region(&next, t, i, fds[i], why, whylen);
		/* The mapping holds the file: the fd is no longer needed. */
		close(fds[i]);
		fds[i] = -1;
	}
	if (ret < 0) {
		unmap_all(&next);
		return ret;
	}
	vu_mem_unmap(mem);
	*mem = next;
	guard_set(mem);
	return 0;
}

void vu_mem_unmap(struct vu_mem *mem)
{
	guard_nr = 0;
	unmap_all(mem);
}

bool vu_mem_uaddr_to_gpa(const struct vu_mem *mem, uint64_t uaddr, uint64_t len,
			 uint64_t *gpa)
{
	return vu_uaddr_to_gpa(mem->regions, mem->nr, uaddr, len, gpa);
}
