// SPDX-License-Identifier: GPL-2.0-only
/*
 * Snapshots of the whole machine: what goes in the state file and in which
 * order it is checked.
 *
 * The tree:
 *   / { compatible = "vigil,snapshot"; format-version;
 *       machine { memory-size; vcpus; virtio-devices }
 *       cpus { cpu@N {...} }            (cpu_state.h)
 *       irqchip {...} pit {...} clock {...}   (vm_state.h)
 *       devices { serial@3f8 {...}
 *                 virtio-KIND@ADDR { ...; queue@N {...}; [NODE {...}] } } }
 * with one virtio-KIND node per slot, KIND the kind's name ("blk") and
 * NODE the kind's own state (virtio_kind_snap: "drive").
 */
#include "migration/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/read_file.h"
#include "migration/memory_file.h"
#include "migration/state_file.h"

/* ---- root and machine tables ------------------------------------------ */

static const char *check_compatible(const void *p, size_t len)
{
	(void)len;
	return strcmp(p, SNAPSHOT_COMPATIBLE) ? "not \"" SNAPSHOT_COMPATIBLE
						"\"" :
						NULL;
}

static const struct field root_fields[] = {
	FIELD_STRING("compatible", struct snap_root, compatible,
		     CHECK_FN(check_compatible)),
	FIELD_U32("format-version", struct snap_root, format_version,
		  CHECK_RANGE(STATE_FORMAT_MIN, STATE_FORMAT_MAX)),
};

static const struct field_table root_table =
	FIELD_TABLE("snapshot", root_fields, NULL);

static const char *check_mem_size(const void *p, size_t len)
{
	uint64_t v;

	(void)len;
	memcpy(&v, p, sizeof(v));
	if (v < MACHINE_MIN_MEM || v > MACHINE_MAX_MEM)
		return "outside the sizes vigil supports (32 MiB to 1 TiB)";
	return (v % MEMORY_FILE_PAGE) ? "not a whole number of pages" : NULL;
}

/*
 * 0 when KVM did not say. Otherwise what KVM_GET_TSC_KHZ gives, which
 * returns the rate as a positive int, and which no CPU vigil runs on puts
 * below 1 MHz; whether KVM can run the guest at that rate is KVM's to say
 * at restore.
 */
static const char *check_tsc_khz(const void *p, size_t len)
{
	uint32_t v;

	(void)len;
	memcpy(&v, p, sizeof(v));
	return v != 0 && (v < TSC_KHZ_MIN || v > INT32_MAX) ?
		       "neither 0 nor 1000 to 2147483647 kHz" :
		       NULL;
}

static const struct field machine_fields[] = {
	FIELD_U64("memory-size", struct snap_machine, mem_size,
		  CHECK_FN(check_mem_size)),
	FIELD_U32("vcpus", struct snap_machine, nr_cpus,
		  CHECK_RANGE(1, MACHINE_MAX_CPUS)),
	FIELD_U32("virtio-devices", struct snap_machine, nr_slots,
		  CHECK_RANGE(0, VIRTIO_MMIO_MAX)),
	/* From version 3 on: keep it last (machine_table_v2). */
	FIELD_U32("tsc-khz", struct snap_machine, tsc_khz,
		  CHECK_FN(check_tsc_khz)),
};

static const struct field_table machine_table =
	FIELD_TABLE("machine", machine_fields, NULL);
/* Version 2: the same fields but tsc-khz. */
static const struct field_table machine_table_v2 = {
	.name = "machine",
	.fields = machine_fields,
	.nr_fields = sizeof(machine_fields) / sizeof(machine_fields[0]) - 1,
};

void snapshot_cpu_path(unsigned int cpu, char *buf, size_t len)
{
	snprintf(buf, len, "/cpus/cpu@%u", cpu);
}

void snapshot_slot_path(const struct virtio_kind *kind, unsigned int index,
			char *buf, size_t len)
{
	snprintf(buf, len, "/devices/virtio-%s@%llx", kind->name,
		 (unsigned long long)virtio_slot_window(index));
}

int snapshot_slot_init(struct snapshot *s, unsigned int i,
		       const struct virtio_kind *kind)
{
	struct slot_snapshot *slot = &s->slots[i];

	slot->kind = kind;
	if (!kind->snap || !kind->snap->node)
		return 0;
	slot->state = calloc(1, kind->snap->size);
	return slot->state ? 0 : -ENOMEM;
}

