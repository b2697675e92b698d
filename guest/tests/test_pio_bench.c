// SPDX-License-Identifier: GPL-2.0-only
/*
 * pio_bench and mmio_bench: the cost of a port-I/O and of an MMIO exit.
 * pio_count (default 20000) one-byte writes to pio_port (default 0x2000),
 * or to mmio_addr (default 0xc0000000, the start of the MMIO hole), that
 * neither vigil nor QEMU's microvm decodes, so each one goes out to the
 * VMM and back; timed with the TSC. The figure is a TAP comment; the test
 * fails only if the TSC could not be calibrated. bench/boot.py sets them
 * beside the floor program's (bench/floor.c).
 */
#include "cmdline.h"
#include "io.h"
#include "runner.h"
#include "tests.h"
#include "tsc.h"

#define DEFAULT_PORT 0x2000
#define DEFAULT_MMIO 0xc0000000
#define DEFAULT_COUNT 20000

/* Time count calls of write_one(target); note ns per exit as "what". */
static void time_exits(const char *what, uint64_t target,
		       void (*write_one)(uint64_t))
{
	uint64_t count = param_u64("pio_count", DEFAULT_COUNT);
	uint64_t start, ns, i;

	if (!check(count > 0, "pio_count=%lu", count))
		return;
	if (!check(tsc_calibrated(), "TSC frequency unknown (%s)",
		   tsc_source()))
		return;
	start = rdtsc();
	for (i = 0; i < count; i++)
		write_one(target);
	ns = tsc_to_ns(rdtsc() - start);
	note("%lu writes to %s 0x%lx in %lu us: %lu ns per exit", count, what,
	     target, ns / 1000, ns / count);
}

static void out_one(uint64_t port)
{
	outb((uint16_t)port, 0);
}

static void store_one(uint64_t addr)
{
	mmio_write8(addr, 0);
}

void test_pio_bench(void)
{
	uint64_t port = param_u64("pio_port", DEFAULT_PORT);

	if (check(port <= 0xffff, "pio_port=0x%lx", port))
		time_exits("port", port, out_one);
}

void test_mmio_bench(void)
{
	uint64_t addr = param_u64("mmio_addr", DEFAULT_MMIO);

	/* The boot page tables map the first 4 GiB. */
	if (check(addr < (4ull << 30), "mmio_addr=0x%lx", addr))
		time_exits("address", addr, store_one);
}
