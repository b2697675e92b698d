// SPDX-License-Identifier: GPL-2.0-only
/*
 * I/O APIC, Intel 82093AA datasheet: indirect access through IOREGSEL
 * (base + 0x00) and IOWIN (base + 0x10) (3.0); registers IOAPICID (0x00),
 * IOAPICVER (0x01: maximum redirection entry in bits 16-23) and the
 * 64-bit redirection table at 0x10 + 2 * pin (3.2.4).
 */
#include "io.h"
#include "ioapic.h"
#include "spinlock.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPICID 0x00
#define IOAPICVER 0x01
#define IOREDTBL(pin) (0x10 + 2 * (pin))

/* Redirection entry, low word (3.2.4); fixed delivery, physical mode. */
#define REDIR_ACTIVE_LOW (1u << 13)
#define REDIR_LEVEL (1u << 15)
#define REDIR_MASKED (1u << 16)

#define DEFAULT_IOAPIC_ADDR 0xfec00000u

struct ioapic {
	uint64_t base;
	uint32_t gsi_base;
	unsigned int pins;
};

static struct ioapic ioapics[MADT_MAX_IOAPICS];
static unsigned int nioapics;
/* IOREGSEL/IOWIN is a two-step access: keep the steps together, on one
 * CPU and against interrupt handlers. */
static struct spinlock lock;

static uint32_t ioapic_read(const struct ioapic *io, uint32_t reg)
{
	uint64_t flags = irq_save();
	uint32_t v;

	spin_lock(&lock);
	mmio_write32(io->base + IOREGSEL, reg);
	v = mmio_read32(io->base + IOWIN);
	spin_unlock(&lock);
	irq_restore(flags);
	return v;
}

static void ioapic_write(const struct ioapic *io, uint32_t reg, uint32_t v)
{
	uint64_t flags = irq_save();

	spin_lock(&lock);
	mmio_write32(io->base + IOREGSEL, reg);
	mmio_write32(io->base + IOWIN, v);
	spin_unlock(&lock);
	irq_restore(flags);
}

static void add(uint32_t addr, uint32_t gsi_base)
{
	struct ioapic *io = &ioapics[nioapics++];
	unsigned int pin;

	io->base = addr;
	io->gsi_base = gsi_base;
	io->pins = ((ioapic_read(io, IOAPICVER) >> 16) & 0xff) + 1;
	for (pin = 0; pin < io->pins; pin++)
		ioapic_write(io, IOREDTBL(pin), REDIR_MASKED);
}

void ioapic_init(const struct madt_info *m)
{
	unsigned int i;

	nioapics = 0;
	for (i = 0; m && i < m->nioapics; i++)
		add(m->ioapics[i].addr, m->ioapics[i].gsi_base);
	if (nioapics == 0)
		add(DEFAULT_IOAPIC_ADDR, 0);
}

unsigned int ioapic_count(void)
{
	return nioapics;
}

bool ioapic_describe(unsigned int i, uint32_t *id, uint32_t *version,
		     uint32_t *gsi_base, unsigned int *pins)
{
	if (i >= nioapics)
		return false;
	*id = ioapic_read(&ioapics[i], IOAPICID) >> 24;
	*version = ioapic_read(&ioapics[i], IOAPICVER);
	*gsi_base = ioapics[i].gsi_base;
	*pins = ioapics[i].pins;
	return true;
}

static const struct ioapic *find(uint32_t gsi, unsigned int *pin)
{
	unsigned int i;

	for (i = 0; i < nioapics; i++) {
		if (gsi >= ioapics[i].gsi_base &&
		    gsi - ioapics[i].gsi_base < ioapics[i].pins) {
			*pin = gsi - ioapics[i].gsi_base;
			return &ioapics[i];
		}
	}
	return NULL;
}

bool ioapic_route(uint32_t gsi, const struct ioapic_route *r)
{
	unsigned int pin;
	const struct ioapic *io = find(gsi, &pin);
	uint32_t low = r->vector;

	if (!io)
		return false;
	if (r->level)
		low |= REDIR_LEVEL;
	if (r->active_low)
		low |= REDIR_ACTIVE_LOW;
	/* Destination first, with the entry still masked. */
	ioapic_write(io, IOREDTBL(pin), REDIR_MASKED);
	ioapic_write(io, IOREDTBL(pin) + 1, r->dest_apic_id << 24);
	ioapic_write(io, IOREDTBL(pin), low);
	return true;
}

bool ioapic_mask(uint32_t gsi)
{
	unsigned int pin;
	const struct ioapic *io = find(gsi, &pin);

	if (!io)
		return false;
	ioapic_write(io, IOREDTBL(pin), REDIR_MASKED);
	return true;
}
