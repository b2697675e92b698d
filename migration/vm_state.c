// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt controllers, PIT and clock: field tables (the ioctls are in
 * vmm/state_kvm.c).
 * Validators follow what KVM's own device models store (arch/x86/kvm/
 * i8259.c, ioapic.c, i8254.c): a value those models can never hold is
 * refused, any value a guest can make them hold is accepted.
 */
#include "migration/vm_state.h"

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "lib/layout.h"

/* The edge/level registers KVM allows (i8259.c: elcr_mask). */
#define PIC_MASTER_ELCR_MASK 0xf8u
#define PIC_SLAVE_ELCR_MASK 0xdeu
#define IOAPIC_PIN_BITS ((1u << KVM_IOAPIC_NUM_PINS) - 1)
/* i8254.c: a channel that was never programmed has mode 0xff. */
#define PIT_MODE_UNSET 0xffu
#define PIT_MAX_COUNT 0x10000u

#define ANY_REG8 CHECK_ANY("an 8-bit register: any bit pattern")

#define PIC_U8(nm, m, chk) FIELD_U8(nm, struct kvm_pic_state, m, chk)
#define PIC_BOOL(nm, m) FIELD_BOOL(nm, struct kvm_pic_state, m)

static const struct field pic_fields[] = {
	PIC_U8("last-irr", last_irr, ANY_REG8),
	PIC_U8("irr", irr, ANY_REG8),
	PIC_U8("imr", imr, ANY_REG8),
	PIC_U8("isr", isr, ANY_REG8),
	PIC_U8("priority-add", priority_add, CHECK_RANGE(0, 7)),
	/* ICW2 keeps bits 7:3: vectors come in blocks of eight. */
	PIC_U8("irq-base", irq_base, CHECK_MASK(0xf8)),
	PIC_BOOL("read-reg-select", read_reg_select),
	PIC_BOOL("poll", poll),
	PIC_BOOL("special-mask", special_mask),
	PIC_U8("init-state", init_state, CHECK_RANGE(0, 3)),
	PIC_BOOL("auto-eoi", auto_eoi),
	PIC_BOOL("rotate-on-auto-eoi", rotate_on_auto_eoi),
	PIC_BOOL("special-fully-nested-mode", special_fully_nested_mode),
	PIC_BOOL("init4", init4),
	PIC_U8("elcr", elcr, CHECK_ANY("checked against elcr-mask")),
	PIC_U8("elcr-mask", elcr_mask, CHECK_ANY("checked per chip")),
};

/* ctx: non-NULL for the slave. KVM fixes each chip's ELCR mask. */
static bool pic_check(const void *st, const void *ctx, char *why, size_t len)
{
	const struct kvm_pic_state *p = st;
	uint8_t mask = ctx ? PIC_SLAVE_ELCR_MASK : PIC_MASTER_ELCR_MASK;

	if (p->elcr_mask != mask) {
		snprintf(why, len, "elcr-mask = 0x%x: KVM uses 0x%x",
			 p->elcr_mask, mask);
		return false;
	}
	if (p->elcr & ~mask) {
		snprintf(why, len, "elcr = 0x%x: bits outside elcr-mask 0x%x",
			 p->elcr, mask);
		return false;
	}
	return true;
}

static const struct field_table pic_table =
	FIELD_TABLE("8259A PIC", pic_fields, pic_check);

static const struct field ioapic_fields[] = {
	FIELD_U64("base-address", struct kvm_ioapic_state, base_address,
		  CHECK_RANGE(IOAPIC_ADDR, IOAPIC_ADDR)),
	FIELD_U32("ioregsel", struct kvm_ioapic_state, ioregsel,
		  CHECK_RANGE(0, 0xff)),
	FIELD_U32("id", struct kvm_ioapic_state, id, CHECK_RANGE(0, 15)),
	FIELD_U32("irr", struct kvm_ioapic_state, irr,
		  CHECK_MASK(IOAPIC_PIN_BITS)),
	FIELD_U64_ARRAY("redirection-table", struct kvm_ioapic_state, redirtbl,
			KVM_IOAPIC_NUM_PINS,
			CHECK_ANY("KVM keeps whatever the guest wrote and "
				  "decodes it on delivery")),
};

