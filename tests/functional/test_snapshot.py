#!/usr/bin/env python3
"""Snapshots end to end, on the test guest's snapshot_workload.

usage: test_snapshot.py VIGIL GUEST_IMAGE

1. With 1 and 2 vCPUs: the workload (every vCPU counting, LAPIC timer
   ticks, numbered records written to a raw disk by interrupt) is
   snapshotted while it runs (staying paused), vigil is killed with SIGKILL,
   and the snapshot is restored twice. Each restored run must continue the
   original's serial output exactly (records numbered without gap or
   repeat, counters and ticks never going back), finish the workload with
   the guest's PASS, and leave every record intact on the disk.
2. Pause and resume without a snapshot: output stops while paused, and the
   guest still passes.
3. The control socket: owner-only, refuses to replace a file or a live
   socket; malformed, oversized, unknown and mistyped requests get an error
   reply and do not disturb the guest; a client that hangs up mid-request
   is harmless.
4. Refusals of a bad snapshot by vigil --restore (exit status 2, one line
   naming what is wrong, the guest never runs): a missing or resized memory
   file, another format version, truncations, bit flips, a queue address
   outside RAM, a property removed or out of range (hand-edited through
   dtc), a missing or resized drive, a drive of another kind or
   read-only-ness, a restore without --drive (showing the recorded drives).
   The TSC rate: recorded; a restore at another rate (said where KVM
   cannot run it) and from a version 2 file (no rate) runs on.
5. Hostile snapshot files: a state file naming another host file as the
   drive (never opened), symbolic links, a FIFO, another user's file, a
   linked directory, more RAM or vCPUs than --memory/--cpus allow; the
   memory file truncated under a restored VM; a snapshot past the file
   size limit (EFBIG; vigil and the guest live on).
6. Hostile snapshot directories (another user's, world-writable, a symlink,
   holding a link, a FIFO or a foreign file) refused by vigil ctl with
   nothing written; control clients passing no, too many or the wrong
   descriptors refused by vigil, which keeps none of them; a request in
   pieces with its descriptors served as a whole one; the socket file left
   behind at exit and replaced by the next vigil.
7. A VM with a drive and --rng: the snapshot holds both; a restore that
   omits the entropy device or names the devices in another order is
   refused with the recorded devices as the hint; restored with both, the
   guest runs on.
8. A VM with a drive and --net (on a stream peer this test plays): the
   snapshot records the net device's MAC and MTU as a --net spec; a
   restore without it, or with another MAC, is refused naming them; with
   the same, on a new connection, the guest runs on.

In the nested KVM host, a workload run (1, with its restores, and 2) whose
guest fails first on a timer tick that never came is run again, three
attempts at most: the emulated CPU can hold the nested kernel's timer
back while a guest spins (docs/testing.md).
"""
import json
import os
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

import snapdirs
from vigiltest import (EXIT_ERROR, GUEST_PASS, Tap, kvm_unavailable_reason,
                       read_text as read, run)

vigil, guest = sys.argv[1], sys.argv[2]
tap = Tap()
reason = kvm_unavailable_reason()
if reason:
    print(f"1..0 # SKIP {reason}")
    sys.exit(0)

RECORDS = 60
SNAP_AT = 15
SECTOR = 512
RECORD_RE = re.compile(r"^# snap record (\d+) ticks (\d+) counts ([\d ]+)$",
                       re.M)
# As the guest: the tick count grows over every 10 records, every CPU's
# count within 3 s of ticks (100 Hz).
WINDOW = 10
STALL_TICKS = 300
HEADER = 32
MAX_CPUS = 8


def ctl(sock, *args):
    return run([vigil, "ctl", sock] + list(args), timeout=120)


def wait_for(pred, timeout, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def listening(sock):
    """True once something accepts connections on sock: vigil binds the
    path before it listens, and a path left by an earlier vigil is
    there before the next one replaces it."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(sock)
        except OSError:
            return False
    return True


def workload_cmdline(cpus, records=RECORDS):
    return (f"cpus={cpus} tests=snapshot_workload snap_records={records}")


def start(args, serial, sock, prefix=()):
    """vigil with args, its console in serial, its control socket sock;
    prefix runs it (prlimit and its options)."""
    cmd = list(prefix) + [vigil] + args + ["--serial", f"file:{serial}"]
    if sock:
        cmd += ["--api-socket", sock]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def finish(proc, timeout=180):
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        return None, err.decode(errors="replace")
    return proc.returncode, err.decode(errors="replace")


def records_in(text):
    return [(int(m.group(1)), int(m.group(2)),
             [int(c) for c in m.group(3).split()])
            for m in RECORD_RE.finditer(text)]


def guest_failures(text):
    """What the test guest said of its failure, for a TAP detail: its
    "# FAIL: ..." lines and its "not ok" line (a watchdog timeout or an
    exception gives only that); '' when it said nothing of one."""
    return " | ".join(line for line in text.splitlines()
                      if line.startswith(("# FAIL: ", "not ok ")))


# The nested KVM host's emulated CPU (QEMU 7.2's TCG with SVM) can hold its
# own timer interrupt pending for as long as the guest it runs spins
# (docs/testing.md): the nested kernel's hrtimers stop, KVM's LAPIC timer
# for the test guest with them, and the workload fails "no timer tick". A
# run that fails first that way there is said so and run again.
NESTED = os.environ.get("VIGIL_NESTED") == "1"
# In four runs of the TSan build's test, two met the freeze and one of
# those failed its second attempt as well.
FREEZE_ATTEMPTS = 3
TIMER_FREEZE_RE = re.compile(
    r"not ok \d+ snapshot_workload # record \d+: no timer tick for \d+ us$")


def nested_timer_freeze(text):
    """True in the nested host when the guest's first failure (the reason
    its "not ok" line gives, kept across a snapshot) is a tick that never
    came."""
    first = next((line for line in text.splitlines()
                  if line.startswith("not ok ")), "")
    return NESTED and TIMER_FREEZE_RE.match(first.rstrip()) is not None


def retry_timer_freeze(what, run_once):
    """run_once(attempt) -> the guest's serial output (all of it, in
    order, when the attempt ran several guests). The TAP results of an
    attempt that met the timer freeze are dropped (what failed after it
    failed because of it) and it runs again, up to FREEZE_ATTEMPTS in all;
    the last attempt's results stand whatever they are."""
    for attempt in range(1, FREEZE_ATTEMPTS):
        tap.hold()
        text = run_once(attempt)
        frozen = nested_timer_freeze(text)
        tap.release(keep=not frozen)
        if not frozen:
            return
        tap.diag(f"{what}: attempt {attempt}: {guest_failures(text)}: the "
                 "nested host's timer froze (an emulator defect, "
                 "docs/testing.md); once more")
    run_once(FREEZE_ATTEMPTS)


