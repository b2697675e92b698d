// SPDX-License-Identifier: GPL-2.0-only
/*
 * Snapshots of the whole machine: what goes in the state file, in which
 * order it is checked, and how a machine is saved and rebuilt.
 *
 * The tree:
 *   / { compatible = "vigil,snapshot"; format-version;
 *       machine { memory-size; vcpus; drives; drive@N { backend; size } }
 *       cpus { cpu@N {...} }            (cpu_state.h)
 *       irqchip {...} pit {...} clock {...}   (vm_state.h)
 *       devices { serial@3f8 {...} virtio-blk@ADDR {...} } }
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

#include "migration/memory_file.h"
#include "migration/state_file.h"
#include "vmm/machine.h"
#include "vmm/read_file.h"

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

static const struct field machine_fields[] = {
	FIELD_U64("memory-size", struct snap_machine, mem_size,
		  CHECK_FN(check_mem_size)),
	FIELD_U32("vcpus", struct snap_machine, nr_cpus,
		  CHECK_RANGE(1, MACHINE_MAX_CPUS)),
	FIELD_U32("drives", struct snap_machine, nr_drives,
		  CHECK_RANGE(0, VIRTIO_MMIO_MAX)),
};

static const struct field_table machine_table =
	FIELD_TABLE("machine", machine_fields, NULL);

int snapshot_check_host(const struct machine *m, char *err, size_t errlen)
{
	if (m->cpu_host.usable)
		return 0;
	snprintf(err, errlen, "this host's KVM lacks %s, which snapshots need",
		 m->cpu_host.missing);
	return -ENOTSUP;
}

void snapshot_cpu_path(unsigned int cpu, char *buf, size_t len)
{
	snprintf(buf, len, "/cpus/cpu@%u", cpu);
}

void snapshot_blk_path(unsigned int index, char *buf, size_t len)
{
	snprintf(buf, len, "/devices/virtio-blk@%llx",
		 VIRTIO_MMIO_BASE + index * VIRTIO_MMIO_SIZE);
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
	if (machine_add_ram_regions(&l->gm, l->hva, size) < 0) {
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
		{ "/machine/drive@*", &drive_snap_table },
		{ "/devices/serial@*", &serial_snap_table },
		{ "/devices/virtio-blk@*", &virtio_snap_table },
		{ "/devices/virtio-blk@*/queue@*", &virtq_snap_table },
	};
	char pattern[64];

	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (path_matches(nodes[i].pattern, path))
			return nodes[i].table;
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
	int r = fields_begin_node(fdt, "/machine", err, errlen);

	if (r == 0)
		r = fields_save(fdt, "/machine", &machine_table, &s->machine,
				NULL, err, errlen);
	for (uint32_t i = 0; r == 0 && i < s->machine.nr_drives; i++) {
		char path[40];

		snprintf(path, sizeof(path), "/machine/drive@%u", i);
		r = drive_snap_save(fdt, path, &s->drives[i], err, errlen);
	}
	if (r == 0)
		r = fields_end_node(fdt, "/machine", err, errlen);
	return r;
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

static int encode_devices(void *fdt, const struct snapshot *s,
			  const struct snap_ctx *ctx, char *err, size_t errlen)
{
	int r = fields_begin_node(fdt, "/devices", err, errlen);

	if (r == 0)
		r = serial_snap_save(fdt, "/devices/serial@3f8", &s->serial,
				     err, errlen);
	for (uint32_t i = 0; r == 0 && i < s->machine.nr_drives; i++) {
		char path[48];

		snapshot_blk_path(i, path, sizeof(path));
		r = virtio_snap_save(fdt, path, &s->blk[i],
				     VIRTIO_BLK_NUM_QUEUES,
				     VIRTIO_BLK_QUEUE_SIZE, ctx, err, errlen);
	}
	if (r == 0)
		r = fields_end_node(fdt, "/devices", err, errlen);
	return r;
}

static size_t encode_size(const struct snapshot *s)
{
	size_t per_cpu = CPU_XSAVE_MAX + (64u << 10);

	return ((size_t)256 << 10) + s->machine.nr_cpus * per_cpu +
	       s->machine.nr_drives *
		       ((size_t)BLOCK_DESC_MAX + ((size_t)8 << 10));
}

