/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The snapshot directory, on the client's side (vigil ctl): vigil itself
 * opens no file for a snapshot. The client makes the directory safe
 * against other local users, creates the two files and passes them to
 * vigil over the control socket, then renames them into place.
 *
 * A directory is used only if it is vigil ctl's own: created with mode
 * 0700, or an existing one that is not a symbolic link, is owned by the
 * user, is not writable by group or others, and holds nothing but the
 * files of a previous snapshot (memory, state, and memory.tmp/state.tmp of
 * an interrupted save), each a regular file of the user. Everything after
 * the first open is relative to the directory's fd; files are created with
 * O_EXCL|O_NOFOLLOW|O_NONBLOCK, so no link, FIFO or other user's file is
 * ever followed, opened or written.
 */
#ifndef VIGIL_SNAPSHOT_DIR_H
#define VIGIL_SNAPSHOT_DIR_H

#include <stddef.h>

struct snapshot_dir {
	int dirfd;
	int memory_fd; /* memory.tmp, empty, open for writing */
	int state_fd;  /* state.tmp, the same */
};

/*
 * Check or create dir, remove a previous snapshot's state file (so an
 * interrupted save never leaves one paired with other memory) and any
 * leftovers, and create memory.tmp and state.tmp. Returns 0, or negative
 * errno with a reason naming the directory or entry in err; on failure
 * nothing is left open.
 */
int snapshot_dir_prepare(struct snapshot_dir *sd, const char *dir, char *err,
			 size_t errlen);

/* After vigil wrote both files: rename them into place, sync the entries. */
int snapshot_dir_commit(struct snapshot_dir *sd, char *err, size_t errlen);

/* After a failure: remove the temporary files. */
void snapshot_dir_abort(struct snapshot_dir *sd);

/* Close what prepare() opened. */
void snapshot_dir_close(struct snapshot_dir *sd);

#endif
