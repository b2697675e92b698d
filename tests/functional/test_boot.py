#!/usr/bin/env python3
"""Booting vigil's test guest on vigil, and every way a run can end.

- the default platform tests with 1 and 2 vCPUs, through the bzImage and
  through PVH (the ELF): the start line first, every TAP line ok, exit
  status 1 (the guest's "pass" through the debug-exit port); a failing run
  exits 3; the TAP lines equal QEMU microvm's for the same run;
- the console: --serial file:PATH writes the output there and nothing to
  stdout, and past the file size limit (RLIMIT_FSIZE) drops the rest with
  a message instead of dying of SIGXFSZ; --serial none prints nothing; a pipe on stdin full of input the
  guest never reads (1 MiB) neither hangs nor crashes vigil;
- signals: SIGTERM (a halted guest, 2 vCPUs) ends vigil with 128 + 15,
  SIGINT (a guest in a busy loop) with 128 + 2;
- the guest ending the run: ACPI S5 exits 0, the ACPI reset register, the
  i8042 reset and a triple fault exit 4, an instruction KVM cannot emulate
  exits 6 with the registers and instruction bytes (on a software
  hypervisor; a CPU just runs it);
- memory: guest RAM starts on a 2 MiB boundary (so KVM can map it with
  huge pages), and a halted test guest, which touches only the low 2 MiB,
  leaves vigil holding no huge page for that RAM or in a thread's stack;
- logging: -d unimp reports the guest's writes to an unassigned port or
  MMIO address, rate-limited, and -D FILE sends them to the file.

usage: test_boot.py VIGIL GUEST_BIN GUEST_ELF
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from guestrun import (QEMU, START_LINE, guest_verdict, qemu_cmd, run_until,
                      tap_lines, vigil_cmd)
from vigiltest import (EXIT_POWEROFF, EXIT_RESET, EXIT_VCPU_FATAL, Tap,
                       kvm_unavailable_reason, run)

vigil, guest_bin, guest_elf = sys.argv[1], sys.argv[2], sys.argv[3]
tap = Tap()
TIMEOUT = 60
UNIMP_PORT = 0x2000  # pio_bench's default port: nothing decodes it
UNIMP_ADDR = 0xc0000000  # mmio_bench's default address: the same
PIO_COUNT = 20000
MEMORY_MIB = 256
HUGE = 2 << 20


def guest(cmdline, cpus=1, kernel=guest_bin, extra=(), timeout=TIMEOUT,
          stdin=subprocess.DEVNULL):
    return run(vigil_cmd(vigil, kernel, cmdline, cpus, extra),
               timeout=timeout, stdin=stdin)


def check_run(name, r, expect_pass=True, want_tests=None):
    good, detail = guest_verdict(r, expect_pass, want_tests)
    if not tap.ok(good, name, detail):
        tap.diag(r.summary())
    return good


def boots():
    runs = {}
    for kernel, kind in ((guest_bin, "bzImage"), (guest_elf, "PVH")):
        for cpus in (1, 2):
            r = guest(f"cpus={cpus}", cpus, kernel)
            check_run(f"{kind}, {cpus} vCPU(s): default tests pass", r)
            runs[kind, cpus] = r
    r = guest("tests=acpi,no_such_test")
    check_run("a failing run exits 3", r, expect_pass=False,
              want_tests=["acpi", "no_such_test"])
    return runs


def compare_with_qemu(vigil_run):
    name = "the TAP lines equal QEMU microvm's (2 vCPUs)"
    if not QEMU:
        tap.skip(name, "no qemu-system-x86_64")
        return
    q = run(qemu_cmd(guest_bin, "cpus=2", smp=2), timeout=TIMEOUT)
    ours, theirs = tap_lines(vigil_run.stdout), tap_lines(q.stdout)
    if not tap.ok(ours == theirs and len(ours) > 1, name,
                  f"vigil {ours} qemu {theirs}"):
        tap.diag(q.summary())


def console(tmp):
    path = os.path.join(tmp, "serial.txt")
    r = guest("tests=acpi", extra=["--serial", f"file:{path}"])
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError as e:
        text = str(e)
    tap.ok(r.returncode == 1 and r.stdout == "" and
           text.startswith(START_LINE + "\n") and
           "vigil-test-guest: PASS" in text,
           "--serial file:PATH: the output in the file, none on stdout",
           f"status {r.returncode}, stdout {r.stdout[:200]!r}, "
           f"file {text[:200]!r}")
    # A file size limit: the guest's output past it is dropped, with a
    # message, and the run goes on (SIGXFSZ would kill vigil).
    r = run(["prlimit", "--fsize=256", "--"] +
            vigil_cmd(vigil, guest_bin, "tests=acpi", 1,
                      ["--serial", f"file:{path}"]), timeout=TIMEOUT)
    tap.ok(r.returncode == 1 and os.path.getsize(path) == 256 and
           "discarding" in r.stderr,
           "--serial file:PATH past the file size limit: output dropped, "
           "the run goes on",
           f"status {r.returncode}, file {os.path.getsize(path)} bytes, "
           f"stderr {r.stderr[-300:]!r}")
    r = guest("tests=acpi", extra=["--serial", "none"])
    tap.ok(r.returncode == 1 and r.stdout == "",
           "--serial none: nothing printed, the guest still ends the run",
           r.summary().replace("\n", " | "))
    flood = os.path.join(tmp, "flood")
    with open(flood, "wb") as f:
        f.write(os.urandom(1 << 20))
    r = stdin_pipe_run(flood)
    check_run("1 MiB on a stdin pipe the guest never reads", r)


def stdin_pipe_run(data_path):
    """The default tests with a pipe on stdin that a writer keeps full."""
    writer = subprocess.Popen(["cat", data_path], stdout=subprocess.PIPE)
    try:
        return guest("", stdin=writer.stdout)
    finally:
        writer.stdout.close()
        writer.kill()
        writer.wait()


def signals():
    for signum, cpus, spin in ((signal.SIGTERM, 2, "halt"),
                               (signal.SIGINT, 1, "busy")):
        cmd = vigil_cmd(vigil, guest_bin, f"tests=spin spin={spin}", cpus)
        r, seen = run_until(cmd, "# spin: holding", signum, timeout=TIMEOUT)
        name = (f"{signal.Signals(signum).name} ends vigil with "
                f"{128 + signum} ({cpus} vCPU(s), guest {spin}ing)")
        tap.ok(seen is not None and not r.timed_out and
               r.returncode == 128 + signum, name,
               f"marker seen {seen}; " + r.summary().replace("\n", " | "))


def smaps(pid):
    """The mappings of pid: dicts of start, end, VmFlags, AnonHugePages."""
    maps = []
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = re.match(r"([0-9a-f]+)-([0-9a-f]+) ", line)
            if head:
                maps.append({"start": int(head[1], 16),
                             "end": int(head[2], 16), "flags": [],
                             "huge_kib": 0})
            elif line.startswith("AnonHugePages:"):
                maps[-1]["huge_kib"] = int(line.split()[1])
            elif line.startswith("VmFlags:"):
                maps[-1]["flags"] = line.split()[1:]
    return maps


def thread_stacks(pid, maps):
    """The mapping that holds each thread's stack pointer: the next-to-last
    field of /proc/PID/task/TID/syscall while the thread is in a call."""
    stacks = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/syscall") as f:
                fields = f.read().split()
        except OSError:
            continue
        if len(fields) >= 3:  # not "running"
            sp = int(fields[-2], 16)
            stacks += [m for m in maps if m["start"] <= sp < m["end"]]
    return stacks


def tsan_build():
    """TSan's runtime starts a thread of its own, with glibc's 8 MiB."""
    with open(vigil, "rb") as f:
        return b"__tsan_init" in f.read()


def memory_footprint():
    """Guest RAM is the 2 MiB mapping marked no-huge-page ("nh") and the
    huge-page one ("hg") right after it, --memory in all."""
    got = {}

    def look(pid):
        got["maps"] = smaps(pid)
        got["stacks"] = thread_stacks(pid, got["maps"])

    cmd = vigil_cmd(vigil, guest_bin, "tests=spin spin=halt", 2,
                    ["--memory", f"{MEMORY_MIB}M"])
    r, seen = run_until(cmd, "# spin: holding", signal.SIGTERM,
                        timeout=TIMEOUT, at_marker=look)
    maps = got.get("maps", [])
    ram = [(lo, hi) for lo in maps for hi in maps
           if "nh" in lo["flags"] and "hg" in hi["flags"] and
           lo["end"] - lo["start"] == HUGE and hi["start"] == lo["end"] and
           hi["end"] - lo["start"] == MEMORY_MIB << 20]
    tap.ok(seen is not None and len(ram) == 1 and
           ram[0][0]["start"] % HUGE == 0,
           "guest RAM starts on a 2 MiB boundary, no huge page below 2 MiB",
           f"marker seen {seen}; RAM mappings {ram}")
    # The test guest touches only its low 2 MiB.
    held = [m for m in (list(ram[0]) if ram else []) if m["huge_kib"]]
    tap.ok(seen is not None and len(ram) == 1 and not held,
           "a halted test guest: no huge page in its RAM", str(held))
    name = "a halted test guest: no huge page in a thread's stack"
    if tsan_build():
        tap.skip(name, "TSan's own thread has glibc's default stack")
        return
    stacks = got.get("stacks", [])
    held = [m for m in stacks if m["huge_kib"]]
    # Main, the I/O thread and two vCPUs: those in a call at the moment.
    tap.ok(seen is not None and len(stacks) >= 2 and not held, name,
           f"{len(stacks)} stacks found; with huge pages: {held}")


def software_hypervisor():
    r = run([vigil, "--check-host"], timeout=TIMEOUT)
    return "software hypervisor" in r.stdout + r.stderr


def endings():
    for test, status, log in (
            ("poweroff", EXIT_POWEROFF, None),
            ("reset_acpi", EXIT_RESET, "guest reset"),
            ("reset_i8042", EXIT_RESET, "guest reset"),
            ("triple_fault", EXIT_RESET, "triple fault")):
        r = guest(f"tests={test}", cpus=2)
        tap.ok(not r.timed_out and r.returncode == status and
               r.stdout.startswith(START_LINE) and "ok 1" not in r.stdout and
               (log is None or log in r.stderr),
               f"{test}: vigil exits {status}",
               r.summary().replace("\n", " | "))
    name = "unemulated: exit 6 with the registers and instruction bytes"
    if not software_hypervisor():
        tap.skip(name, "hardware KVM runs CMPXCHG16B: nothing to emulate")
        return
    r = guest("tests=unemulated")
    # lock cmpxchg16b: f0 48 0f c7 /1
    tap.ok(not r.timed_out and r.returncode == EXIT_VCPU_FATAL and
           "ok 1" not in r.stdout and "emulation failed" in r.stderr and
           re.search(r"rip=0*[0-9a-f]+ rsp=", r.stderr) and
           re.search(r"instruction bytes at rip: f0 48 0f c7", r.stderr),
           name, r.summary().replace("\n", " | "))


def unimp_lines(text, at=UNIMP_PORT):
    return [l for l in text.splitlines()
            if f"unassigned write of 1 bytes at {at:#x}" in l]


def logging(tmp):
    cmdline = f"tests=pio_bench pio_port={UNIMP_PORT:#x} pio_count={PIO_COUNT}"
    r = guest(cmdline, extra=["-d", "unimp"])
    lines = unimp_lines(r.stderr)
    tap.ok(r.returncode == 1 and 0 < len(lines) <= 100,
           f"-d unimp: {PIO_COUNT} writes to port {UNIMP_PORT:#x} logged, "
           "rate-limited", f"{len(lines)} lines; " +
           r.summary().replace("\n", " | "))
    r = guest(cmdline)
    tap.ok(r.returncode == 1 and not unimp_lines(r.stderr),
           "without -d unimp: not logged", r.summary().replace("\n", " | "))
    path = os.path.join(tmp, "vigil.log")
    r = guest(cmdline, extra=["-d", "unimp", "-D", path])
    try:
        with open(path, errors="replace") as f:
            logged = unimp_lines(f.read())
    except OSError:
        logged = []
    tap.ok(r.returncode == 1 and logged and not unimp_lines(r.stderr),
           "-D FILE: the log goes to the file, not stderr",
           f"{len(logged)} lines in the file; " +
           r.summary().replace("\n", " | "))
    r = guest(f"tests=mmio_bench pio_count={PIO_COUNT}", extra=["-d", "unimp"])
    lines = unimp_lines(r.stderr, UNIMP_ADDR)
    tap.ok(r.returncode == 1 and 0 < len(lines) <= 100 and
           "ns per exit" in r.stdout,
           f"-d unimp: mmio_bench's {PIO_COUNT} stores to {UNIMP_ADDR:#x}"
           " logged, rate-limited; the guest carries on",
           f"{len(lines)} lines; " + r.summary().replace("\n", " | "))


def main():
    reason = kvm_unavailable_reason()
    if reason:
        print(f"1..0 # SKIP {reason}")
        return 0
    start = time.monotonic()
    runs = boots()
    compare_with_qemu(runs["bzImage", 2])
    with tempfile.TemporaryDirectory(prefix="vigil-boot-") as tmp:
        console(tmp)
        signals()
        memory_footprint()
        endings()
        logging(tmp)
    tap.diag(f"{time.monotonic() - start:.1f} s")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
