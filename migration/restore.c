// SPDX-License-Identifier: GPL-2.0-only
/*
 * Restoring a machine: read and check the state file, build the machine it
 * describes, load the memory file, then apply the state.
 */
#include "migration/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"

#include "migration/memory_file.h"
#include "migration/state_file.h"
#include "vmm/machine.h"
#include "vmm/read_file.h"

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
 * Append " --drive 'SPEC'" for a spec the snapshot recorded. The text came
 * from an untrusted file: only printable ASCII reaches the terminal, and a
 * quote is closed and escaped so the line stays one shell word.
 */
static void append_drive_hint(char *buf, size_t len, const char *spec)
{
	size_t n = strlen(buf);

	n += (size_t)snprintf(buf + n, n < len ? len - n : 0, " --drive '");
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

/* The drives are the user's: refuse a restore that does not name them. */
static int check_drive_count(const struct snapshot *s,
			     const struct machine_config *in, char *err,
			     size_t errlen)
{
	size_t n;

	for (unsigned int i = 0; i < in->nr_devices; i++)
		if (in->devices[i].kind != &virtio_blk_kind) {
			snprintf(err, errlen,
				 "--%s: a snapshot restores drives only",
				 in->devices[i].kind->option);
			return -EINVAL;
		}
	if (in->nr_devices == s->machine.nr_drives)
		return 0;
	snprintf(err, errlen,
		 "the snapshot has %u drives, %u --drive options given; "
		 "give the drives it was saved with, in the same order (it "
		 "recorded:",
		 s->machine.nr_drives, in->nr_devices);
	for (uint32_t i = 0; i < s->machine.nr_drives; i++)
		append_drive_hint(err, errlen, s->drives[i].backend);
	n = strlen(err);
	snprintf(err + n, errlen - n, ")");
	return -EINVAL;
}

static const char *driver_name(enum block_driver d)
{
	return d == BLOCK_DRIVER_NULL_CO ? "null-co" : "raw";
}

/*
 * A --drive given at restore must be the kind of drive the guest had, and
 * as writable: the guest's RAM expects it. The size is checked once it is
 * open (check_rebuilt()).
 */
static int check_drive_spec(unsigned int i, const char *recorded,
			    const char *given, char *err, size_t errlen)
{
	struct block_spec *want = malloc(sizeof(*want));
	struct block_spec *got = malloc(sizeof(*got));
	char why[160] = "";
	int r = -EINVAL;

	if (!want || !got)
		snprintf(err, errlen, "out of memory");
	else if (block_spec_parse(recorded, want, NULL, 0) < 0)
		snprintf(err, errlen, "/machine/drive@%u/backend: invalid", i);
	else if (block_spec_parse(given, got, why, sizeof(why)) < 0)
		snprintf(err, errlen, "--drive %u: %s", i, why);
	else if (want->driver != got->driver)
		snprintf(err, errlen,
			 "--drive %u is a %s drive, the snapshot recorded %s "
			 "(/machine/drive@%u/backend)",
			 i, driver_name(got->driver), driver_name(want->driver),
			 i);
	else if (want->readonly != got->readonly)
		snprintf(err, errlen,
			 "--drive %u has readonly=%s, the snapshot recorded "
			 "readonly=%s (/machine/drive@%u/backend)",
			 i, got->readonly ? "on" : "off",
			 want->readonly ? "on" : "off", i);
	else
		r = 0;
	free(want);
	free(got);
	return r;
}

/*
 * The machine to build: the snapshot's RAM and vCPUs, within the caps the
 * caller gives in in->mem_size and in->nr_cpus, and the caller's drives.
 */
static int restore_config(const struct snapshot *s,
			  const struct machine_config *in,
			  struct machine_config *cfg, char *err, size_t errlen)
{
	int r = check_drive_count(s, in, err, errlen);

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
	for (uint32_t i = 0; r == 0 && i < s->machine.nr_drives; i++)
		r = check_drive_spec(i, s->drives[i].backend,
				     in->devices[i].spec, err, errlen);
	*cfg = *in;
	cfg->mem_size = s->machine.mem_size;
	cfg->nr_cpus = s->machine.nr_cpus;
	return r;
}

/* Checks that need this host and the rebuilt devices, before any load. */
static int check_rebuilt(struct machine *m, const struct snapshot *s, char *err,
			 size_t errlen)
{
	const char *bad;
	int r;

	r = snapshot_check_host(m, err, errlen);
	if (r < 0)
		return r;
	for (unsigned int i = 0; r == 0 && i < m->nr_slots; i++) {
		const struct block_backend *bb = machine_drive(m, i);
		char path[48];

		snapshot_blk_path(i, path, sizeof(path));
		if (bb->size != s->drives[i].size) {
			snprintf(err, errlen,
				 "--drive %u (%s): %llu bytes, the "
				 "snapshot recorded %llu (/machine/drive@%u/"
				 "size)",
				 i, bb->desc, (unsigned long long)bb->size,
				 (unsigned long long)s->drives[i].size, i);
			return -EINVAL;
		}
		r = virtio_snap_check_device(&s->blk[i], &m->slots[i]->mmio,
					     path, err, errlen);
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
	for (unsigned int i = 0; r == 0 && i < m->nr_slots; i++)
		if (virtio_mmio_set_state(&m->slots[i]->mmio, &s->blk[i]) < 0) {
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
	for (unsigned int i = 0; i < m->nr_slots; i++) {
		struct virtio_mmio *dev = &m->slots[i]->mmio;

		for (unsigned int q = 0; q < dev->ops->num_queues; q++)
			if (s->blk[i].queue[q].ready && dev->host.notify)
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
