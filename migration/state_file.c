// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state file container: header, checksum, FDT. Every length in the
 * header is compared with the real file size before it is used.
 */
#include "migration/state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/read_file.h"

#define HDR_VERSION_OFF 8u
#define HDR_SIZE_OFF 12u
#define HDR_FDT_SIZE_OFF 16u
#define HDR_CHECKSUM_OFF 24u
#define HDR_RESERVED_OFF 28u
#define CRC32C_POLY 0x82f63b78u /* reflected Castagnoli polynomial */

static uint32_t crc32c_table[256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (unsigned int k = 0; k < 8; k++)
			c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
		crc32c_table[i] = c;
	}
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	pthread_once(&crc32c_once, crc32c_init);
	crc = ~crc;
	while (len--)
		crc = (crc >> 8) ^ crc32c_table[(crc ^ *p++) & 0xff];
	return ~crc;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* Over the header up to the checksum field, then the FDT. */
static uint32_t state_checksum(const uint8_t *hdr, const void *fdt,
			       size_t fdt_size)
{
	return crc32c(crc32c(0, hdr, HDR_CHECKSUM_OFF), fdt, fdt_size);
}

void state_header_fill(uint8_t hdr[STATE_HEADER_SIZE], const void *fdt,
		       size_t fdt_size)
{
	state_header_fill_version(hdr, STATE_FORMAT_VERSION, fdt, fdt_size);
}

void state_header_fill_version(uint8_t hdr[STATE_HEADER_SIZE], uint32_t version,
			       const void *fdt, size_t fdt_size)
{
	memset(hdr, 0, STATE_HEADER_SIZE);
	memcpy(hdr, STATE_MAGIC, STATE_MAGIC_LEN);
	put_be32(hdr + HDR_VERSION_OFF, version);
	put_be32(hdr + HDR_SIZE_OFF, STATE_HEADER_SIZE);
	put_be64(hdr + HDR_FDT_SIZE_OFF, fdt_size);
	put_be32(hdr + HDR_CHECKSUM_OFF, state_checksum(hdr, fdt, fdt_size));
}

static int check_header(const uint8_t *h, size_t len, char *err, size_t errlen)
{
	uint32_t version, hdr_size;
	uint64_t fdt_size;

	if (len < STATE_HEADER_SIZE) {
		snprintf(err, errlen,
			 "state: %zu bytes, shorter than the "
			 "%u-byte header",
			 len, STATE_HEADER_SIZE);
		return -EINVAL;
	}
	if (memcmp(h, STATE_MAGIC, STATE_MAGIC_LEN) != 0) {
		snprintf(err, errlen,
			 "state: bad magic: not a vigil snapshot "
			 "state file");
		return -EINVAL;
	}
	/* Before anything else: another version may lay out the rest anew. */
	version = get_be32(h + HDR_VERSION_OFF);
	if (version < STATE_FORMAT_MIN || version > STATE_FORMAT_MAX) {
		snprintf(err, errlen,
			 "state: format version %u is not "
			 "supported: this vigil reads versions %u to %u",
			 version, STATE_FORMAT_MIN, STATE_FORMAT_MAX);
		return -EINVAL;
	}
	hdr_size = get_be32(h + HDR_SIZE_OFF);
	if (hdr_size != STATE_HEADER_SIZE) {
		snprintf(err, errlen, "state: header size %u, expected %u",
			 hdr_size, STATE_HEADER_SIZE);
		return -EINVAL;
	}
	if (get_be32(h + HDR_RESERVED_OFF)) {
		snprintf(err, errlen,
			 "state: reserved header word 0x%x is "
			 "not 0",
			 get_be32(h + HDR_RESERVED_OFF));
		return -EINVAL;
	}
	fdt_size = get_be64(h + HDR_FDT_SIZE_OFF);
	if (fdt_size != len - STATE_HEADER_SIZE) {
		snprintf(err, errlen,
			 "state: header says %llu bytes of device "
			 "tree, the file holds %zu",
			 (unsigned long long)fdt_size, len - STATE_HEADER_SIZE);
		return -EINVAL;
	}
	return 0;
}

/*
 * libfdt 1.6's fdt_next_tag() adds a property's length to an int offset: a
 * length near 2^32 takes the offset backwards, and fdt_check_full() then
 * walks the same tags forever (a fuzzed state file did). Walk the tags
 * first and refuse one that does not move forward.
 */
static int check_tags_advance(const void *tree)
{
	int offset, next = 0;
	uint32_t tag;
	int r = fdt_check_header(tree);

	if (r)
		return r;
	do {
		offset = next;
		tag = fdt_next_tag(tree, offset, &next);
		if (next < 0)
			return next;
		if (tag != FDT_END && next <= offset)
			return -FDT_ERR_BADSTRUCTURE;
	} while (tag != FDT_END);
	return 0;
}

int state_file_check(const void *buf, size_t len, const void **fdt,
		     uint32_t *version, char *err, size_t errlen)
{
	const uint8_t *h = buf;
	const void *tree;
	size_t fdt_size;
	uint32_t want, got;
	int r = check_header(h, len, err, errlen);

	if (r < 0)
		return r;
	fdt_size = len - STATE_HEADER_SIZE;
	*version = get_be32(h + HDR_VERSION_OFF);
	want = get_be32(h + HDR_CHECKSUM_OFF);
	got = state_checksum(h, h + STATE_HEADER_SIZE, fdt_size);
	if (want != got) {
		snprintf(err, errlen,
			 "state: checksum 0x%08x, header says "
			 "0x%08x: the file is damaged",
			 got, want);
		return -EINVAL;
	}
	/* libfdt takes an int size; STATE_FILE_MAX keeps it far below. */
	if (fdt_size > STATE_FILE_MAX) {
		snprintf(err, errlen,
			 "state: device tree of %zu bytes is "
			 "larger than %u",
			 fdt_size, STATE_FILE_MAX);
		return -EINVAL;
	}
	tree = h + STATE_HEADER_SIZE;
	/* The header's own sizes are read only once the buffer holds them. */
	if (fdt_size < sizeof(struct fdt_header) ||
	    fdt_totalsize(tree) != fdt_size)
		r = -FDT_ERR_TRUNCATED;
	else
		r = check_tags_advance(tree);
	if (r == 0)
		r = fdt_check_full(tree, fdt_size);
	if (r) {
		snprintf(err, errlen, "state: device tree: %s",
			 fdt_strerror(r));
		return -EINVAL;
	}
	*fdt = tree;
	return 0;
}

int state_file_write(int fd, const char *name, const void *fdt, char *err,
		     size_t errlen)
{
	uint8_t hdr[STATE_HEADER_SIZE];
	size_t size = fdt_totalsize(fdt);
	int r;

	state_header_fill(hdr, fdt, size);
	r = pwrite_fully(fd, hdr, sizeof(hdr), 0);
	if (r == 0)
		r = pwrite_fully(fd, fdt, size, sizeof(hdr));
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	if (r < 0)
		snprintf(err, errlen, "%s: %s", name, strerror(-r));
	return r;
}
