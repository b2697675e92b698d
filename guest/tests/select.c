// SPDX-License-Identifier: GPL-2.0-only
#include "cmdline.h"
#include "runner.h"
#include "select.h"
#include "virtio_mmio.h"

const struct mmio_device *select_device(const char *key, uint32_t device_id,
					const char *what)
{
	uint64_t n = param_u64(key, 0);
	const struct mmio_device *d =
		virtio_mmio_find(device_id, (unsigned int)n);

	check(d, "no modern %s device number %lu", what, n);
	return d;
}

bool check_open(bool ok, const struct mmio_device *d, const char *what,
		const char *const *why)
{
	return check(ok, "%s at 0x%lx: %s", what, d->base, *why);
}
