#!/usr/bin/env python3
"""The seccomp sandbox (vmm/sandbox.c) on a running VM:

- the test guest's platform and virtio-blk tests pass with every thread
  filtered (2 vCPUs, the I/O thread serving a raw file and a null-co drive);
- a forbidden system call from each kind of thread (main, vCPU, I/O) kills
  vigil with SIGSYS while the guest runs: the hidden test-build option
  --test-seccomp-trigger THREAD makes that thread call socket() once it is
  sandboxed (the vCPU thread after its first exit, so the guest has run);
- with --api-socket the main thread takes no path either: openat() and
  unlink() from it kill vigil (VIGIL_TEST_SECCOMP_CALL picks the call the
  trigger makes; both were on its list when vigil wrote snapshots by path,
  and a compromised thread could have created or overwritten any file);
- --no-seccomp warns loudly, and then the same call goes through.

The release lists only: a sanitizer build's runtime needs openat on every
list, so test.sh does not run this test on those builds.

usage: test_seccomp.py VIGIL GUEST_BIN
"""
import os
import signal
import sys
import tempfile

from guestrun import guest_verdict, vigil_cmd
from vigiltest import Tap, require_kvm, run

vigil, guest_bin = sys.argv[1], sys.argv[2]
require_kvm()
tap = Tap()
TIMEOUT = 120
THREADS = ("main", "vcpu", "io")
WARNING = "WARNING: --no-seccomp"
BLK_TESTS = "virtio_mmio,blk_probe,blk_rw,blk_irq"


def one_line(r):
    return r.summary().replace("\n", " | ")


def guest(cmdline, extra=(), cpus=1, env=None):
    return run(vigil_cmd(vigil, guest_bin, cmdline, cpus, extra),
               timeout=TIMEOUT, env=env)


def main_with_api_socket(call, tmp):
    """The main thread, with a control socket, makes call once sandboxed."""
    sock = os.path.join(tmp, f"api-{call}.sock")
    env = dict(os.environ, VIGIL_TEST_SECCOMP_CALL=call)
    r = guest("tests=acpi", ["--api-socket", sock,
                             "--test-seccomp-trigger", "main"], env=env)
    said = f"test hook: main thread calls {call}()" in r.stderr
    tap.ok(r.returncode == -signal.SIGSYS and said and not r.timed_out,
           f"{call}() from the main thread with --api-socket kills vigil "
           "(SIGSYS)", one_line(r))


r = run([vigil, "--help"])
tap.ok(r.returncode == 0 and "--no-seccomp" in r.stdout and
       "test-seccomp-trigger" not in r.stdout,
       "--help documents --no-seccomp and hides the test trigger")

with tempfile.TemporaryDirectory() as tmp:
    disk = os.path.join(tmp, "disk.raw")
    with open(disk, "wb") as f:
        f.truncate(16 << 20)
    drives = ["--drive", f"file={disk}",
              "--drive", "driver=null-co,size=1M,latency-ns=1000"]
    r = guest(f"cpus=2 tests=acpi,madt,dsdt,ioapic_irq,lapic_timer,smp,"
              f"exception,{BLK_TESTS} blk_capacity=16M blk_serial=vigil0",
              drives, cpus=2)
    good, detail = guest_verdict(r)
    tap.ok(good and WARNING not in r.stderr,
           "platform and block tests pass with every thread filtered", detail)

r = run([vigil, "--test-seccomp-trigger", "main", "--help"])
if r.returncode != 0:
    for t in THREADS:
        tap.skip(f"forbidden call from the {t} thread kills vigil",
                 "built without test hooks (-Dtest_hooks=false)")
    for call in ("openat", "unlink"):
        tap.skip(f"{call}() from the main thread with --api-socket kills "
                 "vigil", "no test hooks")
    tap.skip("--no-seccomp lets the call through", "no test hooks")
else:
    for t in THREADS:
        r = guest(f"tests={BLK_TESTS} blk_capacity=1M",
                  ["--drive", "driver=null-co,size=1M",
                   "--test-seccomp-trigger", t])
        said = f"test hook: {t} thread calls socket()" in r.stderr
        tap.ok(r.returncode == -signal.SIGSYS and said and not r.timed_out,
               f"forbidden call from the {t} thread kills vigil (SIGSYS)",
               one_line(r))
    with tempfile.TemporaryDirectory() as tmp:
        for call in ("openat", "unlink"):
            main_with_api_socket(call, tmp)
    r = guest("tests=acpi", ["--no-seccomp", "--test-seccomp-trigger",
                             "vcpu"])
    good, detail = guest_verdict(r)
    tap.ok(good and WARNING in r.stderr and "was not stopped" in r.stderr,
           "--no-seccomp warns, and the call goes through", detail)

sys.exit(tap.done())