static const struct field_table ioapic_table =
	FIELD_TABLE("I/O APIC", ioapic_fields, NULL);

#define PIT_CH(ty, nm, m, chk) ty(nm, struct kvm_pit_channel_state, m, chk)

static const uint64_t pit_modes[] = { 0, 1, 2, 3, 4, 5, PIT_MODE_UNSET };

static const struct field pit_channel_fields[] = {
	/* A count of 0 is loaded as 0x10000 (i8254.c pit_load_count). */
	PIT_CH(FIELD_U32, "count", count, CHECK_RANGE(1, PIT_MAX_COUNT)),
	PIT_CH(FIELD_U16, "latched-count", latched_count,
	       CHECK_ANY("any 16-bit count")),
	PIT_CH(FIELD_U8, "count-latched", count_latched, CHECK_RANGE(0, 3)),
	FIELD_BOOL("status-latched", struct kvm_pit_channel_state,
		   status_latched),
	PIT_CH(FIELD_U8, "status-byte", status, ANY_REG8),
	PIT_CH(FIELD_U8, "read-state", read_state, CHECK_RANGE(0, 4)),
	PIT_CH(FIELD_U8, "write-state", write_state, CHECK_RANGE(0, 4)),
	PIT_CH(FIELD_U8, "write-latch", write_latch, ANY_REG8),
	PIT_CH(FIELD_U8, "rw-mode", rw_mode, CHECK_RANGE(0, 3)),
	PIT_CH(FIELD_U8, "mode", mode, CHECK_ONE_OF(pit_modes)),
	FIELD_BOOL("bcd", struct kvm_pit_channel_state, bcd),
	FIELD_BOOL("gate", struct kvm_pit_channel_state, gate),
	PIT_CH(FIELD_U64, "count-load-time", count_load_time,
	       CHECK_ANY("host time: KVM_SET_PIT2 restarts the count now")),
};

static const struct field_table pit_channel_table =
	FIELD_TABLE("PIT channel", pit_channel_fields, NULL);

static const struct field pit_fields[] = {
	FIELD_U32("flags", struct kvm_pit_state2, flags,
		  CHECK_MASK(KVM_PIT_FLAGS_HPET_LEGACY |
			     KVM_PIT_FLAGS_SPEAKER_DATA_ON)),
};

static const struct field_table pit_table =
	FIELD_TABLE("PIT", pit_fields, NULL);

static const struct field clock_fields[] = {
	FIELD_U64("clock", struct vm_clock, clock,
		  CHECK_ANY("nanoseconds of guest time")),
	FIELD_U32("flags", struct vm_clock, flags,
		  CHECK_MASK(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME |
			     KVM_CLOCK_HOST_TSC)),
};

static const struct field_table clock_table =
	FIELD_TABLE("KVM clock", clock_fields, NULL);

const struct vm_table_ref vm_tables[] = {
	{ "/irqchip/pic-master", &pic_table },
	{ "/irqchip/pic-slave", &pic_table },
	{ "/irqchip/ioapic", &ioapic_table },
	{ "/pit", &pit_table },
	{ "/pit/channel@0", &pit_channel_table },
	{ "/pit/channel@1", &pit_channel_table },
	{ "/pit/channel@2", &pit_channel_table },
	{ "/clock", &clock_table },
};
const unsigned int vm_nr_tables = sizeof(vm_tables) / sizeof(vm_tables[0]);

/* The slave PIC's checks differ: any non-NULL context marks it. */
static const char slave_marker;

/* ---- encode / decode ------------------------------------------------- */

static const char *channel_name(unsigned int i)
{
	static const char *const names[VM_PIT_CHANNELS] = {
		"channel@0",
		"channel@1",
		"channel@2",
	};

	return names[i];
}

