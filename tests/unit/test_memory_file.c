// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memory file's round trip: written sparse, read back into zeroed RAM
 * through SEEK_DATA/SEEK_HOLE, byte for byte, and what a load refuses.
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

static int write_file(int dirfd, const uint8_t *ram, uint64_t *data)
{
	char err[256];
	int fd = openat(dirfd, "memory", O_RDWR | O_CREAT | O_EXCL, 0600);

	if (fd < 0)
		return -errno;
	if (memory_file_write(fd, "memory", ram, RAM_SIZE, data, err,
			      sizeof(err)) < 0) {
		close(fd);
		return -EIO;
	}
	return fd;
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
	fd = write_file(dirfd, ram, &data);
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
	unlinkat(dirfd, "memory", 0);
	close(dirfd);
	rmdir(dir);
	return tap_done();
}
