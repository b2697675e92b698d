// SPDX-License-Identifier: GPL-2.0-only
/*
 * Restoring a machine: read and check the state file, build the machine it
 * describes, load the memory file, then apply the state.
 */
#include "vmm/machine_snapshot.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/read_file.h"
#include "migration/memory_file.h"
#include "migration/snapshot.h"
#include "migration/state_file.h"
#include "vmm/machine.h"
#include "vmm/state_kvm.h"

/* The snapshot directory itself: never through a symbolic link. */
static int open_snapshot_dir(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd >= 0)
		return fd;
	fd = -errno;
	if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
		snprintf(err, errlen, "a symbolic link, not a directory");
	else
		snprintf(err, errlen, "%s", strerror(-fd));
	return fd;
}

/*
 * One of the snapshot's own two files, the only files a snapshot names:
 * no symbolic link (another user's link would pick the file), no FIFO or
 * device (would block or never end), and owned by vigil's user.
 */
static int open_snapshot_file(int dirfd, const char *name, char *err,
			      size_t errlen)
{
	struct stat st;
	int fd = openat(dirfd, name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int r;

	if (fd < 0 || fstat(fd, &st) < 0) {
		r = errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: %s", name,
			 r == -ELOOP ? "a symbolic link" : strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode))
		snprintf(err, errlen, "%s: not a regular file", name);
	else if (st.st_uid != geteuid())
		snprintf(err, errlen,
			 "%s: owned by uid %u, not by vigil's "
			 "user (uid %u)",
			 name, (unsigned int)st.st_uid,
			 (unsigned int)geteuid());
	else
		return fd;
	close(fd);
	return -EPERM;
}

static int read_state(int dirfd, struct snapshot *s, char *err, size_t errlen)
{
	int fd = open_snapshot_file(dirfd, SNAPSHOT_STATE_FILE, err, errlen);
	void *buf = NULL;
	size_t len = 0;
	int r = fd < 0 ? fd : 0;

	memset(s, 0, sizeof(*s));
	if (r == 0)
		r = read_fd_whole("state file", SNAPSHOT_STATE_FILE, fd,
				  STATE_HEADER_SIZE + STATE_FILE_MAX, &buf,
				  &len, err, errlen);
	if (fd >= 0)
		close(fd);
	if (r == 0)
		r = snapshot_parse(buf, len, s, err, errlen);
	free(buf);
	return r;
}

/*
 * Append " --OPTION['SPEC']" for a device the snapshot recorded. The spec
 * came from an untrusted file: only printable ASCII reaches the terminal,
 * and a quote is closed and escaped so the line stays one shell word.
 */
static void append_device_hint(char *buf, size_t len,
			       const struct slot_snapshot *slot)
{
	const struct virtio_kind_snap *snap = slot->kind->snap;
	const char *spec = snap->spec ? snap->spec(slot->state) : NULL;
	size_t n = strlen(buf);

	n += (size_t)snprintf(buf + n, n < len ? len - n : 0, " --%s",
			      slot->kind->option);
	if (!spec || n + 2 >= len)
		return;
	memcpy(buf + n, " '", 2);
	n += 2;
	for (const char *p = spec; *p && n + 5 < len; p++) {
		if (*p == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			buf[n++] = (char)((*p >= 0x20 && *p < 0x7f) ? *p : '?');
		}
	}
	if (n + 2 < len)
		buf[n++] = '\'';
	buf[n < len ? n : len - 1] = '\0';
}

/*
 * The devices' backends are the user's: the restore's command line names
 * the snapshot's virtio devices, kind by kind in the same order.
 */
