// SPDX-License-Identifier: GPL-2.0-only
/*
 * uml-tool: the few things vigil-blkd's UML tests do inside UML that the
 * host's shell tools cannot (the host has no kmod, and no tool reads a
 * device into a buffer it filled first).
 *
 *   uml-tool insmod MODULE.ko        load a module (finit_module)
 *   uml-tool readcheck DEV OFF LEN   fill a buffer with 0xa5, read LEN bytes
 *                                    at OFF with O_DIRECT into it, print
 *                                    "zero", "untouched" (still 0xa5) or
 *                                    "mixed"
 *   uml-tool openwrite DEV           open DEV for writing; print "opened"
 *                                    or the error
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PATTERN 0xa5

static int insmod(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) < 0) {
		fprintf(stderr, "uml-tool: insmod %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}

static const char *classify(const unsigned char *buf, size_t len)
{
	size_t zero = 0, pattern = 0;

	for (size_t i = 0; i < len; i++) {
		zero += buf[i] == 0;
		pattern += buf[i] == PATTERN;
	}
	if (zero == len)
		return "zero";
	return pattern == len ? "untouched" : "mixed";
}

static int readcheck(const char *dev, const char *off_s, const char *len_s)
{
	off_t off = (off_t)strtoull(off_s, NULL, 0);
	size_t len = (size_t)strtoull(len_s, NULL, 0);
	unsigned char *buf;
	ssize_t n;
	int fd;

	/* mmap: page-aligned, as O_DIRECT wants. */
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (buf == MAP_FAILED || fd < 0) {
		printf("error %s\n", strerror(errno));
		return 1;
	}
	memset(buf, PATTERN, len);
	n = pread(fd, buf, len, off);
	if (n != (ssize_t)len) {
		printf("error read %zd: %s\n", n, strerror(errno));
		return 1;
	}
	printf("%s\n", classify(buf, len));
	close(fd);
	return 0;
}

static int openwrite(const char *dev)
{
	int fd = open(dev, O_WRONLY | O_CLOEXEC);

	if (fd < 0) {
		printf("%s\n", strerror(errno));
		return 0;
	}
	printf("opened\n");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "insmod"))
		return insmod(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "readcheck"))
		return readcheck(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "openwrite"))
		return openwrite(argv[2]);
	fputs("usage: uml-tool insmod KO | readcheck DEV OFF LEN | "
	      "openwrite DEV\n",
	      stderr);
	return 2;
}
