// SPDX-License-Identifier: GPL-2.0-only
/*
 * Local APIC, xAPIC mode. Register offsets: SDM Vol. 3A, "Local APIC
 * Register Address Map" table; timer: "APIC Timer"; enabling: "Spurious
 * Interrupt" (SVR bit 8 is the software enable).
 */
#include "io.h"
#include "lapic.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10)
#define APIC_BASE_ADDR_MASK 0xffffff000ull

#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define ICR_DELIVERY_PENDING (1u << 12)
#define TIMER_DIVIDE_16 0x3
#define SPURIOUS_VECTOR 0xff

/* Each poll is an MMIO exit; a few thousand is far beyond any real wait. */
#define ICR_POLL_LIMIT 100000

static uint64_t lapic_base = 0xfee00000; /* the architectural default */

static uint32_t lapic_read(uint32_t reg)
{
	return mmio_read32(lapic_base + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(lapic_base + reg, v);
}

bool lapic_probe(uint64_t *base)
{
	uint64_t msr = rdmsr(MSR_APIC_BASE);

	*base = msr & APIC_BASE_ADDR_MASK;
	if (!(msr & APIC_BASE_ENABLE) || (msr & APIC_BASE_X2APIC))
		return false;
	lapic_base = *base;
	return true;
}

void lapic_enable(void)
{
	lapic_write(LAPIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	/* ESR must be written before it is read (SDM "Error Handling"). */
	lapic_write(LAPIC_ESR, 0);
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

uint32_t lapic_version(void)
{
	return lapic_read(LAPIC_VERSION);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	unsigned int i;

	lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
	lapic_write(LAPIC_ICR_LOW, icr_low); /* this write sends it */
	for (i = 0; i < ICR_POLL_LIMIT; i++) {
		if (!(lapic_read(LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING))
			return true;
		cpu_relax();
	}
	return false;
}

void lapic_timer_periodic(unsigned int vector, uint32_t count)
{
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | vector);
	lapic_write(LAPIC_TIMER_INITIAL, count);
}

void lapic_timer_oneshot_masked(uint32_t count)
{
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INITIAL, count);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INITIAL, 0);
}

uint32_t lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CURRENT);
}