int vm_state_save(void *fdt, const struct vm_snapshot *vs, char *err,
		  size_t errlen)
{
	int r = fields_begin_node(fdt, "/irqchip", err, errlen);

	if (r == 0)
		r = fields_save_node(fdt, "/irqchip/pic-master", &pic_table,
				     &vs->pic[0], NULL, err, errlen);
	if (r == 0)
		r = fields_save_node(fdt, "/irqchip/pic-slave", &pic_table,
				     &vs->pic[1], &slave_marker, err, errlen);
	if (r == 0)
		r = fields_save_node(fdt, "/irqchip/ioapic", &ioapic_table,
				     &vs->ioapic, NULL, err, errlen);
	if (r == 0)
		r = fields_end_node(fdt, "/irqchip", err, errlen);
	if (r == 0)
		r = fields_begin_node(fdt, "/pit", err, errlen);
	if (r == 0)
		r = fields_save(fdt, "/pit", &pit_table, &vs->pit, NULL, err,
				errlen);
	for (unsigned int i = 0; r == 0 && i < VM_PIT_CHANNELS; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/pit/%s", channel_name(i));
		r = fields_save_node(fdt, path, &pit_channel_table,
				     &vs->pit.channels[i], NULL, err, errlen);
	}
	if (r == 0)
		r = fields_end_node(fdt, "/pit", err, errlen);
	if (r == 0)
		r = fields_save_node(fdt, "/clock", &clock_table, &vs->clock,
				     NULL, err, errlen);
	return r;
}

static int load_irqchip(const void *fdt, int root, struct vm_snapshot *vs,
			char *err, size_t errlen)
{
	static const char *const subs[] = { "pic-master", "pic-slave",
					    "ioapic" };
	int node = fdt_require_subnode(fdt, root, "", "irqchip", err, errlen);
	int r = node < 0 ? node :
			   fdt_check_subnodes(fdt, node, "/irqchip", subs, 3,
					      err, errlen);

	if (r == 0 && fdt_first_property_offset(fdt, node) >= 0) {
		snprintf(err, errlen, "/irqchip: unexpected property");
		r = -EINVAL;
	}
	if (r == 0)
		r = fields_load_node(fdt, node, "/irqchip", "pic-master",
				     &pic_table, &vs->pic[0], NULL, err,
				     errlen);
	if (r == 0)
		r = fields_load_node(fdt, node, "/irqchip", "pic-slave",
				     &pic_table, &vs->pic[1], &slave_marker,
				     err, errlen);
	if (r == 0)
		r = fields_load_node(fdt, node, "/irqchip", "ioapic",
				     &ioapic_table, &vs->ioapic, NULL, err,
				     errlen);
	return r;
}

static int load_pit(const void *fdt, int root, struct vm_snapshot *vs,
		    char *err, size_t errlen)
{
	static const char *const subs[] = { "channel@0", "channel@1",
					    "channel@2" };
	int node = fdt_require_subnode(fdt, root, "", "pit", err, errlen);
	int r = node < 0 ? node :
			   fdt_check_subnodes(fdt, node, "/pit", subs, 3, err,
					      errlen);

	if (r == 0)
		r = fields_load(fdt, node, "/pit", &pit_table, &vs->pit, NULL,
				err, errlen);
	for (unsigned int i = 0; r == 0 && i < VM_PIT_CHANNELS; i++)
		r = fields_load_node(fdt, node, "/pit", channel_name(i),
				     &pit_channel_table, &vs->pit.channels[i],
				     NULL, err, errlen);
	return r;
}

int vm_state_load(const void *fdt, int root, struct vm_snapshot *vs, char *err,
		  size_t errlen)
{
	int r;

	memset(vs, 0, sizeof(*vs));
	r = load_irqchip(fdt, root, vs, err, errlen);
	if (r == 0)
		r = load_pit(fdt, root, vs, err, errlen);
	if (r == 0)
		r = fields_load_node(fdt, root, "", "clock", &clock_table,
				     &vs->clock, NULL, err, errlen);
	return r;
}
