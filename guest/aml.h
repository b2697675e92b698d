/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small reader of AML (ACPI 6.5, chapter 20), for exactly what it takes
 * to find devices by _HID in a DSDT as vigil and QEMU write them: Scope and
 * Device blocks holding Name objects (_HID, _UID, _CRS buffers), and named
 * packages of integers such as \_S5. Methods and fields are skipped by
 * their length, never executed.
 */
#ifndef GUEST_AML_H
#define GUEST_AML_H

#include <stddef.h>
#include <stdint.h>

#include "devices.h"

/* Adds every device whose _HID is the string @hid to @out. Returns NULL
 * on success, else what stopped the reader. */
const char *aml_find_devices(const uint8_t *aml, size_t len, const char *hid,
			     struct device_list *out);
/* The integer elements (up to @max, *n of them) of the first package
 * named @name (a NameSeg such as "_S5_") in any scope. Returns NULL on
 * success, else what stopped the reader or "no such package". */
const char *aml_find_package(const uint8_t *aml, size_t len, const char *name,
			     uint64_t *vals, unsigned int max, unsigned int *n);

#endif
