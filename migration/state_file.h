/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The snapshot state file: a 32-byte header followed by a flattened device
 * tree (docs/snapshot-format.md). All header integers are big-endian:
 *
 *   0   magic      8 bytes "VIGILSNP"
 *   8   version    u32, STATE_FORMAT_VERSION
 *   12  hdr_size   u32, 32
 *   16  fdt_size   u64, bytes of FDT after the header (the rest of the file)
 *   24  checksum   u32, CRC-32C of bytes 0..23 and of the FDT
 *   28  reserved   u32, 0
 *   32  FDT        fdt_size bytes; its totalsize equals fdt_size
 *
 * The checksum catches damage (a bit flip, a torn write), not tampering:
 * everything behind it is validated anyway.
 */
#ifndef VIGIL_MIGRATION_STATE_FILE_H
#define VIGIL_MIGRATION_STATE_FILE_H

#include <stddef.h>
#include <stdint.h>

#define STATE_MAGIC "VIGILSNP"
#define STATE_MAGIC_LEN 8u
#define STATE_HEADER_SIZE 32u
/*
 * The versions this vigil reads; it writes STATE_FORMAT_VERSION. Version 3
 * added /machine/tsc-khz; a version 2 file restores without it.
 */
#define STATE_FORMAT_VERSION 3u
#define STATE_FORMAT_MIN 2u
#define STATE_FORMAT_MAX 3u
/* A state file is small (KiB per vCPU); refuse anything absurd. */
#define STATE_FILE_MAX (64u << 20)

/* CRC-32C (Castagnoli), as in iSCSI and ext4: crc32c(0, buf, len). */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* Fill the header for fdt_size bytes of FDT at fdt. */
void state_header_fill(uint8_t hdr[STATE_HEADER_SIZE], const void *fdt,
		       size_t fdt_size);
/* The same with another version (tests and fuzzers: older files). */
void state_header_fill_version(uint8_t hdr[STATE_HEADER_SIZE], uint32_t version,
			       const void *fdt, size_t fdt_size);

/*
 * Check a whole state file image: the header (magic, version, sizes
 * against len, checksum) and the FDT (fdt_check_full). On success *fdt
 * points at the FDT inside buf and *version is the header's, one of
 * STATE_FORMAT_MIN..MAX. Returns -EINVAL with one line in err.
 */
int state_file_check(const void *buf, size_t len, const void **fdt,
		     uint32_t *version, char *err, size_t errlen);

/*
 * Write header + fdt (fdt_totalsize bytes) at the start of fd, an empty
 * file open for writing (called name in messages), and flush it to disk.
 * Returns 0 or negative errno with err.
 */
int state_file_write(int fd, const char *name, const void *fdt, char *err,
		     size_t errlen);

#endif
