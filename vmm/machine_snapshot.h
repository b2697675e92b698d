/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Saving a machine to a snapshot and building one from it: the
 * orchestration beside the machine (capture, flush, file writing; read,
 * check, rebuild, load, re-kick). Saving needs a paused machine
 * (machine_pause()). Restoring reads and checks the whole state file
 * first (migration/snapshot.h), then builds the machine from the recorded
 * configuration, checks what needs the host and the rebuilt devices, and
 * only then loads anything into KVM or a device.
 */
#ifndef VIGIL_MACHINE_SNAPSHOT_H
#define VIGIL_MACHINE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

struct snapshot_stats {
	uint64_t state_bytes;
	uint64_t memory_bytes;	    /* the memory file's size */
	uint64_t memory_data_bytes; /* of which non-zero pages */
	uint64_t elapsed_ns;	    /* pause excluded */
};

struct machine;
struct machine_config;

/* Save and restore need vCPU state this host's KVM may not offer. */
int snapshot_check_host(const struct machine *m, char *err, size_t errlen);

/*
 * Save the paused machine m: capture, encode, check the encoding loads,
 * flush the drives, write the memory file into memory_fd, then the state
 * file into state_fd (both empty files open for writing, made by the
 * caller, who names them). Returns 0 or negative errno with one line in
 * err.
 */
int snapshot_save(struct machine *m, int memory_fd, int state_fd,
		  struct snapshot_stats *stats, char *err, size_t errlen);

/*
 * Build m from the snapshot in dir. cfg gives what the snapshot does not
 * record (serial) and the virtio devices, which must be the snapshot's
 * kinds in the same order, each passing its kind's snapshot check (a
 * drive's kind, size and read-only); cfg's mem_size and nr_cpus are caps on
 * the snapshot's. Only dir's own "state" and "memory" files are opened
 * (no symbolic links, regular files of vigil's user); the RAM is copied
 * in. On failure m is half built: machine_destroy() it.
 */
int snapshot_restore(struct machine *m, const char *dir,
		     const struct machine_config *cfg, char *err,
		     size_t errlen);

#endif
