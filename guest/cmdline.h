/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel command line as key=value parameters (see README.md,
 * "Command line"). Words are separated by spaces; a word without '=' is a
 * key with an empty value; when a key repeats, param_str() returns the last
 * value and param_nth() walks them all.
 */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_MAX 2048

/* Copies and splits @s (at most @max bytes are read). */
void cmdline_parse(const char *s, size_t max);
const char *cmdline_text(void);
bool cmdline_truncated(void);

const char *param_str(const char *key);
const char *param_nth(const char *key, unsigned int n);
/* True when @key is given with the value @value. */
bool param_is(const char *key, const char *value);
/* A number parameter: absent gives @def; malformed prints a comment
 * and gives @def too. */
uint64_t param_u64(const char *key, uint64_t def);

/* "123", "0x7b"; false on garbage or overflow. *end gets the stop. */
bool parse_u64(const char *s, const char **end, uint64_t *v);
/* A number with an optional K, M or G suffix (Linux memparse). */
bool parse_size(const char *s, const char **end, uint64_t *v);

#endif
