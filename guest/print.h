/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Formatted output to the serial console. Supports %c %s %d %i %u %x %X %p
 * and %%, with flags '0' and '-', a field width, and the length modifiers
 * l, ll and z. Lines from different vCPUs do not interleave.
 */
#ifndef GUEST_PRINT_H
#define GUEST_PRINT_H

#include <stdarg.h>
#include <stddef.h>

__attribute__((format(printf, 3, 0))) int
vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4))) int snprintf(char *buf, size_t size,
						   const char *fmt, ...);
__attribute__((format(printf, 1, 0))) void vprintf(const char *fmt, va_list ap);
__attribute__((format(printf, 1, 2))) void printf(const char *fmt, ...);

#endif
