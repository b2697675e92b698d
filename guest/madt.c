// SPDX-License-Identifier: GPL-2.0-only
/*
 * MADT entries (ACPI 6.5, 5.2.12): after the header come LocalApicAddress
 * (u32) and Flags (u32), then variable-length structures, each starting
 * with Type (u8) and Length (u8). Lengths come from the VMM: each one is
 * checked against the structure's size and the table's end.
 */
#include "madt.h"
#include "string.h"

#define MADT_LOCAL_APIC 0	  /* 5.2.12.2 */
#define MADT_IO_APIC 1		  /* 5.2.12.3 */
#define MADT_INTERRUPT_OVERRIDE 2 /* 5.2.12.5 */
#define MADT_LOCAL_X2APIC 9	  /* 5.2.12.12 */

#define LAPIC_ENABLED 1u

struct madt_entry_header {
	uint8_t type;
	uint8_t length;
} __attribute__((packed));

struct madt_local_apic {
	struct madt_entry_header h;
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));

struct madt_io_apic {
	struct madt_entry_header h;
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));

struct madt_interrupt_override {
	struct madt_entry_header h;
	uint8_t bus; /* 0: ISA */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));

struct madt_local_x2apic {
	struct madt_entry_header h;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t processor_uid;
} __attribute__((packed));

static void add_cpu(struct madt_info *m, uint32_t apic_id, uint32_t flags)
{
	m->ncpus_listed++;
	if (!(flags & LAPIC_ENABLED))
		return;
	if (m->ncpus < MAX_CPUS)
		m->apic_ids[m->ncpus] = apic_id;
	m->ncpus++;
}

static void add_ioapic(struct madt_info *m, const struct madt_io_apic *e)
{
	if (m->nioapics == MADT_MAX_IOAPICS) {
		m->problem = "too many I/O APICs";
		return;
	}
	m->ioapics[m->nioapics++] = (struct madt_ioapic){
		.id = e->id, .addr = e->address, .gsi_base = e->gsi_base
	};
}

static void add_override(struct madt_info *m,
			 const struct madt_interrupt_override *e)
{
	if (e->bus != 0)
		return;
	if (m->noverrides == MADT_MAX_OVERRIDES) {
		m->problem = "too many interrupt source overrides";
		return;
	}
	m->overrides[m->noverrides++] = (struct madt_override){
		.source = e->source, .gsi = e->gsi, .flags = e->flags
	};
}

/* Size of the structure we read for @type, or 0 if we skip it. */
static unsigned int entry_size(uint8_t type)
{
	switch (type) {
	case MADT_LOCAL_APIC:
		return sizeof(struct madt_local_apic);
	case MADT_IO_APIC:
		return sizeof(struct madt_io_apic);
	case MADT_INTERRUPT_OVERRIDE:
		return sizeof(struct madt_interrupt_override);
	case MADT_LOCAL_X2APIC:
		return sizeof(struct madt_local_x2apic);
	default:
		return 0;
	}
}

static void add_entry(struct madt_info *m, const struct madt_entry_header *e)
{
	const struct madt_local_apic *la = (const void *)e;
	const struct madt_local_x2apic *x2 = (const void *)e;

	switch (e->type) {
	case MADT_LOCAL_APIC:
		add_cpu(m, la->apic_id, la->flags);
		break;
	case MADT_LOCAL_X2APIC:
		add_cpu(m, x2->x2apic_id, x2->flags);
		break;
	case MADT_IO_APIC:
		add_ioapic(m, (const void *)e);
		break;
	case MADT_INTERRUPT_OVERRIDE:
		add_override(m, (const void *)e);
		break;
	default:
		break;
	}
}

bool madt_parse(const struct acpi_header *t, struct madt_info *m)
{
	const uint8_t *p = (const uint8_t *)t + sizeof(*t) + 8;
	const uint8_t *end = (const uint8_t *)t + t->length;
	const struct madt_entry_header *e;

	memset(m, 0, sizeof(*m));
	if (t->length < sizeof(*t) + 8) {
		m->problem = "MADT shorter than its fixed fields";
		return false;
	}
	memcpy(&m->lapic_addr, (const uint8_t *)t + sizeof(*t), 4);
	memcpy(&m->flags, (const uint8_t *)t + sizeof(*t) + 4, 4);
	while (end - p >= (long)sizeof(*e)) {
		e = (const void *)p;
		if (e->length < sizeof(*e) || e->length > end - p ||
		    e->length < entry_size(e->type)) {
			m->problem = "MADT entry with a bad length";
			return false;
		}
		add_entry(m, e);
		p += e->length;
	}
	if (m->ncpus > MAX_CPUS)
		m->problem = "more CPUs than the guest supports";
	return true;
}

uint32_t madt_isa_gsi(const struct madt_info *m, unsigned int irq,
		      uint16_t *flags)
{
	unsigned int i;

	for (i = 0; i < m->noverrides; i++) {
		if (m->overrides[i].source == irq) {
			*flags = m->overrides[i].flags;
			return m->overrides[i].gsi;
		}
	}
	*flags = 0; /* conforms to the bus: ISA is edge, active high */
	return irq;
}
