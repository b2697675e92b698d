#!/usr/bin/env python3
"""Snapshot save and restore of a running Linux guest on vigil.

Debian's standard kernel, --memory (512M by default), 2 vCPUs, its script
printing a numbered line every 0.1 s. Prints medians of --runs runs:
  save     `vigil ctl SOCK snapshot DIR --paused`, as the caller sees it
  restore  from starting `vigil --restore DIR` to the guest's next line
and the snapshot's size on disk.

Needs a /dev/kvm that runs stock kernels; elsewhere, in the nested host:
  python3 scripts/nested-kvm.py run -- python3 bench/snapshot_linux.py
"""
import argparse
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "functional"))

import linuxrun  # noqa: E402

TICKS = """\
i=0
while :; do
	echo "tick $i"
	i=$((i + 1))
	sleep 0.1
done
"""


def wait_for(proc, needle, timeout):
    """Read proc's stdout until a line holds needle; the time it took."""
    start = time.monotonic()
    buf = b""
    while time.monotonic() - start < timeout:
        ready, _, _ = select.select([proc.stdout], [], [], 1)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            if needle in buf:
                return time.monotonic() - start
    raise SystemExit(f"no {needle!r} within {timeout} s:\n"
                     f"{buf[-2000:].decode(errors='replace')}")


def one_run(args, tmp):
    script = linuxrun.write_script(os.path.join(tmp, "ticks.sh"), TICKS)
    sock = os.path.join(tmp, "api.sock")
    snap = os.path.join(tmp, "snap")
    shutil.rmtree(snap, ignore_errors=True)
    cmd = linuxrun.vigil_cmd(args.vigil, args.kernel, args.initrd, script,
                             cpus=2, memory=args.memory)
    vm = subprocess.Popen(cmd + ["--api-socket", sock],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        wait_for(vm, b"tick 20", 600)
        start = time.monotonic()
        subprocess.run([args.vigil, "ctl", sock, "snapshot", snap,
                        "--paused"], check=True, stdout=subprocess.DEVNULL)
        save = time.monotonic() - start
    finally:
        vm.kill()
        vm.wait()
    size = sum(os.stat(os.path.join(snap, f)).st_blocks * 512
               for f in os.listdir(snap))
    start = time.monotonic()
    vm = subprocess.Popen(linuxrun.restore_cmd(args.vigil, snap, script),
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        wait_for(vm, b"tick ", 120)
        restore = time.monotonic() - start
    finally:
        vm.kill()
        vm.wait()
    return save, restore, size


def main():
    art = os.path.join(ROOT, "build", "guest", "linux")
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--vigil", default=os.path.join(ROOT, "build", "vigil"))
    ap.add_argument("--kernel", default=os.path.join(art, "std-bzImage"))
    ap.add_argument("--initrd",
                    default=os.path.join(art, "std-initramfs.cpio.gz"))
    ap.add_argument("--memory", default="512M")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    saves, restores, sizes = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            save, restore, size = one_run(args, tmp)
            saves.append(save)
            restores.append(restore)
            sizes.append(size)
    print(f"Linux guest, {args.memory}, 2 vCPUs, median of {args.runs}: "
          f"save {statistics.median(saves) * 1000:.0f} ms, restore to the "
          f"next console line {statistics.median(restores) * 1000:.0f} ms, "
          f"{statistics.median(sizes) / 2**20:.1f} MiB on disk")


if __name__ == "__main__":
    main()
