#!/usr/bin/env python3
"""vigil-blkd against a hostile vhost-user front-end, over its real socket.

A small front-end written here (memfd guest memory, eventfds, SCM_RIGHTS)
drives vigil-blkd the way QEMU or UML would, serves a request through a
real virtqueue, and then misbehaves: malformed messages of every class,
descriptors it should not send, a stalled half message, a second front-end
while the first is connected, memory that shrinks under the device, a kick
fd that never runs dry. After
each, vigil-blkd must still run, hold no descriptor it was given (counted in
/proc/PID/fd) and give the next front-end a clean device. Also: the seccomp
sandbox and no_new_privs are on, a forbidden system call kills it, a stale
socket file is replaced and a live one is not, the socket is owner-only
under any umask, bad options exit 2.

usage: test_blkd_protocol.py VIGIL_BLKD
"""
import atexit
import mmap
import os
import select
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

from vigiltest import Tap

VIGIL_BLKD = os.path.abspath(sys.argv[1])
tap = Tap()

# vhost-user (docs/interop/vhost-user.rst)
GET_FEATURES, SET_FEATURES, SET_OWNER = 1, 2, 3
SET_MEM_TABLE, SET_VRING_NUM, SET_VRING_ADDR = 5, 8, 9
SET_VRING_BASE, GET_VRING_BASE, SET_VRING_KICK = 10, 11, 12
SET_VRING_CALL, SET_VRING_ERR = 13, 14
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES = 15, 16
GET_CONFIG = 24
VERSION, REPLY, NEED_REPLY = 1, 4, 8
F_REPLY_ACK, F_CONFIG = 1 << 3, 1 << 9
VRING_NOFD = 1 << 8
PROTOCOL_FEATURES = 1 << 30
F_VERSION_1, F_EVENT_IDX = 1 << 32, 1 << 29
HDR = struct.Struct("<III")

# The front-end's guest memory: one 1 MiB memfd region.
RAM_SIZE = 1 << 20
RAM_GPA = 0x40000000
RAM_UADDR = 0x7f5500000000
QSIZE = 16
DESC, AVAIL, USED = 0x0, 0x1000, 0x2000
HDR_OFF, DATA_OFF, STATUS_OFF = 0x3000, 0x4000, 0x6000
TIMEOUT = 5


def check(cond, name, detail=""):
    tap.ok(cond, name)
    if not cond and detail:
        tap.diag(detail)
    return cond


# Every daemon started, killed at exit: a test that fails half-way must not
# leave one behind (spinning, when a defence is missing).
daemons = []


def kill_daemons():
    for proc in daemons:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


atexit.register(kill_daemons)


