// SPDX-License-Identifier: GPL-2.0-only
/*
 * TSC calibration against 8254 channel 0 (Intel 8254 datasheet: control
 * word at 0x43, mode 2 "rate generator", counter latch command). Linux
 * polls channel 2 through port 0x61 instead, but QEMU's microvm has no
 * port 0x61; every PC-like VMM has channel 0. Its interrupt (ISA IRQ 0)
 * stays masked: the count is only read.
 */
#include "io.h"
#include "pit.h"

#define PIT_CH0_DATA 0x40
#define PIT_COMMAND 0x43
#define PIT_CMD_CH0_LOHI_MODE2 0x34 /* channel 0, lobyte/hibyte, mode 2 */
#define PIT_CMD_CH0_LATCH 0x00

/* Each read is three VM exits (~25 us on a software hypervisor): give up
 * after about a second, or much sooner if the count never moves. */
#define READ_LIMIT 40000
#define STUCK_LIMIT 1000

static uint16_t read_count(void)
{
	uint8_t lo, hi;

	outb(PIT_COMMAND, PIT_CMD_CH0_LATCH);
	lo = inb(PIT_CH0_DATA);
	hi = inb(PIT_CH0_DATA);
	return (uint16_t)(lo | hi << 8);
}

/*
 * The counter runs down from 65536 and wraps every 55 ms; successive
 * reads are microseconds apart, so the distance between two of them,
 * modulo 65536, is the time that passed.
 */
bool pit_measure_tsc_hz(unsigned int ms, uint64_t *hz)
{
	uint64_t target = (uint64_t)PIT_HZ * ms / 1000, elapsed = 0;
	uint64_t start;
	uint16_t prev, now;
	unsigned int i;

	outb(PIT_COMMAND, PIT_CMD_CH0_LOHI_MODE2);
	outb(PIT_CH0_DATA, 0);
	outb(PIT_CH0_DATA, 0);
	prev = read_count();
	start = rdtsc();
	for (i = 0; i < READ_LIMIT && elapsed < target; i++) {
		if (i == STUCK_LIMIT && elapsed == 0)
			return false;
		now = read_count();
		elapsed += (uint16_t)(prev - now);
		prev = now;
	}
	if (elapsed < target || elapsed == 0)
		return false;
	*hz = (rdtsc() - start) * PIT_HZ / elapsed;
	return true;
}
