// SPDX-License-Identifier: GPL-2.0-only
/*
 * The snapshot state loader against a corpus of bad state files generated
 * from a good one: truncated at many offsets, bit-flipped (with and
 * without a repaired checksum), each property removed or resized, every
 * validated field set to a value its validator refuses, every narrow field
 * set to a value wider than its type, and hand-picked cross-field
 * breakages. Each must be refused with an error naming what is wrong; none
 * may crash (this test runs under ASan/UBSan in the sanitizer build).
 */
#include <errno.h>
#include <libfdt.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/virtio_blk.h"
#include "devices/virtio_rng.h"
#include "migration/snapshot.h"
#include "migration/state_file.h"
#include "tests/support/tap.h"

#define MEM_SIZE (256ull << 20)
#define ERRLEN 512
#define XSTATE_BV_OFF 512 /* the XSAVE header's first field */

static void noop_irq(void *opaque, unsigned int gsi, bool level)
{
	(void)opaque;
	(void)gsi;
	(void)level;
}

static void make_cpu(struct cpu_snapshot *c, unsigned int id)
{
	static const struct cpu_msr msrs[] = {
		{ 0x10, 123456789 },		       /* TSC */
		{ 0x277, 0x0007040600070406ull },      /* PAT */
		{ 0xc0000082, 0xffffffff81000000ull }, /* LSTAR */
		{ 0x4b564d01, 0x3001 },		       /* kvmclock, enabled */
		{ 0x2ff, 0xc06 },		       /* MTRR default type */
		{ 0x6e0, 0 },			       /* TSC deadline */
	};
	struct kvm_segment code = { .limit = 0xffffffff,
				    .selector = 0x10,
				    .type = 11,
				    .present = 1,
				    .s = 1,
				    .l = 1,
				    .g = 1 };
	struct kvm_segment data = { .limit = 0xffffffff,
				    .selector = 0x18,
				    .type = 3,
				    .present = 1,
				    .db = 1,
				    .s = 1,
				    .g = 1 };

	memset(c, 0, sizeof(*c));
	c->regs.rip = 0x100200 + id;
	c->regs.rsp = 0x8ff0;
	c->regs.rflags = 0x246;
	c->sregs.cs = code;
	c->sregs.ds = c->sregs.es = c->sregs.fs = c->sregs.gs = c->sregs.ss =
		data;
	c->sregs.tr = (struct kvm_segment){ .limit = 0xffff,
					    .type = 11,
					    .present = 1 };
	c->sregs.ldt =
		(struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
	c->sregs.gdt = (struct kvm_dtable){ .base = 0x500, .limit = 39 };
	c->sregs.cr0 = 0x80000011;
	c->sregs.cr3 = 0x9000;
	c->sregs.cr4 = 0x20;
	c->sregs.efer = 0x500;
	c->sregs.apic_base = 0xfee00800 | (id ? 0 : 0x100);
	c->xcr0 = 1;
	c->xsave_len = CPU_XSAVE_MIN;
	c->xsave[0] = 0x7f; /* FCW 0x37f */
	c->xsave[1] = 0x03;
	c->xsave[24] = 0x80; /* MXCSR 0x1f80 */
	c->xsave[25] = 0x1f;
	c->xsave[XSTATE_BV_OFF] = 1; /* x87 */
	c->mp_state = id ? KVM_MP_STATE_HALTED : KVM_MP_STATE_RUNNABLE;
	c->lapic = (struct cpu_lapic){
		.id = id << 24,
		.dfr = 0xffffffff,
		.svr = 0x1ff,
		.lvt_timer = 0x20020,
		.lvt_lint0 = 0x700,
		.lvt_lint1 = 0x400,
		.lvt_error = 0x10000,
		.lvt_thermal = 0x10000,
		.lvt_perf = 0x10000,
		.lvt_cmci = 0x10000,
		.timer_initial = 0x10000,
		.timer_current = 0x8000,
		.timer_divide = 3,
	};
	c->events.flags = KVM_VCPUEVENT_VALID_NMI_PENDING |
			  KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM;
	c->debugregs.dr6 = 0xffff0ff0;
	c->debugregs.dr7 = 0x400;
	c->nr_msrs = sizeof(msrs) / sizeof(msrs[0]);
	memcpy(c->msrs, msrs, sizeof(msrs));
}

static void make_vm(struct vm_snapshot *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->pic[0] = (struct kvm_pic_state){
		.imr = 0xfb, .irq_base = 0x20, .init4 = 1, .elcr_mask = 0xf8
	};
	vm->pic[1] = (struct kvm_pic_state){
		.imr = 0xff, .irq_base = 0x28, .init4 = 1, .elcr_mask = 0xde
	};
	vm->ioapic.base_address = IOAPIC_ADDR;
	for (unsigned int i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		vm->ioapic.redirtbl[i].bits = 0x10000;
	vm->ioapic.redirtbl[4].bits = 0x31;
	for (unsigned int i = 0; i < 3; i++)
		vm->pit.channels[i] = (struct kvm_pit_channel_state){
			.count = 0x10000,
			.mode = 0xff,
			.gate = i != 2,
		};
	vm->pit.channels[0] = (struct kvm_pit_channel_state){
		.count = 0x2e9c,
		.mode = 2,
		.rw_mode = 3,
		.read_state = 3,
		.write_state = 3,
		.gate = 1,
		.count_load_time = 12345,
	};
	vm->clock.clock = 1000000000;
}

static void make_devices(struct snapshot *s)
{
	struct irq_line irq = { .set = noop_irq };
	struct serial uart;
	struct virtio_mmio_state *v = &s->slots[0].mmio;
	struct virtio_blk_snapshot *d;

	serial_init(&uart, &irq, -1);
	serial_get_state(&uart, &s->serial);
	serial_destroy(&uart);
	v->status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		    VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK;
	v->driver_features = (1ull << VIRTIO_F_VERSION_1) |
			     (1ull << VIRTIO_RING_F_EVENT_IDX);
	v->interrupt_status = 1;
	v->queue[0] = (struct virtio_mmio_queue_state){
		.num = 128,
		.ready = true,
		.desc = 0x200000,
		.avail = 0x201000,
		.used = 0x202000,
		.last_avail_idx = 40,
		.used_idx = 39,
	};
	snapshot_slot_init(s, 0, &virtio_blk_kind);
	d = s->slots[0].state;
	snprintf(d->backend, sizeof(d->backend),
		 "driver=null-co,size=67108864,read-zeroes=on,latency-ns=0,"
		 "readonly=off");
	d->size = 64ull << 20;
	/* An entropy device in slot 1, its queue set up, one chain taken. */
	snapshot_slot_init(s, 1, &virtio_rng_kind);
	s->slots[1].mmio = *v;
	s->slots[1].mmio.driver_features = 1ull << VIRTIO_F_VERSION_1;
	s->slots[1].mmio.queue[0] = (struct virtio_mmio_queue_state){
		.num = 64,
		.ready = true,
		.desc = 0x300000,
		.avail = 0x301000,
		.used = 0x302000,
		.last_avail_idx = 7,
		.used_idx = 6,
	};
}

static struct snapshot *make_snapshot(void)
{
	struct snapshot *s = calloc(1, sizeof(*s));

	snprintf(s->root.compatible, sizeof(s->root.compatible), "%s",
		 SNAPSHOT_COMPATIBLE);
	s->root.format_version = STATE_FORMAT_VERSION;
	s->machine = (struct snap_machine){ .mem_size = MEM_SIZE,
					    .nr_cpus = 2,
					    .nr_slots = 2,
					    .tsc_khz = 2095989 };
	s->cpus = calloc(2, sizeof(*s->cpus));
	make_cpu(&s->cpus[0], 0);
	make_cpu(&s->cpus[1], 1);
	make_vm(&s->vm);
	make_devices(s);
	return s;
}

static void free_snapshot(struct snapshot *s)
{
	snapshot_free(s);
	free(s);
}

/* The state file image of an FDT: header + tree. */
/* A state file image of fdt under a header of version. */
static uint8_t *wrap_as(const void *fdt, uint32_t version, size_t *len)
{
	size_t size = fdt_totalsize(fdt);
	uint8_t *img = malloc(STATE_HEADER_SIZE + size);

	state_header_fill_version(img, version, fdt, size);
	memcpy(img + STATE_HEADER_SIZE, fdt, size);
	*len = STATE_HEADER_SIZE + size;
	return img;
}

static uint8_t *wrap(const void *fdt, size_t *len)
{
	return wrap_as(fdt, STATE_FORMAT_VERSION, len);
}

static int parse_image(const uint8_t *img, size_t len, char *err)
{
	struct snapshot *s = malloc(sizeof(*s));
	int r = snapshot_parse(img, len, s, err, ERRLEN);

	free_snapshot(s);
	return r;
}

/* Parse fdt after mutate(copy, arg) on a roomier copy, with a new header. */
static int parse_mutated(const void *fdt,
			 bool (*mutate)(void *fdt, const void *arg),
			 const void *arg, char *err)
{
	size_t cap = fdt_totalsize(fdt) + 65536, len;
	void *copy = malloc(cap);
	uint8_t *img;
	int r = -1;

	err[0] = '\0';
	if (fdt_open_into(fdt, copy, (int)cap) == 0 && mutate(copy, arg)) {
		fdt_pack(copy);
		img = wrap(copy, &len);
		r = parse_image(img, len, err);
		free(img);
	} else {
		snprintf(err, ERRLEN, "(mutation not applied)");
		r = 1;
	}
	free(copy);
	return r;
}

struct prop_edit {
	const char *node;
	const char *name;
	int len;	/* -1: remove; else the new length */
	uint64_t value; /* with len 0: write value into element 0 */
	bool value_edit;
	size_t cells; /* of element 0, for value edits */
};

static bool apply_edit(void *fdt, const void *arg)
{
	const struct prop_edit *e = arg;
	int node = fdt_path_offset(fdt, e->node);
	const void *old;
	void *buf;
	int len, r;

	if (node < 0)
		return false;
	if (e->len < 0)
		return fdt_delprop(fdt, node, e->name) == 0;
	old = fdt_getprop(fdt, node, e->name, &len);
	if (!old)
		return false;
	if (e->value_edit) {
		uint8_t *w = fdt_getprop_w(fdt, node, e->name, &len);

		if (e->cells == 2) {
			fdt64_t be = cpu_to_fdt64(e->value);

			memcpy(w, &be, sizeof(be));
		} else {
			fdt32_t be = cpu_to_fdt32((uint32_t)e->value);

			memcpy(w, &be, sizeof(be));
		}
		return true;
	}
	buf = calloc(1, (size_t)e->len + 1);
	memcpy(buf, old, (size_t)(len < e->len ? len : e->len));
	r = fdt_setprop(fdt, node, e->name, buf, e->len);
	free(buf);
	return r == 0;
}

/* ---- walking the good tree ------------------------------------------- */

struct prop_ref {
	char node[96];
	char name[64];
	int len;
};

static unsigned int list_props(const void *fdt, struct prop_ref *out,
			       unsigned int max)
{
	unsigned int n = 0;
	int node = 0, depth = 0;

	for (; node >= 0 && depth >= 0;
	     node = fdt_next_node(fdt, node, &depth)) {
		char path[96];
		int prop;

		fdt_get_path(fdt, node, path, sizeof(path));
		fdt_for_each_property_offset(prop, fdt, node) {
			const char *name;
			int len;

			if (n == max)
				return n;
			fdt_getprop_by_offset(fdt, prop, &name, &len);
			snprintf(out[n].node, sizeof(out[n].node), "%s", path);
			snprintf(out[n].name, sizeof(out[n].name), "%s", name);
			out[n++].len = len;
		}
	}
	return n;
}

static const struct field *find_field(const struct field_table *t,
				      const char *name)
{
	for (unsigned int i = 0; t && i < t->nr_fields; i++)
		if (!strcmp(t->fields[i].name, name))
			return &t->fields[i];
	return NULL;
}

static size_t cells_of(const struct field *f)
{
	return f->type == FIELD_U64 || f->type == FIELD_U64_ARRAY ? 2 : 1;
}

/* ---- the tests -------------------------------------------------------- */

static void test_round_trip(const struct snapshot *s, const void *fdt)
{
	char err[ERRLEN] = "";
	size_t len;
	uint8_t *img = wrap(fdt, &len);
	struct snapshot *back = malloc(sizeof(*back));
	int r = snapshot_parse(img, len, back, err, ERRLEN);

	CHECK(r == 0, "the good state loads (%s)", err);
	if (r == 0) {
		CHECK(!memcmp(&back->machine, &s->machine,
			      sizeof(s->machine)) &&
			      back->slots[0].kind == &virtio_blk_kind &&
			      !memcmp(back->slots[0].state, s->slots[0].state,
				      sizeof(struct virtio_blk_snapshot)),
		      "machine and drive come back equal");
		CHECK(!memcmp(back->cpus, s->cpus, 2 * sizeof(*s->cpus)),
		      "both vCPUs come back equal");
		CHECK(!memcmp(&back->vm, &s->vm, sizeof(s->vm)),
		      "irqchip, PIT and clock come back equal");
		CHECK(!memcmp(&back->serial, &s->serial, sizeof(s->serial)) &&
			      !memcmp(&back->slots[0].mmio, &s->slots[0].mmio,
				      sizeof(s->slots[0].mmio)),
		      "UART and virtio-blk come back equal");
		CHECK(back->slots[1].kind == &virtio_rng_kind &&
			      !back->slots[1].state &&
			      !memcmp(&back->slots[1].mmio, &s->slots[1].mmio,
				      sizeof(s->slots[1].mmio)),
		      "virtio-rng comes back equal");
	}
	free_snapshot(back);
	free(img);
}

static void test_every_field_has_a_validator(const void *fdt)
{
	unsigned int tables = 0, fields = 0, bad = 0;
	int node = 0, depth = 0;

	for (; node >= 0 && depth >= 0;
	     node = fdt_next_node(fdt, node, &depth)) {
		char path[96];
		const struct field_table *t;

		fdt_get_path(fdt, node, path, sizeof(path));
		t = snapshot_node_table(path);
		if (!t)
			continue;
		tables++;
		for (unsigned int i = 0; i < t->nr_fields; i++) {
			const struct field_check *c = &t->fields[i].check;

			fields++;
			if ((c->kind == CHECK_KIND_ANY && !c->why_any) ||
			    (c->kind == CHECK_KIND_FN && !c->fn) ||
			    (c->kind == CHECK_KIND_ENUM && !c->nr_values)) {
				printf("# %s/%s: no validator\n", path,
				       t->fields[i].name);
				bad++;
			}
		}
	}
	CHECK(tables > 30 && bad == 0,
	      "%u fields in %u nodes, each with a validator", fields, tables);
}

/* fdt as version 2 wrote it: format-version 2 and, unless keep, no tsc-khz. */
static void *as_version_2(const void *fdt, bool keep_tsc)
{
	size_t cap = fdt_totalsize(fdt);
	void *copy = malloc(cap);

	fdt_open_into(fdt, copy, (int)cap);
	fdt_setprop_inplace_u32(copy, 0, "format-version", 2);
	if (!keep_tsc)
		fdt_delprop(copy, fdt_path_offset(copy, "/machine"), "tsc-khz");
	fdt_pack(copy);
	return copy;
}

/*
 * Version 3 added /machine/tsc-khz: a version 2 file loads without it (the
 * rate not known), each version's layout is its own, and the header and
 * the root must name the same version.
 */
static void test_versions(const void *fdt)
{
	struct snapshot *s = malloc(sizeof(*s));
	void *v2 = as_version_2(fdt, false), *v2_tsc = as_version_2(fdt, true);
	void *again = NULL;
	char err[ERRLEN] = "";
	size_t len;
	uint8_t *img = wrap_as(v2, 2, &len);
	int r = snapshot_parse(img, len, s, err, ERRLEN);

	CHECK(r == 0 && s->machine.tsc_khz == 0 && s->machine.nr_cpus == 2,
	      "a version 2 file loads, its TSC rate not known (%s)", err);
	free(img);
	img = NULL;
	if (r == 0 && snapshot_encode(s, &again, err, ERRLEN) == 0) {
		img = wrap(again, &len);
		r = parse_image(img, len, err);
	}
	CHECK(img && r == 0 && fdt_getprop(again, 0, "format-version", NULL) &&
		      fdt32_ld(fdt_getprop(again, 0, "format-version", NULL)) ==
			      STATE_FORMAT_VERSION,
	      "a version 2 state is written again as version %u (%s)",
	      STATE_FORMAT_VERSION, err);
	free(again);
	free_snapshot(s);
	free(img);
	img = wrap_as(v2_tsc, 2, &len);
	CHECK(parse_image(img, len, err) < 0 && strstr(err, "tsc-khz"),
	      "version 2 with tsc-khz is refused (%s)", err);
	free(img);
	img = wrap(v2, &len);
	CHECK(parse_image(img, len, err) < 0 && strstr(err, "format-version") &&
		      strstr(err, "header says version 3"),
	      "a root and a header naming other versions are refused (%s)",
	      err);
	free(img);
	img = wrap_as(fdt, 2, &len);
	CHECK(parse_image(img, len, err) < 0 && strstr(err, "format-version"),
	      "a version 3 tree under a version 2 header is refused (%s)", err);
	free(img);
	free(v2);
	free(v2_tsc);
}

static void test_header(const void *fdt)
{
	char err[ERRLEN];
	size_t len;
	uint8_t *img = wrap(fdt, &len);
	uint8_t *bad = malloc(len);

	char newer[32], range[32];

	snprintf(newer, sizeof(newer), "version %u", STATE_FORMAT_MAX + 1);
	snprintf(range, sizeof(range), "versions %u to %u", STATE_FORMAT_MIN,
		 STATE_FORMAT_MAX);
	memcpy(bad, img, len);
	bad[11] = STATE_FORMAT_MAX + 1; /* a newer version */
	CHECK(parse_image(bad, len, err) < 0 && strstr(err, newer) &&
		      strstr(err, range),
	      "a newer version is refused, naming the versions read (%s)", err);
	memcpy(bad, img, len);
	bad[11] = 1;
	CHECK(parse_image(bad, len, err) < 0 && strstr(err, "version 1"),
	      "an older version is refused (%s)", err);
	memcpy(bad, img, len);
	bad[0] = 'X';
	CHECK(parse_image(bad, len, err) < 0 && strstr(err, "magic"),
	      "a bad magic is refused (%s)", err);
	memcpy(bad, img, len);
	bad[15] = 64;
	CHECK(parse_image(bad, len, err) < 0 && strstr(err, "header size"),
	      "a bad header size is refused (%s)", err);
	memcpy(bad, img, len);
	bad[31] = 1;
	CHECK(parse_image(bad, len, err) < 0 && strstr(err, "reserved"),
	      "a reserved word that is not 0 is refused (%s)", err);
	memcpy(bad, img, len);
	bad[23] ^= 4;
	CHECK(parse_image(bad, len, err) < 0 && strstr(err, "device tree"),
	      "a device tree size that disagrees with the file is refused "
	      "(%s)",
	      err);
	memcpy(bad, img, len);
	bad[len - 1] ^= 0x10;
	CHECK(parse_image(bad, len, err) < 0 && strstr(err, "checksum"),
	      "a damaged tree fails the checksum (%s)", err);
	free(bad);
	free(img);
}

static void test_truncations(const void *fdt)
{
	size_t len, step, refused = 0, tried = 0;
	uint8_t *img = wrap(fdt, &len);
	char err[ERRLEN];

	step = len / 300 ? len / 300 : 1;
	for (size_t cut = 0; cut < len; cut += cut < 96 ? 1 : step) {
		uint8_t *t = malloc(cut ? cut : 1);

		memcpy(t, img, cut);
		tried++;
		refused += parse_image(t, cut, err) < 0;
		free(t);
	}
	CHECK(refused == tried, "%zu of %zu truncated files refused", refused,
	      tried);
	free(img);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_bit_flips(const void *fdt)
{
	size_t len, refused = 0, refused_fixed = 0, n = 400;
	uint8_t *img = wrap(fdt, &len);
	uint8_t *t = malloc(len);
	char err[ERRLEN];

	for (size_t i = 0; i < n; i++) {
		size_t bit = rng() % (len * 8);

		memcpy(t, img, len);
		t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		refused += parse_image(t, len, err) < 0;
		/* Repair the checksum: the flip must then meet the checks. */
		if (bit / 8 >= STATE_HEADER_SIZE) {
			state_header_fill(t, t + STATE_HEADER_SIZE,
					  len - STATE_HEADER_SIZE);
			refused_fixed += parse_image(t, len, err) < 0;
		}
	}
	CHECK(refused == n, "%zu of %zu bit-flipped files refused", refused, n);
	CHECK(refused_fixed > 0,
	      "with repaired checksums, %zu flips still "
	      "refused by the checks behind it (none crashed)",
	      refused_fixed);
	free(t);
	free(img);
}

static bool is_msr(const struct prop_ref *p)
{
	return strstr(p->node, "/msrs") != NULL;
}

/* Each property removed, grown and shrunk: refused, naming it. */
static void test_property_sizes(const void *fdt)
{
	static struct prop_ref props[1024];
	unsigned int n = list_props(fdt, props, 1024);
	unsigned int removed = 0, grown = 0, shrunk = 0, msrs = 0;
	char err[ERRLEN];

	for (unsigned int i = 0; i < n; i++) {
		struct prop_edit e = { .node = props[i].node,
				       .name = props[i].name,
				       .len = -1 };

		if (is_msr(&props[i])) {
			msrs++;
		} else if (parse_mutated(fdt, apply_edit, &e, err) < 0 &&
			   strstr(err, props[i].name)) {
			removed++;
		} else {
			printf("# removing %s/%s: %s\n", props[i].node,
			       props[i].name, err);
		}
		e.len = props[i].len + 4;
		if (parse_mutated(fdt, apply_edit, &e, err) < 0 &&
		    strstr(err, props[i].name))
			grown++;
		else
			printf("# growing %s/%s: %s\n", props[i].node,
			       props[i].name, err);
		e.len = props[i].len - 1;
		if (parse_mutated(fdt, apply_edit, &e, err) < 0 &&
		    strstr(err, props[i].name))
			shrunk++;
		else
			printf("# shrinking %s/%s: %s\n", props[i].node,
			       props[i].name, err);
	}
	CHECK(n > 300 && removed == n - msrs,
	      "each of %u required properties removed: %u refused, naming it",
	      n - msrs, removed);
	CHECK(grown == n, "each of %u properties grown: %u refused, naming it",
	      n, grown);
	CHECK(shrunk == n,
	      "each of %u properties shrunk: %u refused, naming it", n, shrunk);
}

/* Every validator refuses a value it should, and every type its width. */
static void test_field_values(const void *fdt)
{
	static struct prop_ref props[1024];
	unsigned int n = list_props(fdt, props, 1024);
	unsigned int tried = 0, refused = 0, wide = 0, wide_refused = 0;
	char err[ERRLEN];

	for (unsigned int i = 0; i < n; i++) {
		const struct field *f = find_field(
			snapshot_node_table(props[i].node), props[i].name);
		struct prop_edit e = { .node = props[i].node,
				       .name = props[i].name,
				       .value_edit = true };
		uint64_t v;

		if (!f || f->type >= FIELD_BYTES)
			continue;
		e.cells = cells_of(f);
		if (field_invalid_value(f, &v)) {
			e.value = v;
			tried++;
			if (parse_mutated(fdt, apply_edit, &e, err) < 0 &&
			    strstr(err, props[i].name))
				refused++;
			else
				printf("# %s/%s = 0x%llx: %s\n", props[i].node,
				       props[i].name, (unsigned long long)v,
				       err);
		}
		if (e.cells == 1 && f->type != FIELD_U32 &&
		    f->type != FIELD_U32_ARRAY) {
			e.value = 0x10000000u;
			wide++;
			if (parse_mutated(fdt, apply_edit, &e, err) < 0 &&
			    strstr(err, props[i].name) && strstr(err, "fit"))
				wide_refused++;
			else
				printf("# %s/%s too wide: %s\n", props[i].node,
				       props[i].name, err);
		}
	}
	CHECK(tried > 100 && refused == tried,
	      "%u of %u values outside a validator refused, naming the field",
	      refused, tried);
	CHECK(wide > 50 && wide_refused == wide,
	      "%u of %u values wider than their field refused", wide_refused,
	      wide);
}

struct case_def {
	const char *what;
	struct prop_edit edit;
	const char *needle;
};

static void test_cross_fields(const void *fdt)
{
	static const struct case_def cases[] = {
		{ "a ready queue outside RAM",
		  { "/devices/virtio-blk@d0000000/queue@0", "desc", 0,
		    MEM_SIZE + 0x1000, true, 2 },
		  "descriptor table outside guest RAM" },
		{ "a used ring past the end of RAM",
		  { "/devices/virtio-blk@d0000000/queue@0", "used", 0,
		    MEM_SIZE - 8, true, 2 },
		  "used ring outside guest RAM" },
		{ "a queue larger than the device allows",
		  { "/devices/virtio-blk@d0000000/queue@0", "num", 0, 512, true,
		    1 },
		  "num = 512" },
		{ "a queue size that is not a power of two",
		  { "/devices/virtio-blk@d0000000/queue@0", "num", 0, 100, true,
		    1 },
		  "power of two" },
		{ "DRIVER_OK without FEATURES_OK",
		  { "/devices/virtio-blk@d0000000", "device-status", 0, 0x7,
		    true, 1 },
		  "device-status" },
		{ "FEATURES_OK without VERSION_1",
		  { "/devices/virtio-blk@d0000000", "driver-features", 0,
		    1ull << VIRTIO_RING_F_EVENT_IDX, true, 2 },
		  "VERSION_1" },
		{ "UART data ready with an empty FIFO",
		  { "/devices/serial@3f8", "lsr", 0, 0x61, true, 1 },
		  "DR" },
		{ "a vCPU count that disagrees with the cpu nodes",
		  { "/machine", "vcpus", 0, 3, true, 1 },
		  "cpu@ nodes" },
		{ "a device count that disagrees with the device nodes",
		  { "/machine", "virtio-devices", 0, 3, true, 1 },
		  "virtio devices" },
		{ "a drive whose size is not whole sectors",
		  { "/devices/virtio-blk@d0000000/drive", "size", 0, 1000, true,
		    2 },
		  "drive/size" },
		{ "an entropy queue larger than the device allows",
		  { "/devices/virtio-rng@d0001000/queue@0", "num", 0, 128, true,
		    1 },
		  "num = 128" },
		{ "memory too small for vigil",
		  { "/machine", "memory-size", 0, 1 << 20, true, 2 },
		  "memory-size" },
		{ "a TSC rate below 1 MHz",
		  { "/machine", "tsc-khz", 0, 999, true, 1 },
		  "tsc-khz = 0x3e7" },
		{ "a TSC rate KVM_SET_TSC_KHZ cannot take",
		  { "/machine", "tsc-khz", 0, 0x80000000u, true, 1 },
		  "tsc-khz" },
		{ "kvmclock area outside RAM",
		  { "/cpus/cpu@1/msrs", "msr-4b564d01", 0, MEM_SIZE + 1, true,
		    2 },
		  "msr-4b564d01" },
		{ "a PAT entry with a reserved memory type",
		  { "/cpus/cpu@0/msrs", "msr-00000277", 0, 0x0002040600070406,
		    true, 2 },
		  "msr-00000277" },
		{ "a non-canonical LSTAR",
		  { "/cpus/cpu@0/msrs", "msr-c0000082", 0, 0x0100000000000000,
		    true, 2 },
		  "canonical" },
		{ "paging without protected mode",
		  { "/cpus/cpu@0/sregs", "cr0", 0, 0x80000010, true, 2 },
		  "cr0" },
		{ "long mode active without LME",
		  { "/cpus/cpu@0/sregs", "efer", 0, 0x400, true, 2 },
		  "efer" },
		{ "an xAPIC ID with low bits",
		  { "/cpus/cpu@1/lapic", "id", 0, 0x01000001, true, 1 },
		  "id = 0x1000001" },
		{ "x2APIC mode with the APIC disabled",
		  { "/cpus/cpu@0/sregs", "apic-base", 0, 0xfee00500, true, 2 },
		  "apic-base" },
		{ "an exception both injected and pending",
		  { "/cpus/cpu@0/events", "exception-pending", 0, 1, true, 1 },
		  "exception-injected" },
		{ "RFLAGS without its fixed bit",
		  { "/cpus/cpu@0/regs", "rflags", 0, 0x200, true, 2 },
		  "rflags" },
		{ "XCR0 without x87 state",
		  { "/cpus/cpu@0", "xcr0", 0, 2, true, 2 },
		  "xcr0" },
		{ "a PIC ELCR bit outside the chip's mask",
		  { "/irqchip/pic-master", "elcr", 0, 0x01, true, 1 },
		  "elcr" },
		{ "a format version this vigil does not read",
		  { "/", "format-version", 0, 1, true, 1 },
		  "format-version" },
	};
	char err[ERRLEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct case_def *c = &cases[i];
		int r;

		if (!strcmp(c->edit.name, "exception-pending")) {
			/* Needs exception-injected set too. */
			static const struct prop_edit inj = {
				"/cpus/cpu@0/events",
				"exception-injected",
				0,
				1,
				true,
				1
			};
			size_t cap = fdt_totalsize(fdt) + 64;
			void *two = malloc(cap);

			fdt_open_into(fdt, two, (int)cap);
			apply_edit(two, &inj);
			r = parse_mutated(two, apply_edit, &c->edit, err);
			free(two);
		} else {
			r = parse_mutated(fdt, apply_edit, &c->edit, err);
		}
		CHECK(r < 0 && strstr(err, c->needle), "%s: refused (%s)",
		      c->what, err);
	}
}

/* An unknown property on a leaf. */
static bool add_prop(void *fdt, const void *arg)
{
	(void)arg;
	return fdt_setprop_u32(fdt, fdt_path_offset(fdt, "/cpus/cpu@0/regs"),
			       "surprise", 1) == 0;
}

static bool add_node_below(void *fdt, const void *arg)
{
	return fdt_add_subnode(fdt, fdt_path_offset(fdt, arg), "surprise") >= 0;
}

/* Many subnodes below a node: MANY_NODES named prefix@N, then "surprise". */
#define MANY_NODES 1000u

struct many_nodes {
	const char *path, *prefix, *want;
};

static bool add_many_nodes(void *fdt, const void *arg)
{
	const struct many_nodes *m = arg;
	char name[48];

	for (unsigned int i = 0; i < MANY_NODES; i++) {
		snprintf(name, sizeof(name), "%s%x", m->prefix, 0x10000 + i);
		if (fdt_add_subnode(fdt, fdt_path_offset(fdt, m->path), name) <
		    0)
			return false;
	}
	return add_node_below(fdt, m->path);
}

/*
 * The name check of a node's subnodes is quadratic in their number: the
 * count is checked first, so that a crafted file with a million
 * 'cpu@N' nodes is refused at once. With a bad name among too many
 * nodes, the count is what is reported.
 */
static void test_many_subnodes(const void *fdt)
{
	static const struct many_nodes cases[] = {
		{ "/cpus", "cpu@", "/cpus: 1003 cpu@ nodes, expected 2" },
		{ "/devices", "virtio-blk@",
		  "/devices: 1004 devices, the machine has a UART and 2" },
		{ "/devices/virtio-blk@d0000000", "queue@",
		  "/devices/virtio-blk@d0000000: 1003 subnodes, the device" },
	};
	char err[ERRLEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(parse_mutated(fdt, add_many_nodes, &cases[i], err) < 0 &&
			      strstr(err, cases[i].want),
		      "%u more nodes below %s: the count is refused (%s)",
		      MANY_NODES + 1, cases[i].path, err);
}

static bool drop_node(void *fdt, const void *arg)
{
	return fdt_del_node(fdt, fdt_path_offset(fdt, arg)) == 0;
}

static void test_structure(const void *fdt)
{
	static const char *const nodes[] = {
		"/cpus/cpu@1",
		"/cpus/cpu@0/lapic",
		"/irqchip/ioapic",
		"/pit/channel@2",
		"/devices/virtio-blk@d0000000/queue@0",
		"/devices/virtio-blk@d0000000/drive",
		"/devices/virtio-rng@d0001000",
		"/clock",
	};
	static const char *const leaves[] = {
		"/cpus/cpu@0/regs", "/cpus/cpu@0/sregs/cs",
		"/irqchip/ioapic",  "/pit/channel@2",
		"/clock",
	};
	char err[ERRLEN];

	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		char want[96];

		snprintf(want, sizeof(want), "%s: unknown node 'surprise'",
			 leaves[i]);
		CHECK(parse_mutated(fdt, add_node_below, leaves[i], err) < 0 &&
			      strstr(err, want),
		      "a node below the leaf %s is refused, named (%s)",
		      leaves[i], err);
	}
	CHECK(parse_mutated(fdt, add_prop, NULL, err) < 0 &&
		      strstr(err, "surprise"),
	      "an unknown property is refused (%s)", err);
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		CHECK(parse_mutated(fdt, drop_node, nodes[i], err) < 0,
		      "without %s: refused (%s)", nodes[i], err);
}

/* The struct-block offset of the tree's first property tag, or -1. */
static int first_prop_tag(const void *fdt)
{
	int offset, next = 0;
	uint32_t tag;

	do {
		offset = next;
		tag = fdt_next_tag(fdt, offset, &next);
		if (tag == FDT_PROP)
			return offset;
	} while (tag != FDT_END && next > offset);
	return -1;
}

/*
 * libfdt 1.6.1 adds a property's length to an int offset: a length of
 * 0xfffffff4 takes the next tag back onto this one, and fdt_check_full()
 * then walks it forever (a hang fuzz_snapshot found). The parse runs in a
 * child under alarm() so that a regression fails here instead of hanging.
 */
static void test_tag_walk_wraps(const void *fdt)
{
	size_t len;
	uint8_t *img;
	void *copy = malloc(fdt_totalsize(fdt));
	int prop, status = 0;
	char err[ERRLEN] = "";
	pid_t pid;

	memcpy(copy, fdt, fdt_totalsize(fdt));
	prop = first_prop_tag(copy);
	if (!CHECK(prop >= 0, "the tree has a property to damage"))
		goto out;
	/* struct fdt_property: tag, len, nameoff */
	fdt32_st((uint8_t *)copy + fdt_off_dt_struct(copy) + prop + 4,
		 0xfffffff4u);
	img = wrap(copy, &len);
	pid = fork();
	if (pid == 0) {
		bool refused;

		alarm(10);
		refused = parse_image(img, len, err) < 0 &&
			  strstr(err, "device tree");
		/* The child's copies too: valgrind checks its leaks at exit. */
		free(img);
		free(copy);
		_exit(refused ? 0 : 1);
	}
	free(img);
	if (pid > 0)
		waitpid(pid, &status, 0);
	CHECK(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "a property length that walks the tags backwards is refused "
	      "(child %s %d)",
	      WIFSIGNALED(status) ? "killed by signal" : "exit status",
	      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
out:
	free(copy);
}

static void test_save_refuses_bad_state(void)
{
	struct snapshot *s = make_snapshot();
	char err[ERRLEN] = "";
	void *fdt = NULL;

	s->cpus[1].lapic.tpr = 0x100;
	CHECK(snapshot_encode(s, &fdt, err, sizeof(err)) < 0 &&
		      strstr(err, "/cpus/cpu@1/lapic/tpr"),
	      "saving refuses a value its validator would refuse (%s)", err);
	free(fdt);
	free_snapshot(s);
}

/* docs/snapshot-format.md names every property of every table. */
static void test_documented(const void *fdt, const char *doc_path)
{
	FILE *f = fopen(doc_path, "r");
	static char doc[1 << 17];
	size_t len = f ? fread(doc, 1, sizeof(doc) - 1, f) : 0;
	unsigned int missing = 0, fields = 0;
	int node = 0, depth = 0;

	if (f)
		fclose(f);
	doc[len] = '\0';
	for (; node >= 0 && depth >= 0;
	     node = fdt_next_node(fdt, node, &depth)) {
		const struct field_table *t;
		char path[96], quoted[72];

		fdt_get_path(fdt, node, path, sizeof(path));
		t = snapshot_node_table(path);
		for (unsigned int i = 0; t && i < t->nr_fields; i++) {
			snprintf(quoted, sizeof(quoted), "`%s`",
				 t->fields[i].name);
			fields++;
			if (!strstr(doc, quoted)) {
				printf("# %s/%s is not documented\n", path,
				       t->fields[i].name);
				missing++;
			}
		}
	}
	CHECK(len > 0 && missing == 0,
	      "%s names all %u properties (%u missing)", doc_path, fields,
	      missing);
}

/*
 * A KVM without XCRS (a host CPU without XSAVE, like the nested test host)
 * restores a snapshot whose XCR0 is x87 only, and refuses one that needs
 * more, by name.
 */
/* A host that takes c's XSAVE size and MSRs, with or without XCRS. */
static void make_host(const struct cpu_snapshot *c, bool xcrs,
		      struct cpu_host *host)
{
	memset(host, 0, sizeof(*host));
	host->usable = true;
	host->xcrs = xcrs;
	host->xsave_size = c->xsave_len;
	host->nr_msrs = c->nr_msrs;
	for (uint32_t i = 0; i < c->nr_msrs; i++)
		host->msrs[i] = c->msrs[i].index;
}

static void test_host_without_xcrs(void)
{
	struct cpu_snapshot c;
	struct cpu_host host;
	char err[ERRLEN] = "";

	make_cpu(&c, 0);
	make_host(&c, false, &host);
	c.xcr0 = 1;
	CHECK(cpu_state_check_host(&c, 0, &host, err, sizeof(err)) == 0,
	      "a host without XCRS takes XCR0 = x87 (%s)", err);
	c.xcr0 = 7;
	CHECK(cpu_state_check_host(&c, 0, &host, err, sizeof(err)) < 0 &&
		      strstr(err, "/cpus/cpu@0/xcr0: 0x7"),
	      "a host without XCRS refuses XCR0 = 0x7 (%s)", err);
	host.xcrs = true;
	err[0] = '\0';
	CHECK(cpu_state_check_host(&c, 0, &host, err, sizeof(err)) == 0,
	      "a host with XCRS takes XCR0 = 0x7 (%s)", err);
}

/*
 * Without XSAVE, KVM holds only the legacy FXSAVE region: XSTATE_BV x87|SSE
 * (as its KVM_GET_XSAVE reports) goes both ways; AVX state, or a guest that
 * enabled XSAVE (CR4.OSXSAVE), is refused by name on such a host even when
 * XCR0 is x87 only.
 */
static void test_host_without_xsave_state(void)
{
	struct cpu_snapshot c;
	struct cpu_host host;
	char err[ERRLEN] = "";

	make_cpu(&c, 0);
	c.xsave[XSTATE_BV_OFF] = 3;
	make_host(&c, false, &host);
	CHECK(cpu_state_check_host(&c, 0, &host, err, sizeof(err)) == 0,
	      "a host without XCRS takes XSTATE_BV x87|SSE (%s)", err);
	make_host(&c, true, &host);
	CHECK(cpu_state_check_host(&c, 0, &host, err, sizeof(err)) == 0,
	      "a host with XCRS takes a snapshot from one without (%s)", err);
	c.xsave[XSTATE_BV_OFF] = 7;
	make_host(&c, false, &host);
	CHECK(cpu_state_check_host(&c, 0, &host, err, sizeof(err)) < 0 &&
		      strstr(err, "/cpus/cpu@0/xsave: 0x7 (XSTATE_BV"),
	      "a host without XCRS refuses XSTATE_BV 0x7 (%s)", err);
	c.xsave[XSTATE_BV_OFF] = 3;
	c.sregs.cr4 |= 1u << 18;
	CHECK(cpu_state_check_host(&c, 0, &host, err, sizeof(err)) < 0 &&
		      strstr(err, "/cpus/cpu@0/sregs/cr4: 0x40020 (XSAVE"),
	      "a host without XCRS refuses CR4.OSXSAVE (%s)", err);
	make_host(&c, true, &host);
	err[0] = '\0';
	CHECK(cpu_state_check_host(&c, 0, &host, err, sizeof(err)) == 0,
	      "a host with XCRS takes CR4.OSXSAVE (%s)", err);
}

int main(int argc, char **argv)
{
	struct snapshot *s = make_snapshot();
	char err[ERRLEN] = "";
	void *fdt = NULL;
	int r = snapshot_encode(s, &fdt, err, sizeof(err));

	if (!CHECK(r == 0, "a good snapshot encodes (%s)", err))
		return tap_done();
	test_round_trip(s, fdt);
	test_every_field_has_a_validator(fdt);
	test_header(fdt);
	test_versions(fdt);
	test_truncations(fdt);
	test_bit_flips(fdt);
	test_property_sizes(fdt);
	test_field_values(fdt);
	test_cross_fields(fdt);
	test_structure(fdt);
	test_many_subnodes(fdt);
	test_tag_walk_wraps(fdt);
	test_save_refuses_bad_state();
	test_host_without_xcrs();
	test_host_without_xsave_state();
	if (argc > 1)
		test_documented(fdt, argv[1]);
	free(fdt);
	free_snapshot(s);
	return tap_done();
}
