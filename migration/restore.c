// SPDX-License-Identifier: GPL-2.0-only
/*
 * Restoring a machine: read and check the state file, build the machine it
 * describes, load the memory file, then apply the state.
 */
#include "migration/snapshot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migration/memory_file.h"
#include "migration/state_file.h"
#include "vmm/machine.h"
#include "vmm/read_file.h"

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
