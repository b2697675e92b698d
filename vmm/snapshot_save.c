// SPDX-License-Identifier: GPL-2.0-only
/*
 * Saving a running machine: capture every vCPU, the VM and the devices,
 * encode the tree, and write the memory and state files into descriptors
 * the control client created (vigil opens no file for a snapshot).
 */
#include "vmm/machine_snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/clock.h"
#include "migration/memory_file.h"
#include "migration/snapshot.h"
#include "migration/state_file.h"
#include "vmm/machine.h"
#include "vmm/state_kvm.h"

int snapshot_check_host(const struct machine *m, char *err, size_t errlen)
{
	if (m->cpu_host.usable)
		return 0;
	snprintf(err, errlen, "this host's KVM lacks %s, which snapshots need",
		 m->cpu_host.missing);
	return -ENOTSUP;
}

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
	/* vigil runs every vCPU's TSC at one rate. */
	if (v->id == 0)
		c->s->machine.tsc_khz = cpu_tsc_khz(v->fd);
}

static int capture_cpus(struct machine *m, struct snapshot *s, char *err,
			size_t errlen)
{
	struct cpu_capture c = { .s = s, .host = &m->cpu_host };
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

/* The transport's state, then the kind's own (which may correct it). */
static int capture_slot(struct virtio_slot *slot, struct snapshot *s, char *err,
			size_t errlen)
{
	const struct virtio_kind_snap *snap = slot->kind->snap;
	struct slot_snapshot *ss = &s->slots[slot->index];

	if (!snap) {
		snprintf(err, errlen,
			 "%s: a snapshot cannot hold a --%s device", slot->name,
			 slot->kind->option);
		return -ENOTSUP;
	}
	if (snapshot_slot_init(s, slot->index, slot->kind) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	virtio_mmio_get_state(&slot->mmio, &ss->mmio);
	if (snap->capture)
		snap->capture(slot->dev, &ss->mmio, ss->state);
	return 0;
}

static int capture_machine(struct machine *m, struct snapshot *s, char *err,
			   size_t errlen)
{
	int r;

	memset(s, 0, sizeof(*s));
	snprintf(s->root.compatible, sizeof(s->root.compatible), "%s",
		 SNAPSHOT_COMPATIBLE);
	s->root.format_version = STATE_FORMAT_VERSION;
	s->machine = (struct snap_machine){ .mem_size = m->ram_size,
					    .nr_cpus = m->nr_cpus,
					    .nr_slots = m->nr_slots };
	r = snapshot_check_host(m, err, errlen);
	for (unsigned int i = 0; r == 0 && i < m->nr_slots; i++)
		r = capture_slot(m->slots[i], s, err, errlen);
	if (r < 0)
		return r;
	s->cpus = calloc(m->nr_cpus, sizeof(*s->cpus));
	if (!s->cpus) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = capture_cpus(m, s, err, errlen);
	if (r == 0)
		r = vm_state_capture(m->kvm.vm_fd, &s->vm, err, errlen);
	serial_get_state(&m->serial, &s->serial);
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

/*
 * The memory file first, the state file last: a state file exists only
 * once its memory is on disk. The client renames them into place.
 */
static int write_files(int memory_fd, int state_fd, struct machine *m,
		       const void *fdt, struct snapshot_stats *stats, char *err,
		       size_t errlen)
{
	int r = memory_file_write(memory_fd, SNAPSHOT_MEMORY_FILE, m->ram,
				  m->ram_size, m->pagemap_fd,
				  &stats->memory_data_bytes, err, errlen);

	if (r == 0)
		r = state_file_write(state_fd, SNAPSHOT_STATE_FILE, fdt, err,
				     errlen);
	stats->memory_bytes = m->ram_size;
	stats->state_bytes = STATE_HEADER_SIZE + fdt_totalsize(fdt);
	return r;
}

static int flush_drives(struct machine *m, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < m->nr_slots; i++) {
		const struct virtio_kind *kind = m->slots[i]->kind;
		int r = kind->quiesce ? kind->quiesce(m->slots[i]->dev) : 0;

		if (r < 0) {
			snprintf(err, errlen, "%s: flush: %s",
				 m->slots[i]->name, strerror(-r));
			return r;
		}
	}
	return 0;
}

int snapshot_save(struct machine *m, int memory_fd, int state_fd,
		  struct snapshot_stats *stats, char *err, size_t errlen)
{
	uint64_t start = clock_monotonic_ns();
	struct snapshot *s = malloc(sizeof(*s));
	void *fdt = NULL;
	int r = -ENOMEM;

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
	if (r == 0)
		r = write_files(memory_fd, state_fd, m, fdt, stats, err,
				errlen);
	free(fdt);
	stats->elapsed_ns = clock_monotonic_ns() - start;
	return r;
}
