"""Running vigil's test guest (guest/) on vigil and on QEMU microvm, and
reading what it prints: its TAP lines, and the data patterns its block
tests write and expect (guest/README.md documents both).
"""
import os
import re
import selectors
import shutil
import struct
import subprocess
import tempfile
import time

from vigiltest import GUEST_FAIL, GUEST_PASS, Result, run

QEMU = shutil.which("qemu-system-x86_64")
QEMU_MACHINE = [
    "-m", "256M", "-nodefaults", "-no-user-config", "-nographic",
    "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
]
QEMU_BASE = ["-enable-kvm", "-cpu", "host,-arch-capabilities"] + QEMU_MACHINE
# QEMU's emulator, for tests that need no KVM: slower, same devices.
QEMU_TCG = ["-accel", "tcg", "-cpu", "max"] + QEMU_MACHINE
# Modern (version 2) virtio-mmio: what the guest's drivers speak.
MODERN = ["-global", "virtio-mmio.force-legacy=false"]
START_LINE = "vigil-test-guest: start"


def qemu_cmd(kernel, cmdline, smp=1, machine="microvm", extra=(),
             accel=QEMU_BASE):
    """QEMU running the guest with KVM, or with accel=QEMU_TCG without."""
    return ([QEMU, "-M", machine, "-smp", str(smp)] + accel +
            list(extra) + ["-kernel", kernel, "-append", cmdline])


def vigil_cmd(vigil, kernel, cmdline, cpus=1, extra=()):
    return ([vigil, "--kernel", kernel, "--cpus", str(cpus),
             "--cmdline", cmdline] + list(extra))


def parse_guest_tap(out):
    """(plan, [(ok, number, name, rest)]) from the guest's serial output."""
    plan, results = None, []
    for line in out.splitlines():
        m = re.match(r"^1\.\.(\d+)$", line)
        if m:
            plan = int(m.group(1))
        m = re.match(r"^(not ok|ok) (\d+) (\S+)(.*)$", line)
        if m:
            results.append((m.group(1) == "ok", int(m.group(2)),
                            m.group(3), m.group(4)))
    return plan, results


def tap_lines(out):
    """The plan and result lines: what must not differ between VMMs."""
    return [l for l in out.splitlines()
            if re.match(r"^(1\.\.\d+|(not )?ok \d+ .*)$", l)]


def guest_verdict(r, expect_pass=True, want_tests=None):
    """(good, detail) for a run of the guest that ends it through the
    debug-exit port: the start line first, a full plan, and pass or fail
    as expected, with the matching exit status."""
    plan, results = parse_guest_tap(r.stdout)
    failed = [f"{n} {t}{rest}" for ok, n, t, rest in results if not ok]
    status = GUEST_PASS if expect_pass else GUEST_FAIL
    good = (not r.timed_out and r.returncode == status and
            r.stdout.startswith(START_LINE + "\n") and
            plan is not None and plan == len(results) and
            bool(failed) != expect_pass)
    if want_tests is not None:
        good = good and [t for _, _, t, _ in results] == want_tests
    detail = "; ".join(failed) or r.summary().replace("\n", " | ")
    return good, detail


def boot_clean(tap, vigil, guest_bin, tmp, name, cmdline, extra, shown,
               timeout=60):
    """Boot the test guest on vigil with -d guest_errors: the guest must
    pass and nothing be logged (two checks named name). Lines of its
    output holding one of the strings of shown are printed as diagnostics."""
    log = os.path.join(tmp, f"{len(os.listdir(tmp))}.log")
    cmd = vigil_cmd(vigil, guest_bin, cmdline,
                    extra=list(extra) + ["-d", "guest_errors", "-D", log])
    r = run(cmd, timeout=timeout)
    good, detail = guest_verdict(r)
    if not tap.ok(good, f"vigil: {name}", detail):
        tap.diag(r.summary())
    lines = open(log).read().splitlines() if os.path.exists(log) else []
    tap.ok(not lines, f"vigil: {name}: no guest errors logged",
           "; ".join(lines[:3]))
    tap.diag("\n".join(l for l in r.stdout.splitlines()
                       if any(s in l for s in shown)))


def run_until(cmd, marker, signum, timeout=60, stdin=subprocess.DEVNULL,
              at_marker=None):
    """Runs cmd; when a line of its stdout contains marker, calls
    at_marker(pid) if given, sends it signum and waits for it to end.
    Returns (Result, seconds from start to the marker, or None if it never
    came)."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE,
                                stderr=err)
        out, seen, timed_out = b"", None, False
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            left = start + timeout - time.monotonic()
            if left <= 0:
                timed_out = True
                proc.kill()
                break
            if not sel.select(left):
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
            if seen is None and marker.encode() in out:
                seen = time.monotonic() - start
                if at_marker:
                    at_marker(proc.pid)
                proc.send_signal(signum)
        sel.close()
        try:
            proc.wait(timeout=max(1, start + timeout - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            proc.wait()
        out += proc.stdout.read()
        proc.stdout.close()
        err.seek(0)
        stderr = err.read()
    return (Result(proc.returncode, out.decode(errors="replace"),
                   stderr.decode(errors="replace"),
                   time.monotonic() - start, timed_out), seen)


def blk_fill(sector, nbytes, seed):
    """What the guest's blk_fill() writes (guest/tests/blk_common.c)."""
    mask = (1 << 64) - 1
    words = []
    for i in range(nbytes // 8):
        x = ((sector + i // 64) * 0x9e3779b97f4a7c15 ^ (i % 64) ^
             seed << 32) & mask
        x ^= x >> 29
        words.append(x * 0xbf58476d1ce4e5b9 & mask)
    return struct.pack(f"<{len(words)}Q", *words)


def host_pattern(offset, nbytes, seed):
    """What blk_verify expects: the 64-bit little-endian word at byte
    offset O of the disk holds seed + O / 8."""
    first = seed + offset // 8
    return struct.pack(f"<{nbytes // 8}Q", *range(first, first + nbytes // 8))
