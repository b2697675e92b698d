#!/usr/bin/env python3
"""`vigil ctl SOCK snapshot DIR`'s side of a save, without KVM.

vigil opens no file for a snapshot: vigil ctl checks or creates DIR,
creates memory.tmp and state.tmp and passes them over the control socket
(vmm/snapshot_dir.c). Here a stand-in for vigil on the socket checks
what it is sent (two empty regular files, 0600, open write-only, not
appending), writes into them and answers as vigil would; the tests are
attacks by another local user who prepared DIR, and the bookkeeping of a
save (renames, the old state removed first, leftovers cleared):

- DIR of another user, world-writable, a symbolic link, or holding a link,
  a FIFO, another user's file or a foreign name: refused by name before
  the socket is touched, nothing in DIR changed, a link's target intact;
- a leftover world-readable state.tmp: replaced by a 0600 one;
- a fresh DIR is 0700 and its files 0600 whatever the umask;
- vigil refusing, or no reply: the .tmp files removed, the old state gone
  (never paired with other memory), exit status 1 or 2.

The same attacks on a running VM: test_snapshot.py (suite kvm).

usage: test_snapshot_dir.py VIGIL
"""
import fcntl
import os
import socket
import stat
import sys
import tempfile
import threading

import snapdirs as sd
from vigiltest import Tap, run

vigil = sys.argv[1]
tap = Tap()
MEMORY = b"guest RAM\n"
STATE = b"state tree\n"


class FakeVigil:
    """The control socket's server side for one test: answers each client
    with reply (a function of the fds' problems), writing into the fds when
    they are fit."""

    def __init__(self, path, refuse=None, hang_up=False):
        self.path = path
        self.refuse = refuse
        self.hang_up = hang_up
        self.clients = 0
        self.seen = []  # what was wrong with the passed fds, per request
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @staticmethod
    def problems(fds):
        if len(fds) != 2:
            return [f"{len(fds)} fds"]
        out = []
        for name, fd in zip(("memory", "state"), fds):
            st = os.fstat(fd)
            fl = fcntl.fcntl(fd, fcntl.F_GETFL)
            if not stat.S_ISREG(st.st_mode):
                out.append(f"{name}: not a regular file")
            if st.st_size != 0:
                out.append(f"{name}: not empty")
            if stat.S_IMODE(st.st_mode) != 0o600:
                out.append(f"{name}: mode {oct(stat.S_IMODE(st.st_mode))}")
            if fl & os.O_ACCMODE != os.O_WRONLY or fl & os.O_APPEND:
                out.append(f"{name}: flags {fl:#o}")
        return out

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.clients += 1
            with conn:
                msg, fds, _, _ = socket.recv_fds(conn, 4096, 4)
                bad = self.problems(fds)
                self.seen.append(bad)
                if not bad and not self.refuse and not self.hang_up:
                    os.pwrite(fds[0], MEMORY, 0)
                    os.pwrite(fds[1], STATE, 0)
                for fd in fds:
                    os.close(fd)
                if self.hang_up:
                    continue
                if bad or self.refuse:
                    why = "; ".join(bad) or self.refuse
                    conn.sendall(b'{"ok":false,"error":"%s"}\n' %
                                 why.encode())
                else:
                    conn.sendall(b'{"ok":true,"status":"running",'
                                 b'"state_bytes":11,"memory_bytes":10,'
                                 b'"memory_data_bytes":10,"save_ms":1.0,'
                                 b'"total_ms":2.0}\n')

    def close(self):
        self.sock.close()
        os.unlink(self.path)


def snapshot(sock, d, umask=None):
    cmd = [vigil, "ctl", sock, "snapshot", d]
    if umask is None:
        return run(cmd, timeout=30)
    old = os.umask(umask)
    try:
        return run(cmd, timeout=30)
    finally:
        os.umask(old)


def listing(d):
    """Names, modes and contents in d, or None when d is no directory."""
    if not os.path.isdir(d):
        return None
    out = {}
    for n in sorted(os.listdir(d)):
        p = os.path.join(d, n)
        st = os.lstat(p)
        data = open(p, "rb").read() if stat.S_ISREG(st.st_mode) else None
        out[n] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), data)
    return out


def one_line(r):
    return r.summary().replace("\n", " | ")


def refused(tmp, sock, fake, name, prepare, *needles):
    """An attack on DIR: vigil ctl refuses it, names what is wrong, sends
    nothing to vigil and changes nothing in DIR."""
    d = os.path.join(tmp, name.replace(" ", "-").replace("'", ""))
    try:
        prepare(d)
    except PermissionError as e:  # chown to another user: root only
        tap.skip(f"{name}: refused", f"cannot prepare it: {e}")
        return
    before = listing(d)
    clients = fake.clients
    r = snapshot(sock, d)
    tap.ok(r.returncode == 1 and not r.timed_out and
           all(n in r.stderr for n in needles) and listing(d) == before and
           fake.clients == clients,
           f"{name}: refused, nothing written, vigil not asked",
           one_line(r))


