/* SPDX-License-Identifier: GPL-2.0-only */
/* The local APIC in xAPIC (MMIO) mode. */
#ifndef GUEST_LAPIC_H
#define GUEST_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Interrupt command register, low word (SDM Vol. 3A, "Interrupt Command
 * Register (ICR)"). */
#define ICR_FIXED 0x00000
#define ICR_INIT 0x00500
#define ICR_STARTUP 0x00600
#define ICR_LEVEL_ASSERT 0x04000
#define ICR_LEVEL_TRIGGER 0x08000

/* Reads IA32_APIC_BASE; false if the APIC is disabled or in x2APIC mode. */
bool lapic_probe(uint64_t *base);
/* Software-enables the calling CPU's LAPIC with all LVT entries masked. */
void lapic_enable(void);
uint32_t lapic_id(void);
uint32_t lapic_version(void);
void lapic_eoi(void);
/* Sends an IPI; false if the APIC did not accept it in time. */
bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);

/* The timer, counting at the bus clock divided by 16. */
void lapic_timer_periodic(unsigned int vector, uint32_t count);
void lapic_timer_oneshot_masked(uint32_t count);
void lapic_timer_stop(void);
uint32_t lapic_timer_current(void);

#endif
