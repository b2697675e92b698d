#!/usr/bin/env python3
"""vigil's command line: every bad input gets one clear line and status 2.

usage: test_cli.py VIGIL GUEST_IMAGE
"""
import os
import sys
import tempfile

from vigiltest import EXIT_ERROR, Tap, kvm_unavailable_reason, run

vigil, guest = sys.argv[1], sys.argv[2]
tap = Tap()
kvm_missing = kvm_unavailable_reason()


def expect_error(name, args, *needles, status=EXIT_ERROR):
    r = run([vigil] + args, timeout=30)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    good = (r.returncode == status and not r.timed_out and
            all(n in r.stderr for n in needles) and len(lines) <= 2)
    tap.ok(good, name, r.summary().replace("\n", " | "))


r = run([vigil, "--help"])
tap.ok(r.returncode == 0 and all(o in r.stdout for o in (
    "--kernel", "--initrd", "--cmdline", "--memory", "--cpus", "--serial",
    "--drive", "--rng", "-d ", "-D ", "--check-host", "--dump-acpi")),
    "--help lists every option")
expect_error("unknown option", ["--frobnicate"], "unknown option")
expect_error("option without value", ["--kernel"], "needs a value")
expect_error("no kernel", [], "--kernel is required")
expect_error("--cpus 0", ["--kernel", guest, "--cpus", "0"], "--cpus 0")
expect_error("--cpus garbage", ["--kernel", guest, "--cpus", "2x"], "--cpus 2x")
expect_error("--memory garbage", ["--kernel", guest, "--memory", "lots"],
             "--memory lots")
expect_error("--serial bad mode", ["--kernel", guest, "--serial", "tty"],
             "--serial tty")
expect_error("-d unknown item", ["--kernel", guest, "-d", "everything"],
             "-d everything")

with tempfile.TemporaryDirectory() as tmp:
    expect_error("--dump-acpi refuses a bad --drive",
                 ["--dump-acpi", os.path.join(tmp, "acpi"),
                  "--drive", "garbage"], "garbage")
    expect_error("--dump-acpi refuses a bad --rng rate",
                 ["--dump-acpi", os.path.join(tmp, "acpi"),
                  "--rng=bytes-per-second=0"], "bytes-per-second=0")
    expect_error("ninth virtio device",
                 ["--dump-acpi", os.path.join(tmp, "acpi")] +
                 ["--drive", "driver=null-co,size=1M"] * 7 + ["--rng"] * 2,
                 "at most 8 virtio devices")

    def tmpfile(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    if kvm_missing:
        for name in ("missing kernel", "kernel is a directory",
                     "truncated image", "unrecognised image",
                     "memory too small", "memory not a multiple of 4 KiB",
                     "memory too large",
                     "--cpus beyond the limit", "over-long command line",
                     "initrd too large for memory"):
            tap.skip(name, kvm_missing)
    else:
        expect_error("missing kernel",
                     ["--kernel", os.path.join(tmp, "nope")],
                     "nope", "No such file")
        expect_error("kernel is a directory", ["--kernel", tmp],
                     "not a regular file")
        with open(guest, "rb") as f:
            image = f.read()
        expect_error("truncated image",
                     ["--kernel", tmpfile("trunc", image[:0x300])],
                     "bzImage")
        expect_error("unrecognised image",
                     ["--kernel", tmpfile("junk", os.urandom(65536))],
                     "kernel")
        expect_error("memory too small", ["--kernel", guest, "--memory", "1M"],
                     "--memory 1048576 bytes")
        expect_error("memory not a multiple of 4 KiB",
                     ["--kernel", guest, "--memory", "40001K"],
                     "--memory 40961024 bytes: must be a multiple of 4 KiB")
        expect_error("memory too large", ["--kernel", guest, "--memory", "4T"],
                     "--memory")
        expect_error("--cpus beyond the limit",
                     ["--kernel", guest, "--cpus", "256"], "--cpus 256")
        expect_error("over-long command line",
                     ["--kernel", guest, "--cmdline", "x" * 5000],
                     "cmdline", "5000")
        big = os.path.join(tmp, "big-initrd")
        with open(big, "wb") as f:
            f.truncate(48 << 20)
        expect_error("initrd too large for memory",
                     ["--kernel", guest, "--memory", "32M", "--initrd", big],
                     "initrd")

    # No /dev/kvm: hide it in a private mount namespace (needs root).
    if os.geteuid() == 0 and os.path.exists("/usr/bin/unshare"):
        r = run(["unshare", "-m", "sh", "-c",
                 f"mount -t tmpfs none /dev && exec {vigil} --kernel {guest}"])
        tap.ok(r.returncode == EXIT_ERROR and "/dev/kvm" in r.stderr,
               "no /dev/kvm", r.summary().replace("\n", " | "))
    else:
        tap.skip("no /dev/kvm", "needs root and unshare")

sys.exit(tap.done())