class Daemon:
    def __init__(self, workdir, drive="driver=null-co,size=1M", extra=()):
        self.sock = os.path.join(workdir, "blkd.sock")
        self.log = os.path.join(workdir, "guest.log")
        self.err = open(os.path.join(workdir, "stderr"), "w+")
        self.proc = subprocess.Popen(
            [VIGIL_BLKD, "--socket", self.sock, "--drive", drive,
             "-d", "guest_errors", "-D", self.log, *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.err)
        daemons.append(self.proc)
        end = time.monotonic() + TIMEOUT
        while time.monotonic() < end and self.proc.poll() is None:
            if "vigil-blkd: serving" in self.stderr():
                break
            time.sleep(0.02)

    def stderr(self):
        self.err.seek(0)
        return self.err.read()

    def alive(self):
        return self.proc.poll() is None

    def fds(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def status(self, field):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return line.split(":", 1)[1].strip()
        return None

    def maps_memfd(self):
        with open(f"/proc/{self.proc.pid}/maps") as f:
            return "memfd:" in f.read()

    def guest_errors(self):
        try:
            with open(self.log) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.alive():
            self.proc.terminate()
        try:
            return self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


class Frontend:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(TIMEOUT)
        self.s.connect(path)

    def send(self, req, payload=b"", fds=(), flags=VERSION, size=None):
        size = len(payload) if size is None else size
        data = HDR.pack(req, flags, size) + payload
        if fds:
            socket.send_fds(self.s, [data], list(fds))
        else:
            self.s.sendall(data)

    def recv(self):
        """(request, flags, payload), or None when the device hung up."""
        try:
            hdr = self._exact(HDR.size)
            if hdr is None:
                return None
            req, flags, size = HDR.unpack(hdr)
            return req, flags, self._exact(size) if size else b""
        except (ConnectionResetError, socket.timeout):
            return None

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def call(self, req, payload=b"", **kw):
        self.send(req, payload, **kw)
        return self.recv()

    def u64(self, req):
        r = self.call(req)
        return struct.unpack("<Q", r[2])[0] if r and len(r[2]) == 8 else None

    def hung_up(self, timeout=TIMEOUT):
        """True when the device closed the connection within timeout."""
        self.s.settimeout(timeout)
        try:
            return self.s.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
        finally:
            self.s.settimeout(TIMEOUT)

    def close(self):
        self.s.close()


def state(index, num):
    return struct.pack("<II", index, num)


def mem_table(regions):
    out = struct.pack("<II", len(regions), 0)
    for gpa, size, uaddr, off in regions:
        out += struct.pack("<QQQQ", gpa, size, uaddr, off)
    return out


class Ring:
    """A memfd guest memory with one split virtqueue, driver side."""

    def __init__(self):
        self.fd = os.memfd_create("guest-ram", os.MFD_CLOEXEC)
        os.ftruncate(self.fd, RAM_SIZE)
        self.ram = mmap.mmap(self.fd, RAM_SIZE)
        self.kick = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        self.callfd = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        self.avail_idx = 0

    def setup(self, fe):
        fe.send(SET_MEM_TABLE, mem_table([(RAM_GPA, RAM_SIZE, RAM_UADDR, 0)]),
                fds=[self.fd])
        fe.send(SET_VRING_NUM, state(0, QSIZE))
        fe.send(SET_VRING_BASE, state(0, 0))
        fe.send(SET_VRING_ADDR, struct.pack(
            "<IIQQQQ", 0, 0, RAM_UADDR + DESC, RAM_UADDR + USED,
            RAM_UADDR + AVAIL, 0))
        fe.send(SET_VRING_CALL, struct.pack("<Q", 0), fds=[self.callfd])
        fe.send(SET_VRING_KICK, struct.pack("<Q", 0), fds=[self.kick])

    def queue_read(self, sector=0):
        """An IN request for 4 KiB at sector into a buffer of 0xa5."""
        struct.pack_into("<IIQ", self.ram, HDR_OFF, 0, 0, sector)
        self.ram[DATA_OFF:DATA_OFF + 4096] = b"\xa5" * 4096
        self.ram[STATUS_OFF] = 0xff
        for i, (addr, ln, flags, nxt) in enumerate([
                (RAM_GPA + HDR_OFF, 16, 1, 1),
                (RAM_GPA + DATA_OFF, 4096, 3, 2),
                (RAM_GPA + STATUS_OFF, 1, 2, 0)]):
            struct.pack_into("<QIHH", self.ram, DESC + 16 * i, addr, ln,
                             flags, nxt)
        struct.pack_into("<H", self.ram, AVAIL + 4 + 2 * (self.avail_idx %
                                                          QSIZE), 0)
        self.avail_idx += 1
        struct.pack_into("<H", self.ram, AVAIL + 2, self.avail_idx & 0xffff)
        os.eventfd_write(self.kick, 1)

    def used_idx(self):
        return struct.unpack_from("<H", self.ram, USED + 2)[0]

    def wait_call(self):
        r, _, _ = select.select([self.callfd], [], [], TIMEOUT)
        if r:
            os.eventfd_read(self.callfd)
        return bool(r)

    def close(self):
        self.ram.close()
        for fd in (self.fd, self.kick, self.callfd):
            os.close(fd)


def handshake(fe, protocol=F_REPLY_ACK | F_CONFIG):
    fe.send(SET_OWNER)
    features = fe.u64(GET_FEATURES)
    if features is None:
        return None  # no answer: the caller's checks fail
    if features & PROTOCOL_FEATURES:
        fe.u64(GET_PROTOCOL_FEATURES)
        fe.send(SET_PROTOCOL_FEATURES, struct.pack("<Q", protocol))
    # Leaving out PROTOCOL_FEATURES enables the rings (as UML does).
    fe.send(SET_FEATURES, struct.pack("<Q", features & (F_VERSION_1 |
                                                        F_EVENT_IDX)))
    return features


def test_sandbox(workdir):
    d = Daemon(workdir)
    check(d.status("Seccomp") == "2" and d.status("NoNewPrivs") == "1",
          "sandbox: seccomp filter mode and no_new_privs once serving",
          f"Seccomp {d.status('Seccomp')} NoNewPrivs {d.status('NoNewPrivs')}")
    d.stop()
    d = Daemon(workdir, extra=["--test-seccomp-trigger"])
    status = d.proc.wait(timeout=TIMEOUT)
    check(status == -signal.SIGSYS,
          "sandbox: a system call off the list kills vigil-blkd (SIGSYS)",
          f"status {status}\n{d.stderr()}")


def test_session(d):
    fe = Frontend(d.sock)
    features = handshake(fe)
    check(features is not None and features & F_VERSION_1 and
          features & PROTOCOL_FEATURES,
          "session: GET_FEATURES offers VERSION_1 and PROTOCOL_FEATURES")
    r = fe.call(GET_CONFIG, struct.pack("<III", 0, 8, 0) + bytes(8))
    check(r is not None and r[1] == VERSION | REPLY and
          struct.unpack_from("<Q", r[2], 12)[0] == (1 << 20) // 512,
          "session: GET_CONFIG gives the capacity")
    ring = Ring()
    ring.setup(fe)
    ring.queue_read()
    check(ring.wait_call() and ring.used_idx() == 1 and
          ring.ram[STATUS_OFF] == 0 and
          ring.ram[DATA_OFF:DATA_OFF + 4096] == bytes(4096),
          "session: a read through the virtqueue returns zeros, status OK")
    r = fe.call(GET_VRING_BASE, state(0, 0))
    check(r is not None and struct.unpack("<II", r[2]) == (0, 1),
          "session: GET_VRING_BASE stops the ring at index 1")
    fe.close()
    ring.close()


def test_malformed(d, baseline):
    """Each message class: the connection ends, every fd sent is closed."""
    ram = os.memfd_create("ram", os.MFD_CLOEXEC)
    os.ftruncate(ram, RAM_SIZE)
    ev = [os.eventfd(0, os.EFD_CLOEXEC) for _ in range(9)]
    cases = [
        ("a header with version 2", dict(req=GET_FEATURES, flags=2)),
        ("a reply flag from the front-end",
         dict(req=GET_FEATURES, flags=VERSION | REPLY)),
        ("a payload larger than any request",
         dict(req=GET_FEATURES, size=4096, payload=bytes(16))),
        ("GET_FEATURES with a payload",
         dict(req=GET_FEATURES, payload=bytes(8))),
        ("SET_VRING_CALL with two fds",
         dict(req=SET_VRING_CALL, payload=struct.pack("<Q", 0),
              fds=ev[:2])),
        ("SET_VRING_KICK with NOFD and an fd",
         dict(req=SET_VRING_KICK, payload=struct.pack("<Q", VRING_NOFD),
              fds=ev[:1])),
        ("nine fds on one message",
         dict(req=GET_FEATURES, fds=ev)),
        ("a vring index past the queues",
         dict(req=SET_VRING_NUM, payload=state(3, 8))),
        ("a queue size that is not a power of two",
         dict(req=SET_VRING_NUM, payload=state(0, 100))),
        ("overlapping memory regions",
         dict(req=SET_MEM_TABLE, payload=mem_table(
             [(0, RAM_SIZE, RAM_UADDR, 0),
              (RAM_SIZE // 2, RAM_SIZE, RAM_UADDR + RAM_SIZE, 0)]),
              fds=[ram, ram])),
        ("a region whose end wraps past 2^64",
         dict(req=SET_MEM_TABLE, payload=mem_table(
             [(2**64 - 4096, RAM_SIZE, RAM_UADDR, 0)]), fds=[ram])),
    ]
    for name, c in cases:
        fe = Frontend(d.sock)
        fe.send(c["req"], c.get("payload", b""), fds=c.get("fds", ()),
                flags=c.get("flags", VERSION), size=c.get("size"))
        hung = fe.hung_up()
        fe.close()
        time.sleep(0.05)
        check(hung and d.alive() and d.fds() == baseline,
              f"malformed: {name}: connection closed, no fd kept",
              f"hung up {hung}, alive {d.alive()}, fds {d.fds()} "
              f"(baseline {baseline})")
    for fd in ev + [ram]:
        os.close(fd)
    check("malformed message, closing the connection" in d.guest_errors(),
          "malformed: logged under -d guest_errors")


def test_refused_but_connected(d, baseline):
    """Well formed but impossible: an error reply, the connection stays."""
    small = os.memfd_create("small", os.MFD_CLOEXEC)
    os.ftruncate(small, 4096)
    fe = Frontend(d.sock)
    handshake(fe)
    r = fe.call(SET_MEM_TABLE, mem_table([(0, RAM_SIZE, RAM_UADDR, 0)]),
                fds=[small], flags=VERSION | NEED_REPLY)
    check(r is not None and struct.unpack("<Q", r[2])[0] != 0,
          "refused: a region past the end of its file gets a failed ack")
    r = fe.call(SET_VRING_KICK, struct.pack("<Q", VRING_NOFD),
                flags=VERSION | NEED_REPLY)
    check(r is not None and struct.unpack("<Q", r[2])[0] != 0,
          "refused: polling (a kick without fd) gets a failed ack")
    zero = os.open("/dev/zero", os.O_RDONLY | os.O_CLOEXEC)
    r = fe.call(SET_VRING_KICK, struct.pack("<Q", 0), fds=[zero],
                flags=VERSION | NEED_REPLY)
    os.close(zero)
    check(r is not None and struct.unpack("<Q", r[2])[0] != 0,
          "refused: /dev/zero as a kick fd (epoll cannot watch it)")
    check(fe.u64(GET_FEATURES) is not None,
          "refused: the connection still answers")
    fe.close()
    os.close(small)
    time.sleep(0.05)
    check(d.fds() == baseline, "refused: no fd kept",
          f"fds {d.fds()} baseline {baseline}")


def test_stalled(d, baseline):
    """Half a message, then silence, the connection kept open: it costs
    the stalled front-end its connection, and the next one is served
    while the first still holds its end."""
    fe = Frontend(d.sock)
    fe.s.sendall(HDR.pack(GET_FEATURES, VERSION, 8)[:6])
    start = time.monotonic()
    hung = fe.hung_up(timeout=3 * TIMEOUT)
    waited = time.monotonic() - start
    check(hung and 4 < waited < 3 * TIMEOUT and d.alive(),
          "stalled: half a message is dropped after the 5 s timeout",
          f"hung up {hung} after {waited:.1f} s")
    check(served_next(d),
          "stalled: the next front-end's request is served")
    fe.close()
    time.sleep(0.05)
    check(d.fds() == baseline, "stalled: no fd kept",
          f"fds {d.fds()} baseline {baseline}")


def test_one_at_a_time_and_reset(d, baseline):
    a = Frontend(d.sock)
    handshake(a)
    ring = Ring()
    ring.setup(a)
    b = Frontend(d.sock)
    b.send(GET_FEATURES)
    r, _, _ = select.select([b.s], [], [], 0.5)
    check(not r, "second front-end waits while the first is connected")
    a.close()
    reply = b.recv()
    check(reply is not None and len(reply[2]) == 8,
          "second front-end is served once the first leaves")
    time.sleep(0.05)
    check(not d.maps_memfd() and d.fds() == baseline + 1,
          "the first front-end's memory and fds are gone",
          f"memfd mapped {d.maps_memfd()}, fds {d.fds()} "
          f"(baseline {baseline} + 1 connection)")
    # A clean device: no protocol features, so GET_CONFIG fails (empty
    # reply), and the ring starts over at index 0.
    r = b.call(GET_CONFIG, struct.pack("<III", 0, 8, 0) + bytes(8))
    r2 = b.call(GET_VRING_BASE, state(0, 0))
    check(r is not None and r[2] == b"" and r2 is not None and
          struct.unpack("<II", r2[2]) == (0, 0),
          "the next front-end finds a clean device")
    b.close()
    ring.close()


def test_memory_shrinks(d, baseline):
    fe = Frontend(d.sock)
    handshake(fe)
    ring = Ring()
    ring.setup(fe)
    ring.queue_read()
    served = ring.wait_call()
    os.ftruncate(ring.fd, 0)  # the guest's RAM vanishes under the device
    os.eventfd_write(ring.kick, 1)
    hung = fe.hung_up()
    fe.close()
    ring.close()
    time.sleep(0.05)
    check(served and hung and d.alive() and d.fds() == baseline,
          "shrunk memory: SIGBUS absorbed, connection closed, nothing kept",
          f"served {served} hung up {hung} alive {d.alive()} fds {d.fds()}")
    check("memory vanished" in d.guest_errors(),
          "shrunk memory: logged under -d guest_errors")
    fe = Frontend(d.sock)
    check(fe.u64(GET_FEATURES) is not None,
          "shrunk memory: the next front-end is served")
    fe.close()


def served_next(d):
    """A new front-end's read completes: the daemon serves again."""
    fe = Frontend(d.sock)
    ok = handshake(fe) is not None
    ring = Ring()
    ring.setup(fe)
    ring.queue_read()
    ok = ok and ring.wait_call() and ring.ram[STATUS_OFF] == 0
    fe.close()
    ring.close()
    return ok


class FullPipe:
    """A pipe whose writer keeps it full until the reader's last copy goes
    (EPIPE) or stop() is called."""

    def __init__(self):
        self.fd, self.w = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(self.w, False)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._fill, daemon=True)
        self.thread.start()

    def _fill(self):
        while not self.stopped.is_set():
            select.select([], [self.w], [], 0.05)
            try:
                os.write(self.w, bytes(65536))
            except BlockingIOError:
                pass
            except BrokenPipeError:
                return

    def stop(self):
        self.stopped.set()
        self.thread.join()
        os.close(self.w)


def never_dry_kick(kind):
    """(fd, stop): a kick fd that stays readable, and how to end it."""
    if kind == "/dev/random":
        return os.open("/dev/random", os.O_RDONLY | os.O_CLOEXEC), None
    if kind == "a semaphore eventfd":
        # One read per unit of its counter: 2^64 - 2 reads.
        fd = os.eventfd(0, os.EFD_SEMAPHORE | os.EFD_CLOEXEC)
        os.eventfd_write(fd, (1 << 64) - 2)
        return fd, None
    pipe = FullPipe()
    return pipe.fd, pipe.stop


def test_kick_never_dry(d, baseline, kind):
    """A kick fd that stays readable must not keep the daemon draining it
    for ever: it is dropped and logged, the connection still answers, and
    the next front-end is served."""
    before = d.guest_errors().count("never runs dry")
    fe = Frontend(d.sock)
    handshake(fe)
    ring = Ring()
    os.close(ring.kick)
    ring.kick, stop = never_dry_kick(kind)
    ring.setup(fe)
    answered = fe.u64(GET_FEATURES) is not None
    # The kick is served on the daemon's next wake-up, maybe after the
    # answer: wait for its log line.
    end = time.monotonic() + TIMEOUT
    while d.guest_errors().count("never runs dry") == before and \
            time.monotonic() < end:
        time.sleep(0.02)
    dropped = d.guest_errors().count("never runs dry") > before
    fe.close()
    if stop:
        stop()
    ring.close()
    check(answered and dropped,
          f"kick fd never dry ({kind}): dropped and logged, the "
          "connection answers", d.guest_errors()[-500:])
    check(served_next(d),
          f"kick fd never dry ({kind}): the next front-end's request is "
          "served")
    time.sleep(0.05)
    check(d.fds() == baseline, f"kick fd never dry ({kind}): no fd kept",
          f"fds {d.fds()} baseline {baseline}")


def test_socket_mode(workdir):
    """The socket is owner-only whatever the umask: whoever connects reads
    and writes the disk."""
    old = os.umask(0)
    try:
        d = Daemon(workdir)
        mode = stat.S_IMODE(os.stat(d.sock).st_mode)
        d.stop()
        check(mode == 0o600, f"socket mode 0600 under umask 000 ({oct(mode)})")
        d = Daemon(workdir, extra=["--socket-mode", "0660"])
        mode = stat.S_IMODE(os.stat(d.sock).st_mode)
        d.stop()
        check(mode == 0o660, f"--socket-mode 0660 gives 0660 ({oct(mode)})")
    finally:
        os.umask(old)
    r = subprocess.run([VIGIL_BLKD, "--socket", d.sock, "--drive",
                        "driver=null-co,size=1M", "--socket-mode", "0666"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    check(r.returncode == 2 and "0600 or 0660" in r.stderr,
          "--socket-mode 0666 (others) is refused (exit 2)", r.stderr)


def test_socket_file(workdir):
    d1 = Daemon(workdir)
    d2 = Daemon(workdir)
    status = d2.proc.wait(timeout=TIMEOUT)
    check(status == 2 and "another process is listening" in d2.stderr(),
          "a live socket is not taken over (exit 2)", d2.stderr())
    d1.proc.kill()
    d1.proc.wait()
    d3 = Daemon(workdir)
    check(d3.alive() and "serving" in d3.stderr(),
          "a stale socket file is replaced", d3.stderr())
    d3.stop()
    path = os.path.join(workdir, "regular-file")
    open(path, "w").close()
    r = subprocess.run([VIGIL_BLKD, "--socket", path, "--drive",
                        "driver=null-co,size=1M"], capture_output=True,
                       text=True, timeout=TIMEOUT)
    check(r.returncode == 2 and "not a socket" in r.stderr,
          "a file that is not a socket is left alone (exit 2)", r.stderr)


def test_cli():
    for args, what in (([], "no options"),
                       (["--socket", "/nonexistent/x.sock"], "no --drive"),
                       (["--socket", "/tmp/x.sock", "--drive",
                         "driver=null-co,size=7"], "a bad --drive"),
                       (["--socket", "x" * 200, "--drive",
                         "driver=null-co,size=1M"], "a socket path too long")):
        r = subprocess.run([VIGIL_BLKD, *args], capture_output=True,
                           text=True, timeout=TIMEOUT)
        check(r.returncode == 2 and r.stderr.strip(),
              f"cli: {what}: exit 2 with a message", r.stderr)


with tempfile.TemporaryDirectory(prefix="vigil-blkd-proto-") as workdir:
    test_cli()
    test_sandbox(workdir)
    test_socket_file(workdir)
    test_socket_mode(workdir)
    daemon = Daemon(workdir)
    time.sleep(0.1)
    base = daemon.fds()
    test_session(daemon)
    test_malformed(daemon, base)
    test_refused_but_connected(daemon, base)
    test_one_at_a_time_and_reset(daemon, base)
    test_memory_shrinks(daemon, base)
    for kind in ("/dev/random", "a semaphore eventfd", "a pipe kept full"):
        test_kick_never_dry(daemon, base, kind)
    test_stalled(daemon, base)
    check(daemon.stop() == -signal.SIGTERM and
          "Sanitizer" not in daemon.stderr(),
          "vigil-blkd ran until SIGTERM", daemon.stderr()[-2000:])
sys.exit(tap.done())
