#!/usr/bin/env python3
"""Debian's standard kernel on vigil and on QEMU microvm, side by side.

Same kernel, initramfs, memory, vCPUs and disks on both; prints medians of
--runs runs:
  boot     host wall time from starting the VMM to the guest's /init
           script, and to the VMM's exit after power-off; the guest's own
           uptime when its script starts
  ext4+fio a workload on a 256 MiB raw disk: mkfs.ext4, 32 files written
           and checked, fio --verify (randwrite, 4k, QD32, 16 MiB), e2fsck

Needs a /dev/kvm that runs stock kernels; on a machine without one, run it
in the nested KVM host:
  python3 scripts/nested-kvm.py run -- python3 bench/linux_boot.py
Only ratios mean anything there (an emulator runs both VMMs).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "functional"))

import linuxrun  # noqa: E402

BOOT_SCRIPT = 'result uptime "$(cut -d" " -f1 /proc/uptime)"\n'
WORKLOAD = """\
mkfs.ext4 -q -F /dev/vdb || exit 1
mkdir -p /mnt && mount -t ext4 /dev/vdb /mnt || exit 1
i=0
while [ $i -lt 32 ]; do
	dd if=/dev/urandom of=/mnt/f$i bs=64k count=4 2>/dev/null
	i=$((i + 1))
done
sha256sum /mnt/f* >/mnt/sums && sha256sum -c /mnt/sums >/dev/null
result sums $?
fio --name=v --filename=/mnt/fio --size=16M --rw=randwrite --bs=4k \\
	--iodepth=32 --ioengine=libaio --direct=1 --verify=crc32c \\
	--output=/dev/null
result fio $?
umount /mnt
check fsck e2fsck -fn /dev/vdb
"""


def timed(cmd, marker=b"vigil-linux: init"):
    """(seconds to marker on the console, seconds to exit, output)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    out, to_marker = b"", None
    for line in proc.stdout:
        out += line
        if to_marker is None and marker in line:
            to_marker = time.monotonic() - start
    proc.wait()
    return to_marker, time.monotonic() - start, out.decode(errors="replace")


def command(vmm, args, script, disk=None, initrd=None):
    initrd = initrd or args.initrd
    if vmm == "vigil":
        drives = [f"file={disk}"] if disk else []
        return linuxrun.vigil_cmd(args.vigil, args.kernel, initrd, script,
                                  cpus=args.cpus, drives=drives)
    return linuxrun.qemu_cmd(args.kernel, initrd, script, cpus=args.cpus,
                             files=[disk] if disk else [])


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def bench_boot(args, tmp):
    script = linuxrun.write_script(os.path.join(tmp, "boot.sh"), BOOT_SCRIPT)
    figures = {}
    for vmm in ("vigil", "qemu"):
        init, total, uptime = [], [], []
        for _ in range(args.runs):
            to_init, to_exit, out = timed(command(vmm, args, script))
            init.append(to_init)
            total.append(to_exit)
            up = linuxrun.results(out).get("uptime")
            uptime.append(float(up) if up else None)
        figures[vmm] = (median(init), median(total), median(uptime))
        print(f"boot {vmm:5}: to init {figures[vmm][0]:6.2f} s, to exit "
              f"{figures[vmm][1]:6.2f} s, guest uptime at init "
              f"{figures[vmm][2]:6.2f} s (median of {args.runs})", flush=True)
    v, q = figures["vigil"], figures["qemu"]
    print(f"boot vigil/qemu: to init {v[0] / q[0]:.2f}, to exit "
          f"{v[1] / q[1]:.2f}")


def bench_workload(args, tmp):
    script = linuxrun.write_script(os.path.join(tmp, "work.sh"), WORKLOAD)
    figures = {}
    for vmm in ("vigil", "qemu"):
        times = []
        for _ in range(args.runs):
            disk = linuxrun.sparse_file(os.path.join(tmp, "disk.img"),
                                        256 << 20)
            _, total, out = timed(command(vmm, args, script, disk,
                                          args.disk_initrd))
            res = linuxrun.results(out)
            if [res.get(k) for k in ("sums", "fio", "fsck")] != ["0"] * 3:
                print(f"ext4+fio {vmm}: failed: {res}\n{out[-2000:]}")
                return
            times.append(total)
        figures[vmm] = median(times)
        print(f"ext4+fio {vmm:5}: {figures[vmm]:6.2f} s (median of "
              f"{args.runs})", flush=True)
    print(f"ext4+fio vigil/qemu: {figures['vigil'] / figures['qemu']:.2f}")


def main():
    art = os.path.join(ROOT, "build", "guest", "linux")
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--vigil", default=os.path.join(ROOT, "build", "vigil"))
    ap.add_argument("--kernel", default=os.path.join(art, "std-bzImage"))
    ap.add_argument("--initrd",
                    default=os.path.join(art, "std-initramfs.cpio.gz"))
    ap.add_argument("--disk-initrd",
                    default=os.path.join(art, "std-disk-initramfs.cpio.gz"))
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", choices=["boot", "workload"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "workload":
            bench_boot(args, tmp)
        if args.only != "boot":
            bench_workload(args, tmp)


if __name__ == "__main__":
    main()
