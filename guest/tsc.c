// SPDX-License-Identifier: GPL-2.0-only
#include "io.h"
#include "pit.h"
#include "tsc.h"

#define CALIBRATION_MS 20
#define NS_PER_S 1000000000ull
#define GUESS_HZ 1000000000ull
/* Plausible TSC rates: anything outside is a broken reference clock. */
#define MIN_HZ 100000000ull
#define MAX_HZ 10000000000ull

static uint64_t hz = GUESS_HZ;
static const char *source = "guess";
static bool calibrated;

/* CPUID 0x16 EAX: processor base frequency in MHz (SDM Vol. 2A, CPUID). */
static uint64_t cpuid_tsc_hz(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] < 0x16)
		return 0;
	cpuid(0x16, 0, r);
	return (uint64_t)(r[0] & 0xffff) * 1000000;
}

/* Two PIT measurements that agree: a vCPU descheduled for a whole PIT
 * wrap (55 ms) during one of them would spoil it. */
static bool measure_with_pit(uint64_t *result)
{
	uint64_t a, b;
	unsigned int tries;

	for (tries = 0; tries < 5; tries++) {
		if (!pit_measure_tsc_hz(CALIBRATION_MS, &a) ||
		    !pit_measure_tsc_hz(CALIBRATION_MS, &b))
			return false;
		if (a < MIN_HZ || a > MAX_HZ)
			return false;
		if ((a > b ? a - b : b - a) <= a / 100) {
			*result = (a + b) / 2;
			return true;
		}
	}
	return false;
}

bool tsc_calibrate(void)
{
	uint64_t measured;

	if (measure_with_pit(&measured)) {
		hz = measured;
		source = "pit";
		calibrated = true;
		return true;
	}
	measured = cpuid_tsc_hz();
	if (measured >= MIN_HZ && measured <= MAX_HZ) {
		hz = measured;
		source = "cpuid";
		calibrated = true;
		return true;
	}
	return false;
}

uint64_t tsc_hz(void)
{
	return hz;
}

bool tsc_calibrated(void)
{
	return calibrated;
}

const char *tsc_source(void)
{
	return source;
}

/* Split into whole seconds and a remainder so that nothing overflows 64
 * bits (hz <= MAX_HZ) and no 128-bit division (libgcc) is needed. */
uint64_t tsc_to_ns(uint64_t cycles)
{
	return cycles / hz * NS_PER_S + cycles % hz * NS_PER_S / hz;
}

uint64_t ns_to_tsc(uint64_t ns)
{
	return ns / NS_PER_S * hz + ns % NS_PER_S * hz / NS_PER_S;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + ns_to_tsc(us * 1000);

	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}
