// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the control socket's request parser (control_parse_request(): the
 * line bound, NUL bytes, escaped ones in the command, json-c with its
 * depth limit, the command and key checks). Each input is one request
 * line; a snapshot's files come as descriptors, never in the line.
 *
 * Besides not crashing: an accepted request names a real command, and
 * only a snapshot asks to stay paused; a refused one always says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/fuzz.h"
#include "vmm/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_request req;
	char err[320] = "";

	if (control_parse_request((const char *)data, size, &req, err,
				  sizeof(err)) < 0) {
		CHECK_INVARIANT(err[0] != '\0');
		return 0;
	}
	CHECK_INVARIANT(size <= CONTROL_MAX_REQUEST && !memchr(data, 0, size));
	CHECK_INVARIANT(req.command < CONTROL_NR_COMMANDS);
	/* Only a snapshot may ask to stay paused. */
	CHECK_INVARIANT(!req.paused || req.command == CONTROL_SNAPSHOT);
	return 0;
}
