"""Snapshot directories as another local user would prepare them for
`vigil ctl SOCK snapshot DIR` (in /tmp, say): the attacks of
test_snapshot.py (on a running VM) and test_snapshot_dir.py (vigil ctl
against a stand-in for vigil). Each function makes DIR at path d; the
entries go into a directory that holding() makes.
"""
import os

NOBODY = 65534


def owned_by_nobody(d):
    os.mkdir(d, 0o700)
    os.chown(d, NOBODY, NOBODY)


def world_writable(d):
    os.mkdir(d)
    os.chmod(d, 0o777)


def group_writable(d):
    os.mkdir(d)
    os.chmod(d, 0o770)


def linked_to(target):
    """DIR itself a symbolic link to the directory target."""
    return lambda d: os.symlink(target, d)


def holding(*entries):
    """DIR, 0700 and ours, with entries (functions of DIR) in it."""
    def prepare(d):
        os.mkdir(d, 0o700)
        for entry in entries:
            entry(d)
    return prepare


def symlink(name, target):
    return lambda d: os.symlink(target, os.path.join(d, name))


def fifo(name):
    return lambda d: os.mkfifo(os.path.join(d, name))


def subdir(name):
    return lambda d: os.mkdir(os.path.join(d, name))


def regular(name, mode=0o600, uid=None, data=b"old"):
    def make(d):
        p = os.path.join(d, name)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, mode)
        if uid is not None:
            os.chown(p, uid, uid)
    return make
