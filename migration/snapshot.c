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

#define MEMORY_TMP SNAPSHOT_MEMORY_FILE ".tmp"
#define STATE_TMP SNAPSHOT_STATE_FILE ".tmp"

/* ---- root and machine tables ------------------------------------------ */

static const char *check_compatible(const void *p, size_t len)
{
	(void)len;
	return strcmp(p, SNAPSHOT_COMPATIBLE) ? "not \"" SNAPSHOT_COMPATIBLE
						"\""
					      : NULL;
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
	    {"/", &root_table},
	    {"/machine", &machine_table},
	    {"/machine/drive@*", &drive_snap_table},
	    {"/devices/serial@*", &serial_snap_table},
	    {"/devices/virtio-blk@*", &virtio_snap_table},
	    {"/devices/virtio-blk@*/queue@*", &virtq_snap_table},
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
		r = virtio_snap_save(fdt, path, &s->blk[i], BLK_DEVICE_QUEUES,
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
	struct ram_layout layout = {0};
	struct snap_ctx ctx = {0};
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
	const char *allowed[] = {prefix};
	uint32_t count = 0;
	int child, r;

	r = fdt_check_subnodes(fdt, node, path, allowed, 1, err, errlen);
	if (r < 0)
		return r;
	fdt_for_each_subnode(child, fdt, node) count++;
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
	int r = node < 0 ? node
			 : fields_load(fdt, node, "/machine", &machine_table,
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
		r = d < 0 ? d
			  : drive_snap_load(fdt, d, path, &s->drives[i], err,
					    errlen);
	}
	return r;
}

static int decode_cpus(const void *fdt, struct snapshot *s,
		       const struct snap_ctx *ctx, char *err, size_t errlen)
{
	int cpus = fdt_require_subnode(fdt, 0, "", "cpus", err, errlen);
	int r = cpus < 0 ? cpus
			 : check_numbered(fdt, cpus, "/cpus", "cpu@",
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
		r = node < 0 ? node
			     : cpu_state_load(fdt, node, path, &s->cpus[i], &c,
					      err, errlen);
	}
	return r;
}

static int decode_devices(const void *fdt, struct snapshot *s,
			  const struct snap_ctx *ctx, char *err, size_t errlen)
{
	static const char *const subs[] = {"serial@3f8", "virtio-blk@"};
	int devs = fdt_require_subnode(fdt, 0, "", "devices", err, errlen);
	int node, child, r;
	uint32_t count = 0;

	r = devs < 0 ? devs
		     : fdt_check_subnodes(fdt, devs, "/devices", subs, 2, err,
					  errlen);
	if (r < 0)
		return r;
	fdt_for_each_subnode(child, fdt, devs) count++;
	if (count != 1 + s->machine.nr_drives) {
		snprintf(err, errlen,
			 "/devices: %u devices, the machine has "
			 "a UART and %u drives",
			 count, s->machine.nr_drives);
		return -EINVAL;
	}
	node = fdt_require_subnode(fdt, devs, "/devices", "serial@3f8", err,
				   errlen);
	r = node < 0 ? node
		     : serial_snap_load(fdt, node, "/devices/serial@3f8",
					&s->serial, err, errlen);
	for (uint32_t i = 0; r == 0 && i < s->machine.nr_drives; i++) {
		char path[48];

		snapshot_blk_path(i, path, sizeof(path));
		node = fdt_require_subnode(fdt, devs, "/devices", leaf(path),
					   err, errlen);
		r = node < 0 ? node
			     : virtio_snap_load(fdt, node, path, &s->blk[i],
						BLK_DEVICE_QUEUES,
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
	struct ram_layout layout = {0};
	struct snap_ctx ctx = {0};
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

/* ---- saving a machine -------------------------------------------------- */

struct cpu_capture {
	struct snapshot *s;
	const struct cpu_host *host;
	struct cpu_msr_buf *bufs; /* one per vCPU */
	int *result;
	char (*errs)[128];
};

/* On each parked vCPU's own thread (machine_vcpus_call). */
static void capture_vcpu(void *opaque, struct vcpu *v)
{
	struct cpu_capture *c = opaque;

	c->result[v->id] = cpu_state_capture(v->fd, c->host, &c->bufs[v->id],
					     &c->s->cpus[v->id], c->errs[v->id],
					     sizeof(c->errs[v->id]));
}

static int capture_cpus(struct machine *m, struct snapshot *s, char *err,
			size_t errlen)
{
	struct cpu_capture c = {.s = s, .host = &m->cpu_host};
	int r = -ENOMEM;

	c.bufs = calloc(m->nr_cpus, sizeof(*c.bufs));
	c.result = calloc(m->nr_cpus, sizeof(*c.result));
	c.errs = calloc(m->nr_cpus, sizeof(*c.errs));
	if (c.bufs && c.result && c.errs)
		r = machine_vcpus_call(m, capture_vcpu, &c);
	if (r < 0)
		snprintf(err, errlen, "vCPUs: cannot capture: %s",
			 strerror(-r));
	for (unsigned int i = 0; r == 0 && i < m->nr_cpus; i++) {
		r = c.result[i];
		if (r < 0)
			snprintf(err, errlen, "vcpu%u: %s", i, c.errs[i]);
	}
	free(c.bufs);
	free(c.result);
	free(c.errs);
	return r;
}

static int capture_machine(struct machine *m, struct snapshot *s, char *err,
			   size_t errlen)
{
	int r;

	memset(s, 0, sizeof(*s));
	snprintf(s->root.compatible, sizeof(s->root.compatible), "%s",
		 SNAPSHOT_COMPATIBLE);
	s->root.format_version = STATE_FORMAT_VERSION;
	s->machine = (struct snap_machine){.mem_size = m->ram_size,
					   .nr_cpus = m->nr_cpus,
					   .nr_drives = m->nr_blk};
	if (!m->cpu_host.usable) {
		snprintf(err, errlen,
			 "this host's KVM lacks %s, which "
			 "snapshots need",
			 m->cpu_host.missing);
		return -ENOTSUP;
	}
	s->cpus = calloc(m->nr_cpus, sizeof(*s->cpus));
	if (!s->cpus) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = capture_cpus(m, s, err, errlen);
	if (r == 0)
		r = vm_state_capture(m->kvm.vm_fd, &s->vm, err, errlen);
	serial_get_state(&m->serial, &s->serial);
	for (unsigned int i = 0; r == 0 && i < m->nr_blk; i++) {
		const struct block_backend *bb = m->blk[i]->bb;

		virtio_mmio_get_state(&m->blk[i]->mmio, &s->blk[i]);
		snprintf(s->drives[i].backend, sizeof(s->drives[i].backend),
			 "%s", bb->desc);
		s->drives[i].size = bb->size;
	}
	return r;
}

/* The state file image (header + fdt) must load again: check it now. */
static int verify_encoding(const void *fdt, char *err, size_t errlen)
{
	size_t size = fdt_totalsize(fdt);
	uint8_t *image = malloc(STATE_HEADER_SIZE + size);
	struct snapshot *check = malloc(sizeof(*check));
	char why[256];
	int r;

	if (!image || !check) {
		free(image);
		free(check);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	state_header_fill(image, fdt, size);
	memcpy(image + STATE_HEADER_SIZE, fdt, size);
	r = snapshot_parse(image, STATE_HEADER_SIZE + size, check, why,
			   sizeof(why));
	snapshot_free(check);
	free(check);
	free(image);
	if (r < 0)
		snprintf(err, errlen, "the state would not load: %s", why);
	return r;
}

static int open_dir(const char *dir, char *err, size_t errlen)
{
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	return fd;
}

/*
 * The old state goes first and the new one comes last, each file written
 * under a temporary name and renamed: an interrupted save leaves no state
 * file, never a state file paired with another snapshot's memory.
 */
static int write_files(int dirfd, struct machine *m, const void *fdt,
		       struct snapshot_stats *stats, char *err, size_t errlen)
{
	int r = 0;

	if (unlinkat(dirfd, SNAPSHOT_STATE_FILE, 0) < 0 && errno != ENOENT)
		r = -errno;
	if (r == 0 && fsync(dirfd) < 0)
		r = -errno;
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", SNAPSHOT_STATE_FILE,
			 strerror(-r));
		return r;
	}
	r = memory_file_write(dirfd, MEMORY_TMP, m->ram, m->ram_size,
			      &stats->memory_data_bytes, err, errlen);
	if (r == 0 && renameat(dirfd, MEMORY_TMP, dirfd, SNAPSHOT_MEMORY_FILE))
		r = -errno;
	if (r == 0)
		r = state_file_write(dirfd, STATE_TMP, fdt, err, errlen);
	if (r == 0 && renameat(dirfd, STATE_TMP, dirfd, SNAPSHOT_STATE_FILE))
		r = -errno;
	if (r == 0 && fsync(dirfd) < 0)
		r = -errno;
	if (r < 0 && !err[0])
		snprintf(err, errlen, "%s", strerror(-r));
	stats->memory_bytes = m->ram_size;
	stats->state_bytes = STATE_HEADER_SIZE + fdt_totalsize(fdt);
	return r;
}

static int flush_drives(struct machine *m, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < m->nr_blk; i++) {
		int r = block_flush(m->blk[i]->bb);

		if (r < 0) {
			snprintf(err, errlen, "drive %u: flush: %s", i,
				 strerror(-r));
			return r;
		}
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int snapshot_save(struct machine *m, const char *dir,
		  struct snapshot_stats *stats, char *err, size_t errlen)
{
	uint64_t start = now_ns();
	struct snapshot *s = malloc(sizeof(*s));
	void *fdt = NULL;
	int dirfd = -1, r = -ENOMEM;

	err[0] = '\0';
	memset(stats, 0, sizeof(*stats));
	if (!s)
		snprintf(err, errlen, "out of memory");
	else
		r = capture_machine(m, s, err, errlen);
	if (r == 0)
		r = snapshot_encode(s, &fdt, err, errlen);
	if (s)
		snapshot_free(s);
	free(s);
	if (r == 0)
		r = verify_encoding(fdt, err, errlen);
	if (r == 0)
		r = flush_drives(m, err, errlen);
	if (r == 0) {
		dirfd = open_dir(dir, err, errlen);
		r = dirfd < 0 ? dirfd : 0;
	}
	if (r == 0)
		r = write_files(dirfd, m, fdt, stats, err, errlen);
	if (dirfd >= 0)
		close(dirfd);
	free(fdt);
	stats->elapsed_ns = now_ns() - start;
	return r;
}

/* ---- restoring a machine ----------------------------------------------- */

static int read_state(const char *dir, struct snapshot *s, char *err,
		      size_t errlen)
{
	char *path = malloc(PATH_MAX);
	void *buf = NULL;
	size_t len = 0;
	int r = 0;

	memset(s, 0, sizeof(*s));
	if (!path || (size_t)snprintf(path, PATH_MAX, "%s/%s", dir,
				      SNAPSHOT_STATE_FILE) >= PATH_MAX) {
		snprintf(err, errlen, "%s: path too long", dir);
		r = -ENAMETOOLONG;
	}
	if (r == 0)
		r = read_file_whole("state file", path,
				    STATE_HEADER_SIZE + STATE_FILE_MAX, &buf,
				    &len, err, errlen);
	if (r == 0)
		r = snapshot_parse(buf, len, s, err, errlen);
	free(buf);
	free(path);
	return r;
}

/* Drives as the snapshot recorded them; m owns the copies afterwards. */
static int restore_config(const struct snapshot *s,
			  const struct machine_config *in,
			  struct machine_config *cfg, char **specs, char *err,
			  size_t errlen)
{
	*cfg = *in;
	cfg->mem_size = s->machine.mem_size;
	cfg->nr_cpus = s->machine.nr_cpus;
	cfg->nr_drives = s->machine.nr_drives;
	*specs = calloc(VIRTIO_MMIO_MAX, BLOCK_DESC_MAX);
	if (!*specs) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < cfg->nr_drives; i++) {
		char *spec = *specs + (size_t)i * BLOCK_DESC_MAX;

		memcpy(spec, s->drives[i].backend, BLOCK_DESC_MAX);
		cfg->drives[i] = spec;
	}
	return 0;
}

/* Checks that need this host and the rebuilt devices, before any load. */
static int check_rebuilt(struct machine *m, const struct snapshot *s, char *err,
			 size_t errlen)
{
	const char *bad;
	int r = 0;

	if (!m->cpu_host.usable) {
		snprintf(err, errlen,
			 "this host's KVM lacks %s, which "
			 "snapshots need",
			 m->cpu_host.missing);
		return -ENOTSUP;
	}
	for (unsigned int i = 0; r == 0 && i < m->nr_blk; i++) {
		char path[48];

		snapshot_blk_path(i, path, sizeof(path));
		if (m->blk[i]->bb->size != s->drives[i].size) {
			snprintf(err, errlen,
				 "drive %u (%s): %llu bytes, the "
				 "snapshot recorded %llu (/machine/drive@%u/"
				 "size)",
				 i, s->drives[i].backend,
				 (unsigned long long)m->blk[i]->bb->size,
				 (unsigned long long)s->drives[i].size, i);
			return -EINVAL;
		}
		r = virtio_snap_check_device(&s->blk[i], &m->blk[i]->mmio, path,
					     err, errlen);
	}
	for (unsigned int i = 0; r == 0 && i < m->nr_cpus; i++)
		r = cpu_state_check_host(&s->cpus[i], i, &m->cpu_host, err,
					 errlen);
	bad = r == 0 ? serial_state_check(&s->serial) : NULL;
	if (bad) {
		snprintf(err, errlen, "/devices/serial@3f8: %s", bad);
		r = -EINVAL;
	}
	return r;
}

static int apply_state(struct machine *m, const struct snapshot *s, char *err,
		       size_t errlen)
{
	struct cpu_msr_buf *buf = malloc(sizeof(*buf));
	int r = buf ? 0 : -ENOMEM;

	for (unsigned int i = 0; r == 0 && i < m->nr_cpus; i++)
		r = cpu_state_apply(m->vcpus[i].fd, i, &s->cpus[i], buf, err,
				    errlen);
	free(buf);
	if (r == 0)
		r = vm_state_apply(m->kvm.vm_fd, &s->vm, err, errlen);
	/* After the irqchip: the UART drives its line to match its state. */
	if (r == 0 && serial_set_state(&m->serial, &s->serial) < 0) {
		snprintf(err, errlen, "/devices/serial@3f8: refused");
		r = -EINVAL;
	}
	for (unsigned int i = 0; r == 0 && i < m->nr_blk; i++)
		if (virtio_mmio_set_state(&m->blk[i]->mmio, &s->blk[i]) < 0) {
			snprintf(err, errlen, "virtio-blk%u: state refused", i);
			r = -EINVAL;
		}
	if (r == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return r;
}

/* Requests the guest queued before the snapshot: look at them again. */
static void kick_queues(struct machine *m, const struct snapshot *s)
{
	for (unsigned int i = 0; i < m->nr_blk; i++) {
		struct virtio_mmio *dev = &m->blk[i]->mmio;

		for (unsigned int q = 0; q < BLK_DEVICE_QUEUES; q++)
			if (s->blk[i].queue[q].ready && dev->host.notify)
				dev->host.notify(dev->host.opaque, q);
	}
}

/* Build the machine the snapshot describes, then load its state. */
static int restore_machine(struct machine *m, const char *dir,
			   const struct snapshot *s,
			   const struct machine_config *in, char *err,
			   size_t errlen)
{
	struct machine_config cfg;
	char *path = malloc(PATH_MAX);
	char *specs = NULL;
	int mem_fd = -1, r = path ? 0 : -ENOMEM;

	if (r == 0 && (size_t)snprintf(path, PATH_MAX, "%s/%s", dir,
				       SNAPSHOT_MEMORY_FILE) >= PATH_MAX)
		r = -ENAMETOOLONG;
	if (r < 0)
		snprintf(err, errlen, "%s: %s", dir, strerror(-r));
	if (r == 0) {
		mem_fd =
		    memory_file_open(path, s->machine.mem_size, err, errlen);
		r = mem_fd < 0 ? mem_fd : 0;
	}
	if (r == 0)
		r = restore_config(s, in, &cfg, &specs, err, errlen);
	if (r == 0) {
		r = machine_create_bare(m, &cfg, mem_fd, err, errlen);
		m->owned_specs = specs;
	}
	if (r == 0)
		r = check_rebuilt(m, s, err, errlen);
	if (r == 0)
		r = apply_state(m, s, err, errlen);
	if (r == 0)
		kick_queues(m, s);
	if (mem_fd >= 0)
		close(mem_fd);
	if (!m->owned_specs)
		free(specs);
	free(path);
	return r;
}

int snapshot_restore(struct machine *m, const char *dir,
		     const struct machine_config *in, char *err, size_t errlen)
{
	struct snapshot *s = malloc(sizeof(*s));
	int r;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = read_state(dir, s, err, errlen);
	if (r == 0)
		r = restore_machine(m, dir, s, in, err, errlen);
	snapshot_free(s);
	free(s);
	return r;
}
