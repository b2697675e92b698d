#!/usr/bin/env python3
"""vigil's virtio entropy device (--rng), driven by the test guest's own
virtio-rng driver (guest/virtio_rng.c; QEMU's side is in
test_guest_qemu.py):

- the device alone: probe (VERSION_1 only, one queue), polled reads in a
  row, a chain of three buffers, a 16 KiB read, eight requests completed by
  interrupt; rng_max=4096 makes the guest check vigil's promise that every
  request is answered whole with min(its length, 4 KiB) bytes;
- found by device ID behind a drive, and the second of two;
- a rate below 4 KiB/s caps each answer at the rate (rng_max=the rate);
- nothing reaches the -d guest_errors log in these runs;
- without --rng the guest's tests fail, naming the missing device.

usage: test_rng.py VIGIL GUEST_BIN
"""
import sys
import tempfile

from guestrun import boot_clean, guest_verdict, vigil_cmd
from vigiltest import Tap, kvm_unavailable_reason, run

vigil, guest_bin = sys.argv[1], sys.argv[2]
tap = Tap()
TIMEOUT = 60
MAX_REQUEST = 4096  # devices/virtio_rng.h: VIRTIO_RNG_MAX_REQUEST
ALL = "virtio_mmio,rng_probe,rng_read,rng_irq"
NULL_DRIVE = ["--drive", "driver=null-co,size=1M"]
RUNS = [
    ("--rng alone", ALL, ["--rng"], MAX_REQUEST),
    ("--rng behind a drive, the second of two",
     "dsdt,blk_probe,rng_probe,rng_read,rng_irq rng=1 mmio_devs=3",
     NULL_DRIVE + ["--rng", "--rng=bytes-per-second=64K"], MAX_REQUEST),
    ("--rng=bytes-per-second=2K caps each answer at the rate",
     "rng_probe,rng_read", ["--rng=bytes-per-second=2K"], 2048),
]


def boot(tmp, name, tests, extra, rng_max):
    boot_clean(tap, vigil, guest_bin, tmp, name,
               f"tests={tests} rng_max={rng_max}", extra,
               ("virtio-rng at", "used length"), timeout=TIMEOUT)


def main():
    reason = kvm_unavailable_reason()
    if reason:
        print(f"1..0 # SKIP {reason}", flush=True)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, tests, extra, rng_max in RUNS:
            boot(tmp, name, tests, extra, rng_max)
    r = run(vigil_cmd(vigil, guest_bin, "tests=rng_probe,rng_read"),
            timeout=TIMEOUT)
    good, detail = guest_verdict(r, expect_pass=False,
                                 want_tests=["rng_probe", "rng_read"])
    tap.ok(good and "no modern virtio-rng device number 0" in r.stdout,
           "vigil: without --rng the rng tests fail, naming the device",
           detail)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
