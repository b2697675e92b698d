// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the snapshot state loader (snapshot_parse(): header, checksum,
 * fdt_check_full, every node and property, every validator) with state
 * files. Each input is parsed twice: as it is, and with its header's
 * fdt_size and checksum repaired (its version kept: every version this
 * vigil reads is fuzzed), so that mutations reach the tree and the field
 * checks instead of stopping at the checksum.
 *
 * Besides not crashing, a state the loader accepts must encode again
 * (every accepted value passes its validator on the way out too) and that
 * encoding must load: the save and load paths agree on what is valid.
 */
#include <libfdt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migration/snapshot.h"
#include "migration/state_file.h"
#include "tests/support/fuzz.h"

/* Accepted: encode, and the encoding must load again. */
static void check_accepted(const struct snapshot *s)
{
	struct snapshot *again = malloc(sizeof(*again));
	char err[512];
	void *fdt = NULL;
	uint8_t *img;
	size_t len;

	CHECK_INVARIANT(snapshot_encode(s, &fdt, err, sizeof(err)) == 0);
	len = fdt_totalsize(fdt);
	img = malloc(STATE_HEADER_SIZE + len);
	state_header_fill(img, fdt, len);
	memcpy(img + STATE_HEADER_SIZE, fdt, len);
	CHECK_INVARIANT(snapshot_parse(img, STATE_HEADER_SIZE + len, again, err,
				       sizeof(err)) == 0);
	snapshot_free(again);
	free(again);
	free(img);
	free(fdt);
}

static void parse(const uint8_t *data, size_t size)
{
	struct snapshot *s = malloc(sizeof(*s));
	char err[512];

	if (snapshot_parse(data, size, s, err, sizeof(err)) == 0)
		check_accepted(s);
	snapshot_free(s);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t version;
	uint8_t *fixed;

	parse(data, size);
	if (size < STATE_HEADER_SIZE ||
	    memcmp(data, STATE_MAGIC, STATE_MAGIC_LEN))
		return 0;
	fixed = malloc(size);
	memcpy(fixed, data, size);
	/* The input's own version (bytes 8..11): older layouts too. */
	version = (uint32_t)data[8] << 24 | (uint32_t)data[9] << 16 |
		  (uint32_t)data[10] << 8 | data[11];
	state_header_fill_version(fixed, version, fixed + STATE_HEADER_SIZE,
				  size - STATE_HEADER_SIZE);
	parse(fixed, size);
	free(fixed);
	return 0;
}