def attacks(tmp, sock, fake):
    victim = os.path.join(tmp, "victim")
    with open(victim, "wb") as f:
        f.write(b"precious")
    for name, prepare, needles in (
            ("another user's directory", sd.owned_by_nobody, ["uid 65534"]),
            ("a world-writable directory", sd.world_writable,
             ["writable by others", "0777"]),
            ("a group-writable directory", sd.group_writable,
             ["writable by others"]),
            ("DIR a symlink to a directory", sd.linked_to(tmp),
             ["symbolic link"]),
            ("a symlink memory.tmp to a victim",
             sd.holding(sd.symlink("memory.tmp", victim)),
             ["memory.tmp", "symbolic link"]),
            ("a symlink state to a victim",
             sd.holding(sd.symlink("state", victim)),
             ["state", "symbolic link"]),
            ("a FIFO as state.tmp", sd.holding(sd.fifo("state.tmp")),
             ["state.tmp", "not a regular file"]),
            ("another user's memory",
             sd.holding(sd.regular("memory", uid=sd.NOBODY)),
             ["memory", "uid 65534"]),
            ("a world-writable memory.tmp",
             sd.holding(sd.regular("memory.tmp", mode=0o666)),
             ["memory.tmp", "writable by others"]),
            ("a foreign name", sd.holding(sd.regular("notes.txt")),
             ["notes.txt", "not a file of a vigil snapshot"]),
            ("a subdirectory", sd.holding(sd.subdir("memory")),
             ["memory", "not a regular file"])):
        refused(tmp, sock, fake, name, prepare, *needles)
    with open(victim, "rb") as f:
        tap.ok(f.read() == b"precious", "the victim of the links is intact")


def saves(tmp, sock, fake):
    d = os.path.join(tmp, "fresh")
    r = snapshot(sock, d, umask=0)
    got = listing(d)
    want = {"memory": (stat.S_IFREG, 0o600, MEMORY),
            "state": (stat.S_IFREG, 0o600, STATE)}
    tap.ok(r.returncode == 0 and got == want and
           stat.S_IMODE(os.stat(d).st_mode) == 0o700 and
           fake.seen[-1] == [] and f"saved to {d}" in r.stdout,
           "a new DIR under umask 000: 0700, its files 0600, as written",
           f"{one_line(r)} {got} {fake.seen[-1:]}")

    r = snapshot(sock, d, umask=0o077)
    tap.ok(r.returncode == 0 and listing(d) == want,
           "the same DIR again: the previous snapshot replaced",
           one_line(r))

    d = os.path.join(tmp, "leftovers")
    sd.holding(sd.regular("state.tmp", 0o644), sd.regular("memory.tmp"),
               sd.regular("memory"), sd.regular("state"))(d)
    r = snapshot(sock, d)
    tap.ok(r.returncode == 0 and listing(d) == want and
           fake.seen[-1] == [],
           "a world-readable leftover state.tmp: removed, state is 0600",
           f"{one_line(r)} {listing(d)} {fake.seen[-1:]}")


def failures(tmp, sock):
    """vigil refuses, or goes away: nothing half-written is left, and the
    old state is gone first, so no state names another save's memory."""
    for name, kw, status, needle in (
            ("vigil refuses", {"refuse": "cannot pause"}, 1,
             "cannot pause"),
            ("no reply", {"hang_up": True}, 2, "no reply")):
        what = list(kw)[0]
        path = os.path.join(tmp, f"fake-{what}.sock")
        fake = FakeVigil(path, **kw)
        d = os.path.join(tmp, f"fails-{what}")
        sd.holding(sd.regular("memory", data=b"old memory"),
                   sd.regular("state"))(d)
        r = snapshot(path, d)
        tap.ok(r.returncode == status and needle in r.stderr and
               listing(d) == {"memory": (stat.S_IFREG, 0o600,
                                         b"old memory")},
               f"{name}: exit {status}, the .tmp files removed, the old "
               "state gone, its memory kept", f"{one_line(r)} {listing(d)}")
        fake.close()


with tempfile.TemporaryDirectory() as tmp:
    os.chmod(tmp, 0o700)
    sock = os.path.join(tmp, "fake.sock")
    fake = FakeVigil(sock)
    attacks(tmp, sock, fake)
    saves(tmp, sock, fake)
    fake.close()
    failures(tmp, sock)

sys.exit(tap.done())
