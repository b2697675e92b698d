// SPDX-License-Identifier: GPL-2.0-only
#include "devices/bus.h"

#include <errno.h>
#include <string.h>

#include "lib/log.h"

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len,
		 const struct bus_ops *ops, void *opaque, const char *name)
{
	uint64_t last;

	if (len == 0 || __builtin_add_overflow(base, len - 1, &last) || !ops)
		return -EINVAL;
	if (bus->nr_windows == BUS_MAX_WINDOWS)
		return -ENOSPC;
	for (unsigned int i = 0; i < bus->nr_windows; i++) {
		const struct bus_window *w = &bus->windows[i];

		if (base <= w->base + (w->len - 1) && w->base <= last)
			return -EINVAL;
	}
	bus->windows[bus->nr_windows++] = (struct bus_window){
		.base = base,
		.len = len,
		.ops = ops,
		.opaque = opaque,
		.name = name,
	};
	return 0;
}

/* The window holding the whole access, or NULL. */
static const struct bus_window *bus_find(const struct bus *bus, uint64_t addr,
					 unsigned int size)
{
	for (unsigned int i = 0; i < bus->nr_windows; i++) {
		const struct bus_window *w = &bus->windows[i];
		uint64_t off = addr - w->base;

		if (addr >= w->base && off < w->len && size <= w->len - off)
			return w;
	}
	return NULL;
}

static bool size_valid(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

bool bus_read(const struct bus *bus, uint64_t addr, void *data,
	      unsigned int size)
{
	const struct bus_window *w;
	uint64_t val;

	if (size > 8)
		size = 8;
	w = size_valid(size) ? bus_find(bus, addr, size) : NULL;
	if (!w || !w->ops->read) {
		memset(data, 0xff, size);
		log_unimp("%s: unassigned read of %u bytes at 0x%llx",
			  bus->name, size, (unsigned long long)addr);
		return false;
	}
	val = w->ops->read(w->opaque, addr - w->base, size);
	memcpy(data, &val, size); /* x86 host: little-endian */
	return true;
}

bool bus_write(const struct bus *bus, uint64_t addr, const void *data,
	       unsigned int size)
{
	const struct bus_window *w;
	uint64_t val = 0;

	if (size > 8)
		size = 8;
	w = size_valid(size) ? bus_find(bus, addr, size) : NULL;
	if (!w || !w->ops->write) {
		log_unimp("%s: unassigned write of %u bytes at 0x%llx",
			  bus->name, size, (unsigned long long)addr);
		return false;
	}
	memcpy(&val, data, size);
	w->ops->write(w->opaque, addr - w->base, size, val);
	return true;
}