/* The last path component. */
static const char *leaf(const char *path)
{
	return strrchr(path, '/') + 1;
}

/*
 * The RAM layout of a machine with mem_size bytes, for range checks only:
 * backed by an inaccessible reservation, so a stray access would fault.
 */
struct ram_layout {
	struct guest_mem gm;
	void *hva;
	uint64_t size;
};

static int layout_init(struct ram_layout *l, uint64_t size, char *err,
		       size_t errlen)
{
	l->size = size;
	l->hva = mmap(NULL, size, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (l->hva == MAP_FAILED) {
		l->hva = NULL;
		snprintf(err, errlen, "memory layout: %s", strerror(errno));
		return -ENOMEM;
	}
	gm_init(&l->gm);
	if (layout_add_ram(&l->gm, l->hva, size) < 0) {
		snprintf(err, errlen,
			 "memory layout: cannot describe %llu "
			 "bytes",
			 (unsigned long long)size);
		return -EINVAL;
	}
	return 0;
}

static void layout_destroy(struct ram_layout *l)
{
	if (l->hva)
		munmap(l->hva, l->size);
	l->hva = NULL;
}

/* ---- which table describes which node ---------------------------------- */

/* '*' matches a unit address: one or more hex digits. */
static bool path_matches(const char *pattern, const char *path)
{
	while (*pattern) {
		if (*pattern == '*') {
			const char *start = path;

			while ((*path >= '0' && *path <= '9') ||
			       (*path >= 'a' && *path <= 'f'))
				path++;
			if (path == start)
				return false;
			pattern++;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return *path == '\0';
}

const struct field_table *snapshot_node_table(const char *path)
{
	static const struct {
		const char *pattern;
		const struct field_table *table;
	} nodes[] = {
		{ "/", &root_table },
		{ "/machine", &machine_table },
		{ "/devices/serial@*", &serial_snap_table },
	};
	char pattern[64];

	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (path_matches(nodes[i].pattern, path))
			return nodes[i].table;
	for (unsigned int i = 0; virtio_kinds[i]; i++) {
		const struct virtio_kind_snap *snap = virtio_kinds[i]->snap;

		snprintf(pattern, sizeof(pattern), "/devices/virtio-%s@*",
			 virtio_kinds[i]->name);
		if (path_matches(pattern, path))
			return &virtio_snap_table;
		snprintf(pattern, sizeof(pattern),
			 "/devices/virtio-%s@*/queue@*", virtio_kinds[i]->name);
		if (path_matches(pattern, path))
			return &virtq_snap_table;
		if (!snap || !snap->node)
			continue;
		snprintf(pattern, sizeof(pattern), "/devices/virtio-%s@*/%s",
			 virtio_kinds[i]->name, snap->node);
		if (path_matches(pattern, path))
			return snap->table;
	}
	for (unsigned int i = 0; i < vm_nr_tables; i++)
		if (!strcmp(vm_tables[i].node, path))
			return vm_tables[i].table;
	for (unsigned int i = 0; i < cpu_nr_tables; i++) {
		snprintf(pattern, sizeof(pattern), "/cpus/cpu@*%s%s",
			 cpu_tables[i].node[0] ? "/" : "", cpu_tables[i].node);
		if (path_matches(pattern, path))
			return cpu_tables[i].table;
	}
	return NULL;
}

/* ---- encoding ---------------------------------------------------------- */

static int encode_machine(void *fdt, const struct snapshot *s, char *err,
			  size_t errlen)
{
	return fields_save_node(fdt, "/machine", &machine_table, &s->machine,
				NULL, err, errlen);
}

static int encode_cpus(void *fdt, const struct snapshot *s,
		       const struct snap_ctx *ctx, char *err, size_t errlen)
{
	int r = fields_begin_node(fdt, "/cpus", err, errlen);

	for (uint32_t i = 0; r == 0 && i < s->machine.nr_cpus; i++) {
		struct snap_ctx c = *ctx;
		char path[32];

		c.cpu = i;
		snapshot_cpu_path(i, path, sizeof(path));
		r = fields_begin_node(fdt, path, err, errlen);
		if (r == 0)
			r = cpu_state_save(fdt, path, &s->cpus[i], &c, err,
					   errlen);
		if (r == 0)
			r = fields_end_node(fdt, path, err, errlen);
	}
	if (r == 0)
		r = fields_end_node(fdt, "/cpus", err, errlen);
	return r;
}

/* A slot's node: the transport, its queues, the kind's own state. */
static int encode_slot(void *fdt, const struct snapshot *s, unsigned int i,
		       const struct snap_ctx *ctx, char *err, size_t errlen)
{
	const struct slot_snapshot *slot = &s->slots[i];
	const struct virtio_kind *kind = slot->kind;
	const struct virtio_kind_snap *snap = kind->snap;
	char path[48], sub[64];
	int r;

	snapshot_slot_path(kind, i, path, sizeof(path));
	r = fields_begin_node(fdt, path, err, errlen);
	if (r == 0)
		r = virtio_snap_save(fdt, path, &slot->mmio,
				     kind->ops->num_queues,
				     kind->ops->queue_num_max, ctx, err,
				     errlen);
	if (r == 0 && snap && snap->node) {
		snprintf(sub, sizeof(sub), "%s/%s", path, snap->node);
		r = fields_save_node(fdt, sub, snap->table, slot->state, NULL,
				     err, errlen);
	}
	if (r == 0)
		r = fields_end_node(fdt, path, err, errlen);
	return r;
}

static int encode_devices(void *fdt, const struct snapshot *s,
			  const struct snap_ctx *ctx, char *err, size_t errlen)
{
	int r = fields_begin_node(fdt, "/devices", err, errlen);

	if (r == 0)
		r = serial_snap_save(fdt, "/devices/serial@3f8", &s->serial,
				     err, errlen);
	for (uint32_t i = 0; r == 0 && i < s->machine.nr_slots; i++)
		r = encode_slot(fdt, s, i, ctx, err, errlen);
	if (r == 0)
		r = fields_end_node(fdt, "/devices", err, errlen);
	return r;
}

static size_t encode_size(const struct snapshot *s)
{
	size_t per_cpu = CPU_XSAVE_MAX + (64u << 10);

	size_t slots = 0;

	for (uint32_t i = 0; i < s->machine.nr_slots; i++)
		slots += ((size_t)8 << 10) +
			 (s->slots[i].kind->snap ?
				  s->slots[i].kind->snap->size :
				  0);
	return ((size_t)256 << 10) + s->machine.nr_cpus * per_cpu + slots;
}

/* Everything inside the root node, in the order docs/ describes. */
static int encode_tree(void *fdt, const struct snapshot *s,
		       const struct snap_ctx *ctx, char *err, size_t errlen)
{
	/* Written in this vigil's version, whichever s was read from. */
	struct snap_root root = s->root;
	int r;

	root.format_version = STATE_FORMAT_VERSION;
	r = fields_save(fdt, "/", &root_table, &root, NULL, err, errlen);

	if (r == 0)
		r = encode_machine(fdt, s, err, errlen);
	if (r == 0)
		r = encode_cpus(fdt, s, ctx, err, errlen);
	if (r == 0)
		r = vm_state_save(fdt, &s->vm, err, errlen);
	if (r == 0)
		r = encode_devices(fdt, s, ctx, err, errlen);
	return r;
}

int snapshot_encode(const struct snapshot *s, void **out, char *err,
		    size_t errlen)
{
	struct ram_layout layout = { 0 };
	struct snap_ctx ctx = { 0 };
	size_t size = encode_size(s);
	void *fdt = malloc(size);
	int r;

	*out = NULL;
	if (!fdt) {
		snprintf(err, errlen, "state: out of memory");
		return -ENOMEM;
	}
	r = layout_init(&layout, s->machine.mem_size, err, errlen);
	ctx.ram = &layout.gm;
	if (r == 0 && (fdt_create(fdt, (int)size) ||
		       fdt_finish_reservemap(fdt) || fdt_begin_node(fdt, ""))) {
		snprintf(err, errlen, "state: cannot create the tree");
		r = -ENOMEM;
	}
	if (r == 0)
		r = encode_tree(fdt, s, &ctx, err, errlen);
	if (r == 0 && (fdt_end_node(fdt) || fdt_finish(fdt))) {
		snprintf(err, errlen, "state: cannot finish the tree");
		r = -ENOSPC;
	}
	layout_destroy(&layout);
	if (r < 0) {
		free(fdt);
		return r;
	}
	*out = fdt;
	return 0;
}

/* ---- decoding ---------------------------------------------------------- */

/* Exactly n subnodes, named prefix@0 .. prefix@(n-1). */
static int check_numbered(const void *fdt, int node, const char *path,
			  const char *prefix, uint32_t n, char *err,
			  size_t errlen)
{
	const char *allowed[] = { prefix };
	unsigned int count = fdt_count_subnodes(fdt, node);

	/* The count first: the name check is quadratic in it. */
	if (count != n) {
		snprintf(err, errlen, "%s: %u %s nodes, expected %u", path,
			 count, prefix, n);
		return -EINVAL;
	}
	return fdt_check_subnodes(fdt, node, path, allowed, 1, err, errlen);
}

static int decode_machine(const void *fdt, struct snapshot *s, char *err,
			  size_t errlen)
{
	int node = fdt_require_subnode(fdt, 0, "", "machine", err, errlen);

	if (node < 0)
		return node;
	if (fdt_check_leaf(fdt, node, "/machine", err, errlen) < 0)
		return -EINVAL;
	return fields_load(fdt, node, "/machine",
			   s->root.format_version == 2 ? &machine_table_v2 :
							 &machine_table,
			   &s->machine, NULL, err, errlen);
}

static int decode_cpus(const void *fdt, struct snapshot *s,
		       const struct snap_ctx *ctx, char *err, size_t errlen)
{
	int cpus = fdt_require_subnode(fdt, 0, "", "cpus", err, errlen);
	int r = cpus < 0 ? cpus :
			   check_numbered(fdt, cpus, "/cpus", "cpu@",
					  s->machine.nr_cpus, err, errlen);

	if (r == 0 && fdt_first_property_offset(fdt, cpus) >= 0) {
		snprintf(err, errlen, "/cpus: unexpected property");
		r = -EINVAL;
	}
	if (r < 0)
		return r;
	s->cpus = calloc(s->machine.nr_cpus, sizeof(*s->cpus));
	if (!s->cpus) {
		snprintf(err, errlen, "state: out of memory for %u vCPUs",
			 s->machine.nr_cpus);
		return -ENOMEM;
	}
	for (uint32_t i = 0; r == 0 && i < s->machine.nr_cpus; i++) {
		struct snap_ctx c = *ctx;
		char path[32];
		int node;

		c.cpu = i;
		snapshot_cpu_path(i, path, sizeof(path));
		node = fdt_require_subnode(fdt, cpus, "/cpus", leaf(path), err,
					   errlen);
		r = node < 0 ? node :
			       cpu_state_load(fdt, node, path, &s->cpus[i], &c,
					      err, errlen);
	}
	return r;
}

/*
 * Slot i's node in /devices: virtio-KIND@ADDR for exactly one known KIND,
 * ADDR the slot's window. Sets *kind; returns the node or -EINVAL.
 */
static int find_slot_node(const void *fdt, int devs, unsigned int i,
			  const struct virtio_kind **kind, char *err,
			  size_t errlen)
{
	char path[48];

	for (unsigned int k = 0; virtio_kinds[k]; k++) {
		int node;

		snapshot_slot_path(virtio_kinds[k], i, path, sizeof(path));
		node = fdt_subnode_offset(fdt, devs, leaf(path));
		if (node >= 0) {
			*kind = virtio_kinds[k];
			return node;
		}
	}
	snprintf(err, errlen,
		 "/devices: no virtio-KIND@%llx node for virtio device %u "
		 "of a known kind",
		 (unsigned long long)virtio_slot_window(i), i);
	return -EINVAL;
}

static int decode_slot(const void *fdt, int devs, struct snapshot *s,
		       unsigned int i, const struct snap_ctx *ctx, char *err,
		       size_t errlen)
{
	const struct virtio_kind_snap *snap;
	const struct virtio_kind *kind;
	char path[48], sub[64];
	int node = find_slot_node(fdt, devs, i, &kind, err, errlen);
	int r = node < 0 ? node : snapshot_slot_init(s, i, kind);

	if (r == -ENOMEM)
		snprintf(err, errlen, "state: out of memory");
	if (r < 0)
		return r;
	snap = kind->snap;
	if (!snap) {
		snprintf(err, errlen, "/devices: virtio-%s: not in snapshots",
			 kind->name);
		return -EINVAL;
	}
	snapshot_slot_path(kind, i, path, sizeof(path));
	r = virtio_snap_load(fdt, node, path, &s->slots[i].mmio,
			     kind->ops->num_queues, kind->ops->queue_num_max,
			     snap->node, ctx, err, errlen);
	if (r < 0 || !snap->node)
		return r;
	snprintf(sub, sizeof(sub), "%s/%s", path, snap->node);
	node = fdt_require_subnode(fdt, node, path, snap->node, err, errlen);
	if (node < 0)
		return node;
	if (fdt_check_leaf(fdt, node, sub, err, errlen) < 0)
		return -EINVAL;
	return fields_load(fdt, node, sub, snap->table, s->slots[i].state, NULL,
			   err, errlen);
}

#define MAX_KINDS 8

static int decode_devices(const void *fdt, struct snapshot *s,
			  const struct snap_ctx *ctx, char *err, size_t errlen)
{
	const char *subs[1 + MAX_KINDS] = { "serial@3f8" };
	char names[MAX_KINDS][32];
	int devs = fdt_require_subnode(fdt, 0, "", "devices", err, errlen);
	unsigned int n = 0, count;
	int node, r;

	for (; n < MAX_KINDS && virtio_kinds[n]; n++) {
		snprintf(names[n], sizeof(names[n]), "virtio-%s@",
			 virtio_kinds[n]->name);
		subs[1 + n] = names[n];
	}
	if (devs < 0)
		return devs;
	/* The count first: the name check is quadratic in it. */
	count = fdt_count_subnodes(fdt, devs);
	if (count != 1 + s->machine.nr_slots) {
		snprintf(err, errlen,
			 "/devices: %u devices, the machine has a UART and %u "
			 "virtio devices",
			 count, s->machine.nr_slots);
		return -EINVAL;
	}
	r = fdt_check_subnodes(fdt, devs, "/devices", subs, 1 + n, err, errlen);
	if (r < 0)
		return r;
	node = fdt_require_subnode(fdt, devs, "/devices", "serial@3f8", err,
				   errlen);
	r = node < 0 ? node :
		       serial_snap_load(fdt, node, "/devices/serial@3f8",
					&s->serial, err, errlen);
	for (uint32_t i = 0; r == 0 && i < s->machine.nr_slots; i++)
		r = decode_slot(fdt, devs, s, i, ctx, err, errlen);
	return r;
}

/* version: the header's, which the root's format-version must repeat. */
static int decode_root(const void *fdt, uint32_t version, struct snapshot *s,
		       char *err, size_t errlen)
{
	static const char *const subs[] = {
		"machine", "cpus", "irqchip", "pit", "clock", "devices",
	};
	int r = fdt_check_subnodes(fdt, 0, "/", subs, 6, err, errlen);

	if (r == 0)
		r = fields_load(fdt, 0, "/", &root_table, &s->root, NULL, err,
				errlen);
	/* The layout below follows the version: both must say the same. */
	if (r == 0 && s->root.format_version != version) {
		snprintf(err, errlen,
			 "/format-version: %u, the header says version %u",
			 s->root.format_version, version);
		r = -EINVAL;
	}
	return r;
}

int snapshot_parse(const void *buf, size_t len, struct snapshot *s, char *err,
		   size_t errlen)
{
	struct ram_layout layout = { 0 };
	struct snap_ctx ctx = { 0 };
	const void *fdt;
	uint32_t version;
	int r;

	memset(s, 0, sizeof(*s));
	r = state_file_check(buf, len, &fdt, &version, err, errlen);
	if (r == 0)
		r = decode_root(fdt, version, s, err, errlen);
	if (r == 0)
		r = decode_machine(fdt, s, err, errlen);
	/* From here on addresses are checked against the machine's RAM. */
	if (r == 0)
		r = layout_init(&layout, s->machine.mem_size, err, errlen);
	ctx.ram = &layout.gm;
	if (r == 0)
		r = decode_cpus(fdt, s, &ctx, err, errlen);
	if (r == 0)
		r = vm_state_load(fdt, 0, &s->vm, err, errlen);
	if (r == 0)
		r = decode_devices(fdt, s, &ctx, err, errlen);
	layout_destroy(&layout);
	return r;
}

void snapshot_free(struct snapshot *s)
{
	free(s->cpus);
	s->cpus = NULL;
	for (unsigned int i = 0; i < VIRTIO_MMIO_MAX; i++) {
		free(s->slots[i].state);
		s->slots[i].state = NULL;
	}
}
