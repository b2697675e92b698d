#!/usr/bin/env python3
"""Each benchmark under bench/ runs once with tiny sizes and prints its
figures: the scripts keep working (their command lines for vigil, the
floor and QEMU, their parsing of what the guests print) without anyone
timing anything here. A figure a script could not get shows as "nan",
"?" or "failed", and fails the check.

usage: test_bench_smoke.py SOURCE_ROOT BUILD_DIR
"""
import os
import re
import sys

from vigiltest import Tap, require_kvm, run

src, build = sys.argv[1], sys.argv[2]
tap = Tap()
require_kvm()
vigil = os.path.join(build, "vigil")
guest = os.path.join(build, "guest", "vigil-test-guest.bin")
linux = os.path.join(build, "guest", "linux")
MISSING = re.compile(r"\bnan\b|(^|\s)\?(\s|$)|\bfailed\b|Traceback")

BENCHES = {
    "boot.py": ["--runs", "1", "--exits", "100,600", "--vigil", vigil,
                "--floor", os.path.join(build, "vigil-floor"),
                "--guest", guest],
    "snapshot.py": ["--runs", "1", "--vigil", vigil, "--guest", guest],
    "blk.py": ["--bench-ms", "50", "--no-perf", "--vigil", vigil,
               "--guest", guest],
    "net.py": ["--runs", "1", "--seconds", "1", "--rr", "2",
               "--vigil", vigil,
               "--kernel", os.path.join(linux, "std-bzImage"),
               "--initrd", os.path.join(linux, "std-net-initramfs.cpio.gz"),
               "--passt", os.path.join(linux, "passt"),
               "--iperf3", os.path.join(linux, "iperf3")],
}

for name, args in BENCHES.items():
    r = run([sys.executable, os.path.join(src, "bench", name)] + args,
            timeout=600)
    bad = [l for l in r.stdout.splitlines() if MISSING.search(l)]
    rows = [l for l in r.stdout.splitlines()
            if re.match(r"(vigil|floor|qemu|null-co|raw|TCP|guest|host)",
                        l.strip()) and re.search(r"\d", l)]
    tap.ok(r.returncode == 0 and not r.timed_out and rows and not bad,
           f"bench/{name}: runs and prints every figure",
           f"{len(rows)} rows; missing: {bad[:3]}\n{r.summary()}")
sys.exit(tap.done())
