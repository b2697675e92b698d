// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memory file's round trip: written sparse, read back into zeroed RAM
 * through SEEK_DATA/SEEK_HOLE, byte for byte, and what a load refuses.
 * With /proc/self/pagemap, a save leaves the pages the guest never wrote
 * unread (unmapped), so its time follows what the guest used.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migration/memory_file.h"
#include "tests/support/tap.h"

#define RAM_SIZE (64u << 20)

static void *zeroed_ram(void)
{
	void *p = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Data at the edges, in the middle and across a run boundary. */
static void fill(uint8_t *ram)
{
	memset(ram, 0x11, MEMORY_FILE_PAGE);
	memset(ram + (5u << 20) + 123, 0x22, 3 * MEMORY_FILE_PAGE);
	memset(ram + (20u << 20), 0x33, 9u << 20);
	memset(ram + RAM_SIZE - 7, 0x44, 7);
}

static int write_file(int dirfd, const uint8_t *ram, int pagemap_fd,
		      uint64_t *data)
{
	char err[256];
	int fd;

	unlinkat(dirfd, "memory", 0);
	fd = openat(dirfd, "memory", O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -errno;
	if (memory_file_write(fd, "memory", ram, RAM_SIZE, pagemap_fd, data,
			      err, sizeof(err)) < 0) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/* Pages of ram mapped in our page tables (the zero page counts). */
static unsigned long resident_pages(uint8_t *ram)
{
	static unsigned char vec[RAM_SIZE / MEMORY_FILE_PAGE];
	unsigned long n = 0;

	if (mincore(ram, RAM_SIZE, vec) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(vec); i++)
		n += vec[i] & 1;
	return n;
}

/*
 * Pages never written are skipped unread; a page written with zeroes is
 * read and skipped; every page with data is saved, and loads back.
 */
static void test_pagemap_scan(int dirfd)
{
	int pagemap_fd = memory_file_pagemap_open();
	uint8_t *ram = zeroed_ram(), *back = zeroed_ram();
	char err[256] = "";
	uint64_t data = 0;
	int fd;

	if (!ram || !back || pagemap_fd < 0) {
		CHECK(false, "pagemap: /proc/self/pagemap and RAM");
		return;
	}
	/* 4 KiB pages: THP would fill in a whole 2 MiB on the first write. */
	madvise(ram, RAM_SIZE, MADV_NOHUGEPAGE);
	ram[0] = 1;
	memset(ram + (40u << 20), 0x55, 2 * MEMORY_FILE_PAGE);
	ram[RAM_SIZE / 2] = 0; /* written, but zero */
	fd = write_file(dirfd, ram, pagemap_fd, &data);
	CHECK(fd >= 0 && data == 3 * MEMORY_FILE_PAGE,
	      "pagemap: 3 pages with data written (%llu bytes)",
	      (unsigned long long)data);
	CHECK(resident_pages(ram) == 4,
	      "pagemap: the save left the %u pages never written unmapped "
	      "(%lu of %u mapped, 4 written)",
	      RAM_SIZE / MEMORY_FILE_PAGE - 4, resident_pages(ram),
	      RAM_SIZE / MEMORY_FILE_PAGE);
	CHECK(fd >= 0 &&
		      memory_file_load(fd, "memory", back, RAM_SIZE, err,
				       sizeof(err)) == 0 &&
		      !memcmp(ram, back, RAM_SIZE),
	      "pagemap: loaded back, every byte equal");
	if (fd >= 0)
		close(fd);
	close(pagemap_fd);
	munmap(ram, RAM_SIZE);
	munmap(back, RAM_SIZE);
}

int main(void)
{
	char dir[] = "/tmp/vigil-memfile-XXXXXX";
	uint8_t *ram = zeroed_ram(), *back = zeroed_ram();
	uint64_t data = 0;
	char err[256] = "";
	struct stat st;
	int dirfd, fd;

	if (!ram || !back || !mkdtemp(dir))
		return 1;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	fill(ram);
	fd = write_file(dirfd, ram, -1, &data);
	CHECK(fd >= 0, "the memory file is written");
	/* fstat first: CHECK's arguments are evaluated in any order. */
	if (fstat(fd, &st) < 0)
		memset(&st, 0, sizeof(st));
	CHECK(st.st_size == RAM_SIZE &&
		      (uint64_t)st.st_blocks * 512 < RAM_SIZE / 2,
	      "it is sparse: %llu bytes allocated of %u",
	      (unsigned long long)st.st_blocks * 512, RAM_SIZE);
	CHECK(memory_file_check(fd, "memory", RAM_SIZE, err, sizeof(err)) == 0,
	      "its size matches");
	CHECK(memory_file_check(fd, "memory", RAM_SIZE + 4096, err,
				sizeof(err)) == -EINVAL &&
		      strstr(err, "memory-size"),
	      "a size that does not match is refused: %s", err);
	CHECK(memory_file_load(fd, "memory", back, RAM_SIZE, err,
			       sizeof(err)) == 0 &&
		      !memcmp(ram, back, RAM_SIZE),
	      "loaded back, every byte equal");
	memset(back, 0, RAM_SIZE);
	CHECK(ftruncate(fd, RAM_SIZE / 2) == 0 &&
		      memory_file_load(fd, "memory", back, RAM_SIZE, err,
				       sizeof(err)) == 0 &&
		      !memcmp(back, ram, RAM_SIZE / 2),
	      "a shorter file loads what it has and leaves the rest zero");
	close(fd);
	test_pagemap_scan(dirfd);
	unlinkat(dirfd, "memory", 0);
	close(dirfd);
	rmdir(dir);
	return tap_done();
}