def past_saved(out, total, more=25):
    """The line a restored workload of total records prints more records
    after the last one its first run printed (the snapshot was taken at or
    before it), or its last: a fixed record number may already be behind
    a late snapshot."""
    last = max((r[0] for r in records_in(read(out))), default=0)
    return f"snap record {min(last + more, total - 1)} "


def stalls(records):
    """None when nothing went back, the tick count grew over every WINDOW
    records and every CPU's count within STALL_TICKS ticks (the guest's
    rule, guest/tests/test_snapshot.c)."""
    ticks_grew, count_grew = 0, [records[0][1]] * len(records[0][2])
    for old, cur in zip(records, records[1:]):
        pairs = [("ticks", old[1], cur[1])] + \
            [(f"CPU {i} count", a, b)
             for i, (a, b) in enumerate(zip(old[2], cur[2]))]
        for what, a, b in pairs:
            if b < a:
                return f"record {cur[0]}: {what} {b}, record {old[0]} had {a}"
        if cur[1] > old[1]:
            ticks_grew = cur[0]
        if cur[0] - ticks_grew >= WINDOW:
            return f"record {cur[0]}: ticks {cur[1]} since record {ticks_grew}"
        for i, (a, b) in enumerate(zip(old[2], cur[2])):
            if b > a:
                count_grew[i] = cur[1]
            if cur[1] - count_grew[i] >= STALL_TICKS:
                return f"record {cur[0]}: CPU {i} count {b} has not grown " \
                       f"for {cur[1] - count_grew[i]} ticks"
    return None


def continuity(records, ncpus, count=RECORDS):
    """None when the records are 0..count-1 and nothing went back or
    stalled (stalls())."""
    seqs = [r[0] for r in records]
    if seqs != list(range(count)):
        return f"record numbers {seqs[:5]}...{seqs[-5:]}, " \
               f"expected 0..{count - 1} once each"
    for cur in records:
        if len(cur[2]) != ncpus:
            return f"record {cur[0]}: {len(cur[2])} counters"
    return stalls(records)


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def disk_records(path, ncpus, count=RECORDS):
    """Check every record on the disk as the host sees it; None when good."""
    with open(path, "rb") as f:
        data = f.read(count * SECTOR)
    records = []
    for n in range(count):
        sec = data[n * SECTOR:(n + 1) * SECTOR]
        magic, seq, cpus, ticks = struct.unpack_from("<8sIIQ", sec)
        counts = struct.unpack_from("<8Q", sec, 24)
        (checksum,) = struct.unpack_from("<Q", sec, 88)
        if magic != b"VSNAPREC" or seq != n or cpus != ncpus or \
                checksum != fnv1a(sec[:88]):
            return f"record {n} on disk: magic {magic!r} seq {seq}"
        records.append((seq, ticks, list(counts[:ncpus])))
    why = continuity(records, ncpus, count)
    return f"on disk: {why}" if why else None


# ---- 1. snapshot while running, kill, restore twice ------------------------

def snapshot_run(tmp, cpus):
    """The snapshot's directory, None when the workload did not run. The
    run and both restores are one attempt: a freeze before the snapshot
    is saved in it, so only a new run can step around one."""
    snap = os.path.join(tmp, f"snap{cpus}")
    tag = f"{cpus} vCPU{'s' if cpus > 1 else ''}"
    retry_timer_freeze(tag, lambda attempt: snapshot_run_once(tmp, cpus, tag,
                                                              attempt))
    return snap if os.path.isdir(snap) else None


def snapshot_run_once(tmp, cpus, tag, attempt):
    """Returns the guest's serial output, the run's and each restore's.
    Outputs and sockets are named per attempt (an earlier attempt's vigils
    left theirs behind); the snapshot and the disk keep one name, which
    later checks restore, and start anew."""
    disk = os.path.join(tmp, f"disk{cpus}.img")
    snap = os.path.join(tmp, f"snap{cpus}")
    sock = os.path.join(tmp, f"api{cpus}-{attempt}.sock")
    out0 = os.path.join(tmp, f"out{cpus}-0-{attempt}.txt")
    shutil.rmtree(snap, ignore_errors=True)
    with open(disk, "wb") as f:
        f.truncate(4 << 20)
    proc = start(["--kernel", guest, "--cpus", str(cpus), "--cmdline",
                  workload_cmdline(cpus), "--drive", f"file={disk}"],
                 out0, sock)
    started = wait_for(lambda: f"snap record {SNAP_AT} " in read(out0), 60)
    if not tap.ok(started, f"{tag}: the workload runs",
                  read(out0)[-500:]):
        proc.kill()
        finish(proc)
        return read(out0)
    r = ctl(sock, "snapshot", snap, "--paused")
    tap.ok(r.returncode == 0 and "vigil is paused" in r.stdout,
           f"{tag}: snapshot saved while running, VM stays paused",
           r.summary())
    r = ctl(sock, "status")
    tap.ok(r.returncode == 0 and r.stdout.startswith("paused"),
           f"{tag}: status says paused", r.summary())
    frozen = read(out0)
    time.sleep(0.4)
    tap.ok(read(out0) == frozen, f"{tag}: no output while paused")
    proc.send_signal(signal.SIGKILL)
    finish(proc)
    check_files(snap, tag)
    texts = [frozen]
    for i in (1, 2):
        texts.append(restore_run(tmp, snap, disk, frozen, cpus, tag, i,
                                 attempt))
    return "".join(texts)


def check_files(snap, tag):
    st_state = os.stat(os.path.join(snap, "state"))
    st_mem = os.stat(os.path.join(snap, "memory"))
    tap.ok(stat.S_IMODE(st_state.st_mode) == 0o600 and
           stat.S_IMODE(st_mem.st_mode) == 0o600 and
           stat.S_IMODE(os.stat(snap).st_mode) == 0o700,
           f"{tag}: snapshot files are owner-only")
    tap.ok(st_mem.st_size == 256 << 20 and
           st_mem.st_blocks * 512 < st_mem.st_size // 4,
           f"{tag}: memory file holds 256 MiB, sparse "
           f"({st_mem.st_blocks * 512} bytes allocated)")
    with open(os.path.join(snap, "state"), "rb") as f:
        fdt = f.read()[HEADER:]
    r = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", "-"],
                       input=fdt, capture_output=True)
    text = r.stdout.decode(errors="replace")
    tap.ok(r.returncode == 0 and "cpu@0 {" in text and "lapic {" in text
           and "msr-00000010" in text and "virtio-blk@d0000000" in text,
           f"{tag}: dtc prints the state as text",
           r.stderr.decode(errors="replace")[-300:])


