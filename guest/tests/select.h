/* SPDX-License-Identifier: GPL-2.0-only */
/* Which device a test drives: the command line's choice among its kind. */
#ifndef GUEST_TESTS_SELECT_H
#define GUEST_TESTS_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "devices.h"

/*
 * The device @key=N (default 0) selects: the N-th modern virtio-mmio
 * device with @device_id, wherever it sits; NULL after a failed check
 * naming @what.
 */
const struct mmio_device *select_device(const char *key, uint32_t device_id,
					const char *what);

/*
 * check() of an open of @d: true if @ok, else a failure "@what at BASE:
 * WHY". @why is read here, after the open has set it (a plain string
 * argument could be read before the open runs).
 */
bool check_open(bool ok, const struct mmio_device *d, const char *what,
		const char *const *why);

#endif
