// SPDX-License-Identifier: GPL-2.0-only
/*
 * The --drive spec parser on arbitrary bytes. Besides not crashing, a spec
 * that parses must format to a desc that parses back to the same spec, and
 * a null-co spec must open, serve one request and close. Only null-co is
 * ever opened: the fuzzer must not open (or create) files by name.
 */
#include "block/block.h"
#include "tests/support/fuzz.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool spec_equal(const struct block_spec *a, const struct block_spec *b)
{
	return a->driver == b->driver && !strcmp(a->file, b->file) &&
	       a->size == b->size && a->latency_ns == b->latency_ns &&
	       a->readonly == b->readonly && a->direct == b->direct &&
	       a->read_zeroes == b->read_zeroes;
}

/* Open a null-co spec; read one sector unless that would sleep. */
static void open_null_co(const char *spec, const struct block_spec *s)
{
	static uint8_t buf[512];
	struct iovec v = { buf, sizeof(buf) };
	struct block_backend *bb;
	char err[256];

	if (block_open(spec, &bb, err, sizeof(err)) || bb->size != s->size)
		__builtin_trap();
	if (!s->latency_ns &&
	    block_preadv(bb, &v, 1, bb->size - sizeof(buf)) != 0)
		__builtin_trap();
	block_close(bb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct block_spec s, again;
	static char desc[BLOCK_DESC_MAX];
	char *spec = malloc(size + 1);
	char err[256];
	int r;

	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	r = block_spec_parse(spec, &s, err, sizeof(err));
	if (r == 0) {
		if (block_spec_format(&s, desc, sizeof(desc)) ||
		    block_spec_parse(desc, &again, NULL, 0) ||
		    !spec_equal(&s, &again))
			__builtin_trap();
		if (s.driver == BLOCK_DRIVER_NULL_CO)
			open_null_co(spec, &s);
	} else if (r == -EINVAL && !err[0]) {
		__builtin_trap(); /* every refusal says why */
	}
	free(spec);
	return 0;
}