def restore_run(tmp, snap, disk, before, cpus, tag, i, attempt):
    """Restore i of snap; returns the guest's serial output."""
    out = os.path.join(tmp, f"out{cpus}-r{i}-{attempt}.txt")
    sock = os.path.join(tmp, f"api{cpus}-r{i}-{attempt}.sock")
    proc = start(["--restore", snap, "--drive", f"file={disk}"], out, sock)
    r = ctl(sock, "status") if wait_for(lambda: listening(sock), 30) else None
    tap.ok(r is not None and r.returncode == 0 and
           r.stdout.startswith("running"),
           f"{tag}: restore {i}: the control socket answers",
           r.summary() if r else "nothing listens on it after 30 s")
    status, err = finish(proc)
    text = read(out)
    tap.ok(status == GUEST_PASS and "vigil-test-guest: PASS" in text,
           f"{tag}: restore {i}: the guest finishes and passes",
           f"status {status}: {guest_failures(text) or text[-400:]} "
           f"{err[-300:]}")
    joined = before + text
    records = records_in(joined)
    why = continuity(records, cpus)
    tap.ok(why is None, f"{tag}: restore {i}: serial output, records, "
           "counters and timer continue from the snapshot", why or "")
    # The snapshot may cut a line: a record counts as acknowledged before
    # it when its whole line was printed before it.
    ends = [(int(m.group(1)), m.end()) for m in RECORD_RE.finditer(joined)]
    last_before = max((n for n, end in ends if end <= len(before)),
                      default=None)
    first_after = min((n for n, end in ends if end > len(before)),
                      default=None)
    tap.ok(last_before is not None and first_after == last_before + 1,
           f"{tag}: restore {i}: first record after the snapshot is "
           f"{first_after}, the last acknowledged before it "
           f"{last_before}")
    why = disk_records(disk, cpus)
    tap.ok(why is None, f"{tag}: restore {i}: every record intact on the "
           "disk", why or "")
    return text


# ---- 2. pause and resume ---------------------------------------------------

def pause_resume(tmp):
    retry_timer_freeze("pause/resume",
                    lambda attempt: pause_resume_run(tmp, attempt))


def pause_resume_run(tmp, attempt):
    """The workload paused and resumed, with the control socket's checks
    between; returns the guest's serial output."""
    disk = os.path.join(tmp, f"disk-pause-{attempt}.img")
    sock = os.path.join(tmp, f"api-pause-{attempt}.sock")
    out = os.path.join(tmp, f"out-pause-{attempt}.txt")
    with open(disk, "wb") as f:
        f.truncate(4 << 20)
    # Long enough to be still running after the control socket checks,
    # even on a slow, busy host (a nested KVM host in an emulator).
    records = 4 * RECORDS
    proc = start(["--kernel", guest, "--cpus", "2", "--cmdline",
                  workload_cmdline(2, records), "--drive", f"file={disk}"],
                 out, sock)
    wait_for(lambda: "snap record 10 " in read(out), 60)
    control_socket_checks(sock, tmp)
    r = ctl(sock, "pause")
    tap.ok(r.returncode == 0 and r.stdout.strip() == "paused",
           "pause: acknowledged", r.summary())
    frozen = read(out)
    time.sleep(0.5)
    tap.ok(read(out) == frozen, "pause: the guest makes no progress")
    r = ctl(sock, "status")
    tap.ok(r.stdout.startswith("paused"), "pause: status says paused",
           r.summary())
    r = ctl(sock, "resume")
    tap.ok(r.returncode == 0 and r.stdout.strip() == "running",
           "resume: acknowledged", r.summary())
    status, err = finish(proc)
    text = read(out)
    why = continuity(records_in(text), 2, records)
    tap.ok(status == GUEST_PASS and why is None,
           "pause/resume: the guest passes, its records continuous",
           f"status {status}: {why} {guest_failures(text)} {err[-300:]}")
    tap.ok(disk_records(disk, 2, records) is None, "pause/resume: disk intact")
    return text


# ---- 3. the control socket -------------------------------------------------

def raw_request(sock, data, read_reply=True, fds=()):
    """One request as bytes, with descriptors (SCM_RIGHTS) if any; the
    reply line."""
    return raw_parts(sock, [(data, fds)], read_reply)