static int check_device_kinds(const struct snapshot *s,
			      const struct machine_config *in, char *err,
			      size_t errlen)
{
	bool count_ok = in->nr_devices == s->machine.nr_slots;
	bool same = count_ok;
	size_t n;

	for (unsigned int i = 0; same && i < in->nr_devices; i++)
		same = in->devices[i].kind == s->slots[i].kind;
	if (same)
		return 0;
	if (count_ok)
		snprintf(err, errlen,
			 "the command line gives the snapshot's %u virtio "
			 "devices in another order",
			 s->machine.nr_slots);
	else
		snprintf(err, errlen,
			 "the snapshot has %u virtio devices, the command "
			 "line gives %u",
			 s->machine.nr_slots, in->nr_devices);
	n = strlen(err);
	snprintf(err + n, errlen - n,
		 "; give the devices it was saved with, in the same order "
		 "(it recorded:");
	for (uint32_t i = 0; i < s->machine.nr_slots; i++)
		append_device_hint(err, errlen, &s->slots[i]);
	n = strlen(err);
	snprintf(err + n, errlen - n, ")");
	return -EINVAL;
}

/*
 * The machine to build: the snapshot's RAM and vCPUs, within the caps the
 * caller gives in in->mem_size and in->nr_cpus, and the caller's devices.
 */
static int restore_config(const struct snapshot *s,
			  const struct machine_config *in,
			  struct machine_config *cfg, char *err, size_t errlen)
{
	int r = check_device_kinds(s, in, err, errlen);

	if (r == 0 && s->machine.mem_size > in->mem_size) {
		snprintf(err, errlen,
			 "the snapshot needs %llu MiB of RAM, more than "
			 "--memory allows (%llu MiB)",
			 (unsigned long long)(s->machine.mem_size >> 20),
			 (unsigned long long)(in->mem_size >> 20));
		r = -E2BIG;
	}
	if (r == 0 && s->machine.nr_cpus > in->nr_cpus) {
		snprintf(err, errlen,
			 "the snapshot needs %u vCPUs, more than --cpus "
			 "allows (%u)",
			 s->machine.nr_cpus, in->nr_cpus);
		r = -E2BIG;
	}
	*cfg = *in;
	cfg->mem_size = s->machine.mem_size;
	cfg->nr_cpus = s->machine.nr_cpus;
	return r;
}

