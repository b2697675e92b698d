// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/snapshot_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migration/snapshot.h"

#define MEMORY_TMP SNAPSHOT_MEMORY_FILE ".tmp"
#define STATE_TMP SNAPSHOT_STATE_FILE ".tmp"

/* What a directory may hold: a previous snapshot, perhaps interrupted. */
static bool snapshot_entry(const char *name)
{
	return !strcmp(name, SNAPSHOT_MEMORY_FILE) ||
	       !strcmp(name, SNAPSHOT_STATE_FILE) ||
	       !strcmp(name, MEMORY_TMP) || !strcmp(name, STATE_TMP);
}

/* Why st (of something in or being the directory) is not ours, or NULL. */
static const char *not_ours(const struct stat *st, char *why, size_t len)
{
	if (st->st_uid != geteuid()) {
		snprintf(why, len, "owned by uid %u, not by you (uid %u)",
			 (unsigned int)st->st_uid, (unsigned int)geteuid());
		return why;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, len, "writable by others (mode %04o)",
			 (unsigned int)(st->st_mode & 07777));
		return why;
	}
	return NULL;
}

/* Each entry a regular file of ours with a snapshot's name. */
static int check_entries(int dirfd, const char *dir, char *err, size_t errlen)
{
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	char why[96];
	int r = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	while (r == 0 && (e = readdir(d))) {
		struct stat st;
		const char *bad = NULL;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!snapshot_entry(e->d_name))
			bad = "not a file of a vigil snapshot";
		else if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			bad = strerror(errno);
		else if (S_ISLNK(st.st_mode))
			bad = "a symbolic link";
		else if (!S_ISREG(st.st_mode))
			bad = "not a regular file";
		else
			bad = not_ours(&st, why, sizeof(why));
		if (bad) {
			snprintf(err, errlen,
				 "%s/%.64s: %s; refusing the "
				 "directory",
				 dir, e->d_name, bad);
			r = -EPERM;
		}
	}
	closedir(d);
	return r;
}

/* dir itself: ours, made now (0700) or checked, never through a link. */
static int open_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	char why[96];
	const char *bad;
	int fd, r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		bad = lstat(dir, &st) == 0 && S_ISLNK(st.st_mode) ?
			      "a symbolic link" :
			      strerror(-r);
		snprintf(err, errlen, "%s: %s; refusing it", dir, bad);
		return r;
	}
	bad = fstat(fd, &st) < 0 ? strerror(errno) :
				   not_ours(&st, why, sizeof(why));
	r = bad ? -EPERM : check_entries(fd, dir, err, errlen);
	if (bad)
		snprintf(err, errlen, "%s: %s; refusing it", dir, bad);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static int unlink_if_there(int dirfd, const char *name)
{
	return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
}

/* A new, empty, owner-only file; never an existing one, link or FIFO. */
static int create_file(int dirfd, const char *name)
{
	int fd = openat(dirfd, name,
			O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK |
				O_CLOEXEC,
			0600);
	struct stat st;
	int r = 0;

	if (fd < 0)
		return -errno;
	/* O_EXCL made it; fstat proves what vigil will be sent. The umask
	 * may have taken mode bits away: the mode is exactly 0600. */
	if (fstat(fd, &st) < 0 || fchmod(fd, 0600) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	if (r < 0) {
		close(fd);
		unlinkat(dirfd, name, 0);
		return r;
	}
	return fd;
}

int snapshot_dir_prepare(struct snapshot_dir *sd, const char *dir, char *err,
			 size_t errlen)
{
	const char *what = dir;
	int r;

	*sd = (struct snapshot_dir){ .dirfd = -1,
				     .memory_fd = -1,
				     .state_fd = -1 };
	sd->dirfd = open_dir(dir, err, errlen);
	if (sd->dirfd < 0)
		return sd->dirfd;
	r = unlink_if_there(sd->dirfd, SNAPSHOT_STATE_FILE);
	if (r == 0)
		r = unlink_if_there(sd->dirfd, MEMORY_TMP);
	if (r == 0)
		r = unlink_if_there(sd->dirfd, STATE_TMP);
	if (r == 0 && fsync(sd->dirfd) < 0)
		r = -errno;
	if (r == 0) {
		what = MEMORY_TMP;
		sd->memory_fd = r = create_file(sd->dirfd, MEMORY_TMP);
	}
	if (r >= 0) {
		what = STATE_TMP;
		sd->state_fd = r = create_file(sd->dirfd, STATE_TMP);
	}
	if (r >= 0)
		return 0;
	snprintf(err, errlen, "%s: %s: %s", dir, what, strerror(-r));
	snapshot_dir_abort(sd);
	snapshot_dir_close(sd);
	return r;
}

int snapshot_dir_commit(struct snapshot_dir *sd, char *err, size_t errlen)
{
	/* The state last: it names a snapshot whose memory is in place. */
	if (renameat(sd->dirfd, MEMORY_TMP, sd->dirfd, SNAPSHOT_MEMORY_FILE) ||
	    renameat(sd->dirfd, STATE_TMP, sd->dirfd, SNAPSHOT_STATE_FILE) ||
	    fsync(sd->dirfd)) {
		snprintf(err, errlen, "renaming the files into place: %s",
			 strerror(errno));
		return -errno;
	}
	return 0;
}

void snapshot_dir_abort(struct snapshot_dir *sd)
{
	if (sd->dirfd < 0)
		return;
	if (sd->memory_fd >= 0)
		unlink_if_there(sd->dirfd, MEMORY_TMP);
	if (sd->state_fd >= 0)
		unlink_if_there(sd->dirfd, STATE_TMP);
}

void snapshot_dir_close(struct snapshot_dir *sd)
{
	if (sd->memory_fd >= 0)
		close(sd->memory_fd);
	if (sd->state_fd >= 0)
		close(sd->state_fd);
	if (sd->dirfd >= 0)
		close(sd->dirfd);
	*sd = (struct snapshot_dir){ .dirfd = -1,
				     .memory_fd = -1,
				     .state_fd = -1 };
}