def raw_parts(sock, parts, read_reply=True):
    """One request sent in pieces, each (bytes, descriptors), with a pause
    between them so that each arrives in its own recvmsg(); the reply."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(sock)
    for i, (data, fds) in enumerate(parts):
        if i:
            time.sleep(0.2)
        if fds:
            socket.send_fds(s, [data], list(fds))
        else:
            s.sendall(data)
    reply = b""
    while read_reply and not reply.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
    s.close()
    # Without its newline: a reply goes into a one-line TAP diagnostic.
    return reply.decode(errors="replace").rstrip("\n")


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def control_socket_checks(sock, tmp):
    mode = stat.S_IMODE(os.stat(sock).st_mode)
    tap.ok(mode == 0o600, f"api socket mode is 0600 ({oct(mode)})")
    bad = [
        ("malformed JSON", b"{\"command\": \n", "not JSON"),
        ("not an object", b"[1, 2]\n", "not a JSON object"),
        ("unknown command", b"{\"command\": \"reboot\"}\n",
         "unknown command"),
        ("unknown key", b"{\"command\": \"status\", \"x\": 1}\n",
         "unknown key"),
        ("wrong type", b"{\"command\": 7}\n", "command"),
        ("a path (vigil opens no file)",
         b"{\"command\": \"snapshot\", \"path\": \"/x\"}\n", "unknown key"),
        ("paused not a boolean",
         b"{\"command\": \"snapshot\", \"paused\": 1}\n", "paused"),
        ("NUL byte", b"{\"command\": \"st\0atus\"}\n", "NUL"),
        ("escaped NUL in the command",
         b"{\"command\": \"status\\u0000x\"}\n", "escape"),
        ("a key given twice",
         b"{\"command\": \"status\", \"command\": \"quit\"}\n", "twice"),
        ("trailing text", b"{\"command\": \"status\"} x\n", "after"),
        ("too deep", b"{\"command\": [[[[[[1]]]]]]}\n", "not JSON"),
        ("oversized request", b"{" + b" " * 5000 + b"\n", "longer than"),
    ]
    for name, data, needle in bad:
        reply = raw_request(sock, data)
        tap.ok("\"ok\":false" in reply and needle in reply,
               f"control: {name} gets an error reply", reply[:200])
    raw_request(sock, b"{\"command\": \"pau", read_reply=False)
    r = ctl(sock, "status")
    tap.ok(r.returncode == 0 and r.stdout.startswith("running"),
           "control: after bad requests and a hang-up the VM still runs",
           r.summary())
    r = ctl(sock, "frobnicate")
    tap.ok(r.returncode == 2 and "bad command" in r.stderr,
           "vigil ctl refuses an unknown command itself", r.summary())
    second = run([vigil, "--kernel", guest, "--api-socket", sock,
                  "--serial", "none"], timeout=30)
    tap.ok(second.returncode == EXIT_ERROR and
           "another process is listening" in second.stderr,
           "a second vigil refuses the live socket", second.summary())
    plain = os.path.join(tmp, "plain-file")
    with open(plain, "w") as f:
        f.write("keep me")
    r = run([vigil, "--kernel", guest, "--api-socket", plain, "--serial",
             "none"], timeout=30)
    tap.ok(r.returncode == EXIT_ERROR and "not a socket" in r.stderr and
           read(plain) == "keep me",
           "a file that is not a socket is refused and kept", r.summary())


# ---- 4. refusals -----------------------------------------------------------

def crc32c(data):
    crc = 0xffffffff
    table = crc32c.table
    for b in data:
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xff]
    return crc ^ 0xffffffff


def _crc_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82f63b78 if c & 1 else 0)
        t.append(c)
    return t


crc32c.table = _crc_table()


def rewrap(fdt, version=3):
    """A state file around fdt with a correct header (and checksum)."""
    hdr = b"VIGILSNP" + struct.pack(">IIQ", version, HEADER, len(fdt))
    crc = crc32c(hdr + fdt)
    return hdr + struct.pack(">II", crc, 0) + fdt


def dts_of(snap):
    with open(os.path.join(snap, "state"), "rb") as f:
        fdt = f.read()[HEADER:]
    return subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", "-"],
                          input=fdt, capture_output=True,
                          check=True).stdout.decode()


def dtb_of(dts):
    return subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-"],
                          input=dts.encode(), capture_output=True,
                          check=True).stdout


def edit_node(dts, node, old_re, new):
    """Replace old_re inside the first node named node."""
    start = dts.index(f"\t{node} {{")
    end = dts.index("};", start)
    body = re.sub(old_re, new, dts[start:end], count=1)
    return dts[:start] + body + dts[end:]


def refusals(tmp, snap, disk):
    base = os.path.join(tmp, "bad")
    with open(os.path.join(snap, "state"), "rb") as f:
        state = f.read()
    dts = dts_of(snap)
    out = os.path.join(tmp, "out-refused.txt")

    def variant(name, state_bytes=None, memory=None):
        d = os.path.join(base, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        with open(os.path.join(d, "state"), "wb") as f:
            f.write(state if state_bytes is None else state_bytes)
        mem = os.path.join(d, "memory")
        if memory != "missing":
            os.link(os.path.join(snap, "memory"), mem) if memory is None \
                else shutil.copyfile(os.path.join(snap, "memory"), mem)
        if memory == "grown":
            with open(mem, "r+b") as f:
                f.truncate(os.path.getsize(mem) + 4096)
        return d

    def expect(name, d, *needles, extra=(), max_lines=1):
        if os.path.exists(out):
            os.unlink(out)
        r = run([vigil, "--restore", d, "--serial", f"file:{out}",
                 "--drive", f"file={disk}"] + list(extra), timeout=60)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        good = (r.returncode == EXIT_ERROR and len(lines) <= max_lines and
                all(n in r.stderr for n in needles) and
                "Sanitizer" not in r.stderr and read(out) == "")
        tap.ok(good, f"refused: {name}", r.summary().replace("\n", " | "))

    expect("no memory file", variant("nomem", memory="missing"), "memory")
    expect("memory file of the wrong size", variant("grown", memory="grown"),
           "memory:", "memory-size")
    expect("a newer format version", variant("v4", rewrap(state[HEADER:], 4)),
           "version 4", "versions 2 to 3")
    expect("the format before device kinds (version 1)",
           variant("v1", rewrap(state[HEADER:], 1)), "version 1",
           "versions 2 to 3")
    expect("a version 3 tree under a version 2 header",
           variant("v2hdr", rewrap(state[HEADER:], 2)), "format-version",
           "header says version 2")
    expect("an older format version",
           variant("v0", rewrap(state[HEADER:], 0)), "version 0")
    for cut in (0, 7, 31, 32, 100, len(state) // 2, len(state) - 1):
        expect(f"truncated at {cut} bytes", variant(f"cut{cut}", state[:cut]),
               "state")
    for i, bit in enumerate((3, 200, 1000, 8 * len(state) // 2,
                             8 * len(state) - 5)):
        flipped = bytearray(state)
        flipped[bit // 8] ^= 1 << (bit % 8)
        expect(f"bit {bit} flipped", variant(f"flip{i}", bytes(flipped)),
               "state")
    edited = edit_node(dts, "queue@0", r"desc = <[^>]*>",
                       "desc = <0x00 0x20000000>")
    expect("a ready queue outside RAM (edited with dtc)",
           variant("queue", rewrap(dtb_of(edited))),
           "queue@0", "outside guest RAM")
    edited = edit_node(dts, "lapic", r"\n\s*tpr = <[^>]*>;", "")
    expect("the LAPIC's tpr removed (edited with dtc)",
           variant("notpr", rewrap(dtb_of(edited))), "lapic", "tpr",
           "missing")
    edited = edit_node(dts, "lapic", r"tpr = <[^>]*>", "tpr = <0x100>")
    expect("the LAPIC's tpr out of range (edited with dtc)",
           variant("bigtpr", rewrap(dtb_of(edited))), "lapic/tpr", "0x100")
    edited = edit_node(dts, "machine", r"vcpus = <[^>]*>", "vcpus = <0x03>")
    expect("a vCPU count the cpu nodes do not match",
           variant("vcpus", rewrap(dtb_of(edited))), "cpu@", "expected 3")
    edited = edit_node(dts, "machine", r"memory-size = <[^>]*>",
                       "memory-size = <0x00 0x20000000>")
    expect("a memory size the memory file does not match",
           variant("memsize", rewrap(dtb_of(edited))), "memory-size")
    # A usage error: its line, then "Try 'vigil --help'".
    expect("--kernel with --restore", snap, "comes from the snapshot",
           extra=["--kernel", guest], max_lines=2)


def drive_refusals(tmp, snap, disk):
    out = os.path.join(tmp, "out-drive.txt")

    def restore(*drives):
        args = [a for d in drives for a in ("--drive", d)]
        return run([vigil, "--restore", snap, "--serial", f"file:{out}"] +
                   args, timeout=60)

    missing = disk + ".missing"
    r = restore(f"file={missing}")
    tap.ok(r.returncode == EXIT_ERROR and os.path.basename(missing) in
           r.stderr and read(out) == "",
           "refused: the drive's file is missing, naming it",
           r.summary().replace("\n", " | "))
    size = os.path.getsize(disk)
    with open(disk, "r+b") as f:
        f.truncate(size * 2)
    r = restore(f"file={disk}")
    tap.ok(r.returncode == EXIT_ERROR and "virtio-blk0 (--drive " in
           r.stderr and str(size) in r.stderr and "drive/size" in r.stderr
           and read(out) == "",
           "refused: the drive's size changed, naming the drive",
           r.summary().replace("\n", " | "))
    with open(disk, "r+b") as f:
        f.truncate(size)
    r = restore()
    tap.ok(r.returncode == EXIT_ERROR and
           "has 1 virtio devices, the command line gives 0" in r.stderr
           and f"--drive 'driver=raw,file={disk},readonly=off" in r.stderr
           and
           read(out) == "",
           "refused: a restore without --drive, showing the recorded drive",
           r.summary().replace("\n", " | "))
    r = restore(f"driver=null-co,size={size}")
    tap.ok(r.returncode == EXIT_ERROR and "null-co drive" in r.stderr and
           read(out) == "", "refused: a drive of another kind",
           r.summary().replace("\n", " | "))
    r = restore(f"file={disk},readonly=on")
    tap.ok(r.returncode == EXIT_ERROR and "readonly=on" in r.stderr and
           read(out) == "", "refused: a read-only drive for a writable one",
           r.summary().replace("\n", " | "))
    r = restore(f"file={disk}", f"file={disk}")
    tap.ok(r.returncode == EXIT_ERROR and
           "has 1 virtio devices, the command line gives 2" in r.stderr
           and read(out) == "", "refused: more drives than the snapshot had",
           r.summary().replace("\n", " | "))


# ---- 5. hostile snapshot files ---------------------------------------------

def hostile_files(tmp, snap, disk):
    """A snapshot directory is untrusted: its state names no host file that
    vigil opens, and only its own two files, regular and ours, are read."""
    base = os.path.join(tmp, "hostile")
    os.makedirs(base)
    out = os.path.join(tmp, "out-hostile.txt")
    victim = os.path.join(tmp, "victim.img")
    size = os.path.getsize(disk)
    with open(victim, "wb") as f:
        f.write(b"V" * size)
    guest_disk = os.path.join(tmp, "disk-hostile.img")
    shutil.copyfile(disk, guest_disk)

    def snapdir(name, state=None, memory="copy"):
        d = os.path.join(base, name)
        os.makedirs(d)
        with open(os.path.join(d, "state"), "wb") as f:
            with open(os.path.join(snap, "state"), "rb") as g:
                f.write(state if state is not None else g.read())
        if memory == "copy":
            subprocess.run(["cp", "--sparse=always",
                            os.path.join(snap, "memory"), d], check=True)
        return d

    def restore(d, *extra, timeout=60):
        return run([vigil, "--restore", d, "--serial", f"file:{out}"] +
                   list(extra), timeout=timeout)

    def refused(name, r, *needles):
        tap.ok(r.returncode == EXIT_ERROR and not r.timed_out and
               all(n in r.stderr for n in needles),
               f"hostile files: {name}", r.summary().replace("\n", " | "))

    # The state file names another file as the drive, writable.
    dts = edit_node(dts_of(snap), "drive", r'backend = "[^"]*"',
                    f'backend = "file={victim},readonly=off,direct=off"')
    d = snapdir("tampered", rewrap(dtb_of(dts)))
    r = restore(d)
    refused("a state file naming another file is not opened; the restore "
            "asks for --drive", r, "has 1 virtio devices, the command "
            "line gives 0")
    r = restore(d, "--drive", f"file={guest_disk}", timeout=180)
    with open(victim, "rb") as f:
        untouched = f.read() == b"V" * size
    tap.ok(r.returncode == GUEST_PASS and untouched,
           "hostile files: the guest of a tampered snapshot runs on the "
           "--drive given, the file its state names is untouched",
           r.summary().replace("\n", " | "))

    d = snapdir("memory-link", memory=None)
    os.symlink(os.path.join(snap, "memory"), os.path.join(d, "memory"))
    refused("a memory file that is a symbolic link",
            restore(d, "--drive", f"file={disk}"), "memory",
            "symbolic link")
    d = snapdir("state-link")
    os.unlink(os.path.join(d, "state"))
    os.symlink(os.path.join(snap, "state"), os.path.join(d, "state"))
    refused("a state file that is a symbolic link",
            restore(d, "--drive", f"file={disk}"), "state", "symbolic link")
    d = snapdir("memory-fifo", memory=None)
    os.mkfifo(os.path.join(d, "memory"))
    refused("a memory file that is a FIFO (vigil must not block on it)",
            restore(d, "--drive", f"file={disk}", timeout=20), "memory",
            "not a regular file")
    d = snapdir("memory-owner")
    os.chown(os.path.join(d, "memory"), 65534, 65534)
    refused("a memory file of another user",
            restore(d, "--drive", f"file={disk}"), "memory", "uid 65534")
    link = os.path.join(base, "dir-link")
    os.symlink(snap, link)
    refused("a snapshot directory that is a symbolic link",
            restore(link, "--drive", f"file={disk}"), "symbolic link")
    refused("more RAM than --memory allows",
            restore(snap, "--drive", f"file={disk}", "--memory", "128M"),
            "256 MiB", "--memory")
    refused("more vCPUs than --cpus allows",
            restore(snap, "--drive", f"file={disk}", "--cpus", "1"),
            "2 vCPUs", "--cpus")


def hostile_dirs(tmp):
    """Snapshot directories prepared by someone else, and control clients
    passing the wrong descriptors: refused, nothing written, and vigil
    saves a good snapshot afterwards."""
    disk = os.path.join(tmp, "disk-dirs.img")
    sock = os.path.join(tmp, "api-dirs.sock")
    out = os.path.join(tmp, "out-dirs.txt")
    base = os.path.join(tmp, "dirs")
    os.makedirs(base)
    with open(disk, "wb") as f:
        f.truncate(4 << 20)
    victim = os.path.join(tmp, "victim-dirs.txt")
    with open(victim, "w") as f:
        f.write("precious")
    proc = start(["--kernel", guest, "--cmdline",
                  workload_cmdline(1, 100 * RECORDS), "--drive",
                  f"file={disk}"], out, sock)
    wait_for(lambda: "snap record 10 " in read(out), 60)

    def attempt(name, prepare, *needles):
        d = os.path.join(base, name)
        prepare(d)
        before = sorted(os.listdir(d)) if os.path.isdir(d) else None
        r = run([vigil, "ctl", sock, "snapshot", d], timeout=30)
        after = sorted(os.listdir(d)) if os.path.isdir(d) else None
        tap.ok(r.returncode == 1 and not r.timed_out and
               all(n in r.stderr for n in needles) and before == after,
               f"snapshot dirs: {name}: refused, nothing written",
               r.summary().replace("\n", " | "))

    attempt("another user's directory", snapdirs.owned_by_nobody,
            "uid 65534")
    attempt("a world-writable directory", snapdirs.world_writable,
            "writable by others")
    attempt("a symlink to a victim as memory.tmp",
            snapdirs.holding(snapdirs.symlink("memory.tmp", victim)),
            "memory.tmp", "symbolic link")
    attempt("a FIFO as state.tmp", snapdirs.holding(snapdirs.fifo(
        "state.tmp")), "state.tmp", "not a regular file")
    attempt("a file that is not a snapshot's",
            snapdirs.holding(snapdirs.regular("notes.txt")), "notes.txt")
    attempt("the directory a symlink", snapdirs.linked_to(base),
            "symbolic link")
    with open(victim, "rb") as f:
        tap.ok(f.read() == b"precious", "snapshot dirs: the victim is intact")

    d = os.path.join(base, "leftover")
    snapdirs.holding(snapdirs.regular("state.tmp", 0o644))(d)
    r = ctl(sock, "snapshot", d)
    modes = {n: stat.S_IMODE(os.stat(os.path.join(d, n)).st_mode)
             for n in os.listdir(d)}
    tap.ok(r.returncode == 0 and modes == {"memory": 0o600, "state": 0o600},
           "snapshot dirs: a readable leftover state.tmp is replaced, the "
           "files are 0600", f"{r.summary()} {modes}")

    fds_before = open_fds(proc.pid)
    refusals = []
    rd = os.open(tmp, os.O_RDONLY | os.O_DIRECTORY)
    ro = os.open(disk, os.O_RDONLY)
    empty = [os.open(os.path.join(base, f"empty{i}"),
                     os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
             for i in range(3)]
    full = os.open(victim, os.O_RDWR)
    for name, data, fds, needle in (
            ("no descriptors", b'{"command": "snapshot"}\n', [],
             "needs 2 file descriptors"),
            ("one descriptor", b'{"command": "snapshot"}\n', empty[:1],
             "needs 2 file descriptors"),
            ("three descriptors", b'{"command": "snapshot"}\n', empty,
             "more than 2"),
            ("a directory", b'{"command": "snapshot"}\n', [rd, empty[0]],
             "not a regular file"),
            ("a read-only file", b'{"command": "snapshot"}\n',
             [empty[0], ro], "not open for writing"),
            ("a file that is not empty", b'{"command": "snapshot"}\n',
             [full, empty[0]], "not empty"),
            ("descriptors with status", b'{"command": "status"}\n',
             empty[:2], "takes no file descriptors")):
        reply = raw_request(sock, data, fds=fds)
        if not ("\"ok\":false" in reply and needle in reply):
            refusals.append(f"{name}: {reply[:200]}")
    # Half a request with descriptors, then a hang-up: they go with it.
    raw_parts(sock, [(b'{"command": "snap', empty[:2])], read_reply=False)
    for fd in [rd, ro, full] + empty:
        os.close(fd)
    tap.ok(not refusals, "control: wrong descriptors get an error reply",
           "; ".join(refusals))
    tap.ok(wait_for(lambda: open_fds(proc.pid) == fds_before, 10),
           "control: vigil keeps none of the descriptors it refused",
           f"{fds_before} open before, {open_fds(proc.pid)} after")
    with open(victim, "rb") as f:
        intact = f.read() == b"precious"
    tap.ok(intact and all(os.path.getsize(os.path.join(base, f"empty{i}"))
                          == 0 for i in range(3)),
           "control: nothing written to them")
    good = os.path.join(base, "good")
    r = ctl(sock, "snapshot", good)
    tap.ok(r.returncode == 0 and sorted(os.listdir(good)) ==
           ["memory", "state"],
           "snapshot dirs: after all that, a snapshot is saved", r.summary())
    check_files(good, "snapshot dirs: after all that")
    split_requests(sock, base, proc.pid)
    r = ctl(sock, "quit")
    status, err = finish(proc)
    tap.ok(status == 0, "snapshot dirs: vigil quits with status 0",
           f"status {status}: {err[-300:]}")
    socket_left_behind(sock, tmp, disk)


def split_requests(sock, base, pid):
    """A snapshot request in pieces, its descriptors with the first or the
    last one: served as when whole."""
    fds_before = open_fds(pid)
    for name, first, last in (("with the first piece", True, False),
                              ("with the last piece", False, True)):
        d = os.path.join(base, f"split {name}")
        os.mkdir(d, 0o700)
        fds = [os.open(os.path.join(d, n), os.O_WRONLY | os.O_CREAT |
                       os.O_EXCL, 0o600) for n in ("memory", "state")]
        reply = raw_parts(sock, [(b'{"command": "snap', fds if first else []),
                                 (b'shot", "paused"', []),
                                 (b': false}\n', fds if last else [])])
        for fd in fds:
            os.close(fd)
        sizes = [os.path.getsize(os.path.join(d, n))
                 for n in ("memory", "state")]
        tap.ok("\"ok\":true" in reply and sizes[0] == 256 << 20 and
               sizes[1] > HEADER,
               f"control: a request in three pieces, descriptors {name}: "
               "saved", f"{reply[:200]} sizes {sizes}")
    tap.ok(wait_for(lambda: open_fds(pid) == fds_before, 10),
           "control: the descriptors are closed once the save is done",
           f"{fds_before} open before, {open_fds(pid)} after")


def socket_left_behind(sock, tmp, disk):
    """vigil's sandbox takes no path, so the socket file stays after it
    exits; the next vigil given the path replaces it."""
    tap.ok(stat.S_ISSOCK(os.lstat(sock).st_mode),
           "control: the socket file stays after vigil exits")
    out = os.path.join(tmp, "out-dirs-again.txt")
    proc = start(["--kernel", guest, "--cmdline",
                  workload_cmdline(1, 100 * RECORDS), "--drive",
                  f"file={disk}"], out, sock)
    r = None
    if wait_for(lambda: "snap record 1 " in read(out), 60):
        r = ctl(sock, "status")
    tap.ok(r is not None and r.returncode == 0 and
           r.stdout.startswith("running"),
           "control: the next vigil replaces the stale socket",
           r.summary() if r else read(out)[-300:])
    ctl(sock, "quit")
    status, err = finish(proc)
    tap.ok(status == 0, "control: that vigil quits with status 0",
           f"status {status}: {err[-300:]}")


def rng_snapshot(tmp):
    """A VM with a drive and an entropy device: the snapshot holds both; a
    restore must name both in the same order (refused otherwise, with the
    recorded devices as the hint) and the restored guest runs on."""
    sock = os.path.join(tmp, "api-rng.sock")
    out = os.path.join(tmp, "out-rng.txt")
    snap = os.path.join(tmp, "snap-rng")
    rng_disk = os.path.join(tmp, "disk-rng.img")
    with open(rng_disk, "wb") as f:
        f.truncate(4 << 20)
    # The workload writes its records to the first drive; the entropy
    # device takes the next slot.
    proc = start(["--kernel", guest, "--cmdline",
                  workload_cmdline(1, 100 * RECORDS), "--drive",
                  f"file={rng_disk}", "--rng"], out, sock)
    wait_for(lambda: "snap record 5 " in read(out), 60)
    r = ctl(sock, "snapshot", snap)
    tap.ok(r.returncode == 0, "--rng: the snapshot holds the drive and the "
           "entropy device", r.summary().replace("\n", " | "))
    ctl(sock, "quit")
    status, err = finish(proc)
    tap.ok(status == 0, "--rng: vigil quits with status 0",
           f"status {status}: {err[-300:]}")
    if not os.path.exists(os.path.join(snap, "state")):
        return
    tap.ok("virtio-rng@d0001000" in dts_of(snap),
           "--rng: the state has a virtio-rng node in the second slot")

    def restore(*args, timeout=60):
        return run([vigil, "--restore", snap, "--serial", f"file:{out}.r"] +
                   list(args), timeout=timeout)

    r = restore("--drive", f"file={rng_disk}")
    tap.ok(r.returncode == EXIT_ERROR and "has 2 virtio devices, the command "
           "line gives 1" in r.stderr and
           f"--drive 'driver=raw,file={rng_disk}" in r.stderr and
           r.stderr.rstrip().endswith("--rng)"),
           "--rng: a restore without it is refused, naming both devices",
           r.summary().replace("\n", " | "))
    r = restore("--rng", "--drive", f"file={rng_disk}")
    tap.ok(r.returncode == EXIT_ERROR and "in another order" in r.stderr,
           "--rng: a restore with the devices in another order is refused",
           r.summary().replace("\n", " | "))
    want = past_saved(out, 100 * RECORDS)
    proc = start(["--restore", snap, "--drive", f"file={rng_disk}",
                  "--rng=bytes-per-second=4K"], out + ".r", sock)
    tap.ok(wait_for(lambda: want in read(out + ".r"), 120),
           "--rng: restored with its rate from the command line, the guest "
           "runs on", read(out + ".r")[-300:])
    ctl(sock, "quit")
    status, err = finish(proc)
    tap.ok(status == 0, "--rng: the restored vigil quits with status 0",
           f"status {status}: {err[-300:]}")


class StreamPeer:
    """A UNIX stream socket a --net passt,socket= device connects to: it
    takes each connection and reads whatever comes (QEMU's stream
    protocol; nothing is answered), counting connections and keeping the
    first frame of each (None until one came)."""

    def __init__(self, path):
        self.path = path
        self.connections = 0
        self.first_frames = []
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(4)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            self.connections += 1
            self.first_frames.append(None)
            threading.Thread(target=self.drain,
                             args=(conn, len(self.first_frames) - 1),
                             daemon=True).start()

    def drain(self, conn, index):
        data = b""
        with conn:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
                if self.first_frames[index] is None and len(data) >= 4:
                    n = int.from_bytes(data[:4], "big")
                    if len(data) >= 4 + n:
                        self.first_frames[index] = data[4:4 + n]
                if self.first_frames[index] is not None:
                    data = b""

    def close(self):
        self.srv.close()


def net_snapshot(tmp):
    """A VM with a drive and a network device: the snapshot records the
    device's MAC and MTU; a restore must give the same (refused otherwise,
    naming them) and reconnects to the backend it names."""
    sock = os.path.join(tmp, "api-net.sock")
    out = os.path.join(tmp, "out-net.txt")
    snap = os.path.join(tmp, "snap-net")
    disk = os.path.join(tmp, "disk-net.img")
    peer = StreamPeer(os.path.join(tmp, "peer-net.sock"))
    net = f"passt,socket={peer.path}"
    recorded = "--net 'passt,mac=52:54:00:76:67:10,mtu=1500'"
    with open(disk, "wb") as f:
        f.truncate(4 << 20)
    proc = start(["--kernel", guest, "--cmdline",
                  workload_cmdline(1, 100 * RECORDS), "--drive",
                  f"file={disk}", "--net", net], out, sock)
    wait_for(lambda: "snap record 5 " in read(out), 60)
    r = ctl("--json", sock, "status")
    try:
        devices = json.loads(r.stdout)["devices"]
    except (ValueError, KeyError):
        devices = {}
    net_counters = devices.get("virtio-net0", {})
    tap.ok(set(devices) == {"virtio-blk0", "virtio-net0"} and
           len(net_counters) == 15 and net_counters.get("tx_frames") == 0 and
           net_counters.get("rx_short_chain") == 0,
           "--net: vigil ctl status shows the devices, the net device's "
           "counters (frames, drops by reason)", r.stdout.strip())
    r = ctl(sock, "status")
    tap.ok(r.returncode == 0 and
           "\n  virtio-net0: tx_frames 0, tx_bytes 0," in r.stdout,
           "--net: vigil ctl status prints them a device a line",
           r.stdout.strip())
    r = ctl(sock, "snapshot", snap)
    tap.ok(r.returncode == 0 and peer.connections == 1,
           "--net: the snapshot holds the drive and the network device",
           r.summary().replace("\n", " | "))
    ctl(sock, "quit")
    status, err = finish(proc)
    tap.ok(status == 0, "--net: vigil quits with status 0",
           f"status {status}: {err[-300:]}")
    if not os.path.exists(os.path.join(snap, "state")):
        peer.close()
        return
    tap.ok("virtio-net@d0001000" in dts_of(snap) and
           'spec = "passt,mac=52:54:00:76:67:10,mtu=1500"' in dts_of(snap),
           "--net: the state has the device in the second slot, its MAC "
           "and MTU as a --net spec")

    def restore(*args, timeout=60):
        return run([vigil, "--restore", snap, "--serial", f"file:{out}.r"] +
                   list(args), timeout=timeout)

    r = restore("--drive", f"file={disk}")
    tap.ok(r.returncode == EXIT_ERROR and
           r.stderr.rstrip().endswith(recorded + ")"),
           "--net: a restore without it is refused, the recorded spec the "
           "hint", r.summary().replace("\n", " | "))
    r = restore("--drive", f"file={disk}", "--net",
                net + ",mac=52:54:00:00:00:01")
    tap.ok(r.returncode == EXIT_ERROR and
           "has mac=52:54:00:00:00:01,mtu=1500, the snapshot recorded "
           "passt,mac=52:54:00:76:67:10,mtu=1500" in r.stderr,
           "--net: a restore with another MAC is refused, naming both",
           r.summary().replace("\n", " | "))
    before = peer.connections
    want = past_saved(out, 100 * RECORDS)
    proc = start(["--restore", snap, "--drive", f"file={disk}", "--net",
                  net], out + ".r", sock)
    tap.ok(wait_for(lambda: want in read(out + ".r"), 120) and
           peer.connections == before + 1,
           "--net: restored on a new connection, the guest runs on",
           read(out + ".r")[-300:])
    mac = bytes.fromhex("525400766710")
    first = peer.first_frames[-1] if peer.first_frames else None
    tap.ok(first is not None and len(first) == 60 and
           first[:6] == b"\xff" * 6 and first[6:12] == mac and
           first[12:14] == b"\x80\x35" and first[22:28] == mac,
           "--net: the restored device announces the guest's MAC first (a "
           "RARP request to everyone)", f"{first!r}")
    ctl(sock, "quit")
    status, err = finish(proc)
    tap.ok(status == 0, "--net: the restored vigil quits with status 0",
           f"status {status}: {err[-300:]}")
    peer.close()


def truncated_memory(tmp):
    """The restored RAM is vigil's own: shrinking the snapshot's memory file
    under the running VM does not fault vigil (a private mapping of the
    file made vigil's next read of those pages a SIGBUS)."""
    disk = os.path.join(tmp, "disk-trunc.img")
    snap = os.path.join(tmp, "snap-trunc")
    socks = [os.path.join(tmp, f"api-trunc{i}.sock") for i in range(2)]
    outs = [os.path.join(tmp, f"out-trunc{i}.txt") for i in range(2)]
    with open(disk, "wb") as f:
        f.truncate(4 << 20)
    records = 100 * RECORDS  # still running when the checks are done
    proc = start(["--kernel", guest, "--cmdline",
                  workload_cmdline(1, records), "--drive", f"file={disk}"],
                 outs[0], socks[0])
    wait_for(lambda: "snap record 10 " in read(outs[0]), 60)
    r = ctl(socks[0], "snapshot", snap, "--paused")
    proc.kill()
    finish(proc)
    if not tap.ok(r.returncode == 0, "truncated memory: snapshot saved",
                  r.summary()):
        return
    proc = start(["--restore", snap, "--drive", f"file={disk}"], outs[1],
                 socks[1])
    wait_for(lambda: listening(socks[1]), 30)
    os.truncate(os.path.join(snap, "memory"), 0)
    r = ctl(socks[1], "snapshot", os.path.join(tmp, "snap-trunc2"))
    tap.ok(r.returncode == 0,
           "truncated memory: the restored VM still saves all its RAM",
           r.summary())
    seen = read(outs[1])
    tap.ok(wait_for(lambda: len(read(outs[1])) > len(seen) + 200, 30),
           "truncated memory: the guest runs on")
    r = ctl(socks[1], "quit")
    status, err = finish(proc)
    tap.ok(status == 0, "truncated memory: vigil quits with status 0",
           f"status {status}: {err[-300:]}")


def file_size_limit(tmp):
    """Under a file size limit smaller than the guest's RAM, a snapshot
    fails with EFBIG naming the memory file, leaves no file behind, and
    the guest runs on: vigil ignores SIGXFSZ, which would kill it."""
    disk = os.path.join(tmp, "disk-fsize.img")
    sock = os.path.join(tmp, "api-fsize.sock")
    out = os.path.join(tmp, "out-fsize.txt")
    snap = os.path.join(tmp, "snap-fsize")
    with open(disk, "wb") as f:
        f.truncate(4 << 20)
    # The disk and the console file stay below the limit; RAM does not.
    proc = start(["--kernel", guest, "--cmdline",
                  workload_cmdline(1, 100 * RECORDS), "--drive",
                  f"file={disk}"], out, sock,
                 prefix=["prlimit", f"--fsize={8 << 20}", "--"])
    wait_for(lambda: "snap record 5 " in read(out), 60)
    r = ctl(sock, "snapshot", snap)
    left = sorted(os.listdir(snap)) if os.path.isdir(snap) else []
    tap.ok(r.returncode == 1 and "File too large" in r.stderr and
           "memory" in r.stderr and left == [],
           "file size limit: the snapshot fails with EFBIG, no file left",
           f"{r.summary()} left {left}".replace("\n", " | "))
    seen = len(records_in(read(out)))
    tap.ok(proc.poll() is None and
           wait_for(lambda: len(records_in(read(out))) > seen + 2, 30),
           "file size limit: vigil lives and the guest runs on",
           f"exit status {proc.poll()}, {seen} records then "
           f"{len(records_in(read(out)))}")
    r = ctl(sock, "quit")
    status, err = finish(proc)
    tap.ok(status == 0, "file size limit: vigil quits with status 0",
           f"status {status}: {err[-300:]}")


KVM_CHECK_EXTENSION = 0xAE03
KVM_CAP_TSC_CONTROL = 60


def kvm_scales_tsc():
    """Whether this host's KVM can run a guest's TSC at another rate."""
    import fcntl
    fd = os.open("/dev/kvm", os.O_RDWR)
    try:
        return fcntl.ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_CONTROL) > 0
    finally:
        os.close(fd)