/* Checks that need this host and the rebuilt devices, before any load. */
static int check_rebuilt(struct machine *m, const struct snapshot *s, char *err,
			 size_t errlen)
{
	char why[200];
	const char *bad;
	int r;

	r = snapshot_check_host(m, err, errlen);
	if (r < 0)
		return r;
	for (unsigned int i = 0; r == 0 && i < m->nr_slots; i++) {
		const struct virtio_kind_snap *snap = m->slots[i]->kind->snap;
		char path[48];

		snapshot_slot_path(m->slots[i]->kind, i, path, sizeof(path));
		if (snap->check)
			r = snap->check(m->slots[i]->dev, s->slots[i].state,
					path, err, errlen);
		if (r == 0 && !virtio_mmio_state_fits(&m->slots[i]->mmio,
						      &s->slots[i].mmio, why,
						      sizeof(why))) {
			snprintf(err, errlen, "%s: %s", path, why);
			r = -EINVAL;
		}
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

/*
 * Run the guest's TSC at the rate it was saved at, before the TSC itself
 * is loaded (KVM converts it at the vCPU's rate). KVM takes a rate within
 * 250 ppm of this host's as it is, scales where the CPU can, and reaches a
 * faster one by catching up; one it cannot reach (slower, without TSC
 * scaling) it refuses. The guest then carries on at this host's rate: its
 * kvmclock follows (KVM rescales it), a TSC clocksource, TSC-deadline
 * timers and raw TSC readings do not. That is said, not refused, as QEMU
 * does on a migration.
 */
static void apply_tsc_rate(struct machine *m, uint32_t khz)
{
	uint32_t here = cpu_tsc_khz(m->vcpus[0].fd);
	uint64_t off; /* hundredths of a percent */
	unsigned int i;
	int r = 0;

	if (khz == 0 || khz == here)
		return; /* not recorded (version 2), or nothing to change */
	for (i = 0; r == 0 && i < m->nr_cpus; i++)
		r = cpu_tsc_khz_set(m->vcpus[i].fd, khz);
	if (r == 0)
		return;
	/* One rate for all: put back those already changed. */
	while (i-- > 0)
		cpu_tsc_khz_set(m->vcpus[i].fd, here);
	off = (uint64_t)(here > khz ? here - khz : khz - here) * 10000u / khz;
	log_info("snapshot: the guest's TSC ran at %u kHz; this host's KVM "
		 "cannot run it at that rate (%s), so it runs at %u kHz "
		 "(kvmclock follows; a TSC clocksource, TSC-deadline timers "
		 "and raw TSC readings run %u.%02u%% %s)",
		 khz, strerror(-r), here, (unsigned int)(off / 100),
		 (unsigned int)(off % 100), here > khz ? "fast" : "slow");
}

static int apply_state(struct machine *m, const struct snapshot *s, char *err,
		       size_t errlen)
{
	struct cpu_msr_buf *buf = malloc(sizeof(*buf));
	int r = buf ? 0 : -ENOMEM;

	apply_tsc_rate(m, s->machine.tsc_khz);

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
	for (unsigned int i = 0; r == 0 && i < m->nr_slots; i++)
		if (virtio_mmio_set_state(&m->slots[i]->mmio,
					  &s->slots[i].mmio) < 0) {
			snprintf(err, errlen, "%s: state refused",
				 m->slots[i]->name);
			r = -EINVAL;
		}
	if (r == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return r;
}

/* Requests the guest queued before the snapshot: look at them again. */
static void kick_queues(struct machine *m, const struct snapshot *s)
{
	for (unsigned int i = 0; i < m->nr_slots; i++) {
		struct virtio_mmio *dev = &m->slots[i]->mmio;

		for (unsigned int q = 0; q < dev->ops->num_queues; q++)
			if (s->slots[i].mmio.queue[q].ready && dev->host.notify)
				dev->host.notify(dev->host.opaque, q);
	}
}

/* Build the machine the snapshot describes, then load its RAM and state. */
static int restore_machine(struct machine *m, int dirfd,
			   const struct snapshot *s,
			   const struct machine_config *in, char *err,
			   size_t errlen)
{
	struct machine_config cfg;
	int mem_fd =
		open_snapshot_file(dirfd, SNAPSHOT_MEMORY_FILE, err, errlen);
	int r = mem_fd < 0 ? mem_fd : 0;

	if (r == 0)
		r = memory_file_check(mem_fd, SNAPSHOT_MEMORY_FILE,
				      s->machine.mem_size, err, errlen);
	if (r == 0)
		r = restore_config(s, in, &cfg, err, errlen);
	if (r == 0)
		r = machine_create_bare(m, &cfg, err, errlen);
	if (r == 0)
		r = check_rebuilt(m, s, err, errlen);
	if (r == 0)
		r = memory_file_load(mem_fd, SNAPSHOT_MEMORY_FILE, m->ram,
				     m->ram_size, err, errlen);
	if (r == 0)
		r = apply_state(m, s, err, errlen);
	for (unsigned int i = 0; r == 0 && i < m->nr_slots; i++)
		virtio_slot_restored(m->slots[i]);
	if (r == 0)
		kick_queues(m, s);
	if (mem_fd >= 0)
		close(mem_fd);
	return r;
}

int snapshot_restore(struct machine *m, const char *dir,
		     const struct machine_config *in, char *err, size_t errlen)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	int dirfd = open_snapshot_dir(dir, err, errlen);
	int r = dirfd < 0 ? dirfd : 0;

	if (r == 0 && !s) {
		snprintf(err, errlen, "out of memory");
		r = -ENOMEM;
	}
	if (r == 0)
		r = read_state(dirfd, s, err, errlen);
	if (r == 0)
		r = restore_machine(m, dirfd, s, in, err, errlen);
	if (s)
		snapshot_free(s);
	free(s);
	if (dirfd >= 0)
		close(dirfd);
	return r;
}
