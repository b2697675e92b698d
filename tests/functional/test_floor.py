#!/usr/bin/env python3
"""bench/floor.c, the floor bench/boot.py measures vigil against, still
does what the figures assume: its guest prints "x" and a newline and
halts (status 0), with and without its port and MMIO exit loops; bad
options are refused with status 2 and a message. Given the test guest,
"--kernel GUEST" prints that guest's first line and nothing more, and a
file that is not a 64-bit bzImage is refused with status 1.

usage: test_floor.py VIGIL_FLOOR [TEST_GUEST_BIN]
"""
import sys

from vigiltest import Tap, require_kvm, run

floor = sys.argv[1]
tap = Tap()
require_kvm()

for extra in ([], ["--pio", "1000"], ["--mmio", "1000"],
              ["--memory", "64", "--pio", "10", "--mmio", "10"]):
    r = run([floor] + extra)
    tap.ok(r.returncode == 0 and r.stdout == "x\n" and not r.stderr,
           f"floor {' '.join(extra) or '(no options)'}: 'x', halt, status 0",
           r.summary())
for bad in (["--memory", "1"], ["--pio", "-1"], ["--pio", "4294967296"],
            ["--mmio"], ["--bogus", "1"]):
    r = run([floor] + bad)
    tap.ok(r.returncode == 2 and not r.stdout and
           ("vigil-floor: " in r.stderr or "usage: vigil-floor" in r.stderr),
           f"floor {' '.join(bad)}: refused, status 2", r.summary())
if len(sys.argv) > 2:
    r = run([floor, "--kernel", sys.argv[2]])
    tap.ok(r.returncode == 0 and r.stdout == "vigil-test-guest: start\n"
           and not r.stderr,
           "floor --kernel GUEST: the guest's first line, status 0",
           r.summary())
    for bad in ("/nonexistent", __file__):
        r = run([floor, "--kernel", bad])
        tap.ok(r.returncode == 1 and not r.stdout and
               f"vigil-floor: {bad}: not a 64-bit bzImage" in r.stderr,
               f"floor --kernel {bad}: refused, status 1", r.summary())
sys.exit(tap.done())