def tsc_rate(tmp, snap, disk):
    """The guest's TSC rate is saved (/machine/tsc-khz, version 3). A
    restore runs the guest at it where KVM can; a slower rate on a KVM
    without TSC scaling is said on stderr, not refused; a version 2 file,
    which has no rate, restores as before. Each time the guest runs on."""
    dts = dts_of(snap)
    m = re.search(r"tsc-khz = <(0x[0-9a-f]+)>", dts)
    if not tap.ok(m and int(m.group(1), 16) >= 1000,
                  "tsc: the state records the TSC rate",
                  m.group(0) if m else "no tsc-khz in /machine"):
        return
    khz = int(m.group(1), 16)
    scales = kvm_scales_tsc()

    def with_rate(rate):
        return edit_node(dts, "machine", r"tsc-khz = <[^>]*>",
                         f"tsc-khz = <{rate:#x}>")

    v2 = re.sub(r"format-version = <0x03>", "format-version = <0x02>",
                edit_node(dts, "machine", r"\n\s*tsc-khz = <[^>]*>;", ""))
    # (what, state file, whether vigil must say it cannot run the rate)
    cases = [("a version 2 file, no rate", rewrap(dtb_of(v2), 2), False),
             ("a rate 10% slower", rewrap(dtb_of(with_rate(khz * 9 // 10))),
              not scales),
             ("a rate 1% faster", rewrap(dtb_of(with_rate(khz * 101 // 100))),
              False)]
    for i, (what, state, warned) in enumerate(cases):
        d = os.path.join(tmp, f"tsc{i}")
        os.makedirs(d, mode=0o700)
        with open(os.path.join(d, "state"), "wb") as f:
            f.write(state)
        os.chmod(os.path.join(d, "state"), 0o600)
        os.link(os.path.join(snap, "memory"), os.path.join(d, "memory"))
        out = os.path.join(tmp, f"out-tsc{i}.txt")
        sock = os.path.join(tmp, f"api-tsc{i}.sock")
        proc = start(["--restore", d, "--drive", f"file={disk}"], out, sock)
        ran = wait_for(lambda: len(records_in(read(out))) >= 3 or
                       proc.poll() is not None, 120)
        if proc.poll() is None:
            ctl(sock, "quit")
        status, err = finish(proc)
        said = "cannot run it at that rate" in err
        tap.ok(ran and len(records_in(read(out))) >= 3 and said == warned,
               f"tsc: {what}: restored, the guest runs on"
               + (", the rate it cannot run said" if warned else ""),
               f"status {status}, {len(records_in(read(out)))} records, "
               f"stderr {err[-400:]!r}")


with tempfile.TemporaryDirectory() as tmp:
    snap1 = snapshot_run(tmp, 1)
    snap2 = snapshot_run(tmp, 2)
    pause_resume(tmp)
    truncated_memory(tmp)
    file_size_limit(tmp)
    hostile_dirs(tmp)
    rng_snapshot(tmp)
    net_snapshot(tmp)
    if snap2:
        disk2 = os.path.join(tmp, "disk2.img")
        refusals(tmp, snap2, disk2)
        drive_refusals(tmp, snap2, disk2)
        hostile_files(tmp, snap2, disk2)
        tsc_rate(tmp, snap2, disk2)
    else:
        tap.skip("refusals", "no snapshot to corrupt")

sys.exit(tap.done())
