/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Numbers from the command line and option strings, strictly: digits only
 * (no sign, space or base prefix, which strtoull() would take), the whole
 * string used, overflow refused. --memory, --drive's size= and
 * latency-ns=, and --rng's bytes-per-second= parse with these.
 */
#ifndef VIGIL_PARSE_H
#define VIGIL_PARSE_H

#include <stdint.h>

/* Decimal digits. 0, -EINVAL (not a number) or -ERANGE (past 2^64 - 1). */
int parse_u64(const char *s, uint64_t *v);

/*
 * Decimal digits and an optional suffix K, M, G or T (powers of 1024,
 * either case). A bare number counts units of 1 << bare_shift (0: bytes;
 * --memory's MiB: 20). 0, -EINVAL or -ERANGE.
 */
int parse_size(const char *s, unsigned int bare_shift, uint64_t *bytes);

#endif