/* Everything inside the root node, in the order docs/ describes. */
static int encode_tree(void *fdt, const struct snapshot *s,
		       const struct snap_ctx *ctx, char *err, size_t errlen)
{
	int r = fields_save(fdt, "/", &root_table, &s->root, NULL, err, errlen);

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
	uint32_t count = 0;
	int child, r;

	r = fdt_check_subnodes(fdt, node, path, allowed, 1, err, errlen);
	if (r < 0)
		return r;
	fdt_for_each_subnode(child, fdt, node)
		count++;
	if (count != n) {
		snprintf(err, errlen, "%s: %u %s nodes, expected %u", path,
			 count, prefix, n);
		return -EINVAL;
	}
	return 0;
}

static int decode_machine(const void *fdt, struct snapshot *s, char *err,
			  size_t errlen)
{
	int node = fdt_require_subnode(fdt, 0, "", "machine", err, errlen);
	int r = node < 0 ? node :
			   fields_load(fdt, node, "/machine", &machine_table,
				       &s->machine, NULL, err, errlen);

	if (r == 0)
		r = check_numbered(fdt, node, "/machine", "drive@",
				   s->machine.nr_drives, err, errlen);
	for (uint32_t i = 0; r == 0 && i < s->machine.nr_drives; i++) {
		char name[24], path[40];
		int d;

		snprintf(name, sizeof(name), "drive@%u", i);
		snprintf(path, sizeof(path), "/machine/%s", name);
		d = fdt_require_subnode(fdt, node, "/machine", name, err,
					errlen);
		r = d < 0 ? d :
			    drive_snap_load(fdt, d, path, &s->drives[i], err,
					    errlen);
	}
	return r;
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

static int decode_devices(const void *fdt, struct snapshot *s,
			  const struct snap_ctx *ctx, char *err, size_t errlen)
{
	static const char *const subs[] = { "serial@3f8", "virtio-blk@" };
	int devs = fdt_require_subnode(fdt, 0, "", "devices", err, errlen);
	int node, child, r;
	uint32_t count = 0;

	r = devs < 0 ? devs :
		       fdt_check_subnodes(fdt, devs, "/devices", subs, 2, err,
					  errlen);
	if (r < 0)
		return r;
	fdt_for_each_subnode(child, fdt, devs)
		count++;
	if (count != 1 + s->machine.nr_drives) {
		snprintf(err, errlen,
			 "/devices: %u devices, the machine has "
			 "a UART and %u drives",
			 count, s->machine.nr_drives);
		return -EINVAL;
	}
	node = fdt_require_subnode(fdt, devs, "/devices", "serial@3f8", err,
				   errlen);
	r = node < 0 ? node :
		       serial_snap_load(fdt, node, "/devices/serial@3f8",
					&s->serial, err, errlen);
	for (uint32_t i = 0; r == 0 && i < s->machine.nr_drives; i++) {
		char path[48];

		snapshot_blk_path(i, path, sizeof(path));
		node = fdt_require_subnode(fdt, devs, "/devices", leaf(path),
					   err, errlen);
		r = node < 0 ? node :
			       virtio_snap_load(fdt, node, path, &s->blk[i],
						VIRTIO_BLK_NUM_QUEUES,
						VIRTIO_BLK_QUEUE_SIZE, ctx, err,
						errlen);
	}
	return r;
}

static int decode_root(const void *fdt, struct snapshot *s, char *err,
		       size_t errlen)
{
	static const char *const subs[] = {
		"machine", "cpus", "irqchip", "pit", "clock", "devices",
	};
	int r = fdt_check_subnodes(fdt, 0, "/", subs, 6, err, errlen);

	if (r == 0)
		r = fields_load(fdt, 0, "/", &root_table, &s->root, NULL, err,
				errlen);
	return r;
}

int snapshot_parse(const void *buf, size_t len, struct snapshot *s, char *err,
		   size_t errlen)
{
	struct ram_layout layout = { 0 };
	struct snap_ctx ctx = { 0 };
	const void *fdt;
	int r;

	memset(s, 0, sizeof(*s));
	r = state_file_check(buf, len, &fdt, err, errlen);
	if (r == 0)
		r = decode_root(fdt, s, err, errlen);
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
}
