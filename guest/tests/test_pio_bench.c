// SPDX-License-Identifier: GPL-2.0-only
/*
 * pio_bench: the cost of a port-I/O exit. pio_count (default 20000)
 * one-byte writes to pio_port (default 0x2000, which neither vigil nor
 * QEMU's microvm decodes, so each one goes out to the VMM and back),
 * timed with the TSC. The figure is a TAP comment; the test fails only if
 * the TSC could not be calibrated.
 */
#include "cmdline.h"
#include "io.h"
#include "runner.h"
#include "tests.h"
#include "tsc.h"

#define DEFAULT_PORT 0x2000
#define DEFAULT_COUNT 20000

void test_pio_bench(void)
{
	uint64_t port = param_u64("pio_port", DEFAULT_PORT);
	uint64_t count = param_u64("pio_count", DEFAULT_COUNT);
	uint64_t start, ns, i;

	if (!check(port <= 0xffff && count > 0, "pio_port=0x%lx pio_count=%lu",
		   port, count))
		return;
	if (!check(tsc_calibrated(), "TSC frequency unknown (%s)",
		   tsc_source()))
		return;
	start = rdtsc();
	for (i = 0; i < count; i++)
		outb((uint16_t)port, 0);
	ns = tsc_to_ns(rdtsc() - start);
	note("%lu writes to port 0x%lx in %lu us: %lu ns per exit", count, port,
	     ns / 1000, ns / count);
}
