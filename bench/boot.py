#!/usr/bin/env python3
"""Boot figures for vigil and QEMU microvm, side by side in one run.

Boots the test guest N times on each (default 20) and prints the medians of
the wall time from process start to the guest's first serial line and to
process exit, the peak RSS, and the cost of one port-I/O exit (the guest's
pio_bench: 20,000 `out`s to an unused port, divided).

usage: bench/boot.py [--runs N] [--vigil build/vigil]
                     [--guest build/guest/vigil-test-guest.bin]
"""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time


def qemu_cmd(guest, cmdline):
    return ["qemu-system-x86_64", "-M", "microvm", "-enable-kvm",
            "-cpu", "host,-arch-capabilities", "-m", "256M", "-smp", "1",
            "-nodefaults", "-no-user-config", "-nographic",
            "-serial", "stdio",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-kernel", guest, "-append", cmdline]


def vigil_cmd(vigil, guest, cmdline):
    return [vigil, "--kernel", guest, "--memory", "256M", "--cpus", "1",
            "--cmdline", cmdline]


def one_boot(cmd):
    """(seconds to first line, seconds to exit, peak RSS KiB, output)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    t_first = time.monotonic() - start
    rest = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    t_exit = time.monotonic() - start
    proc.stderr.close()
    proc.stdout.close()
    out = (first + rest).decode(errors="replace")
    if not first:
        t_first = float("nan")
    return t_first, t_exit, usage.ru_maxrss, out


def pio_ns(cmd):
    out = one_boot(cmd)[3]
    m = re.search(r"(\d+) ns per exit", out)
    return int(m.group(1)) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--vigil", default="build/vigil")
    ap.add_argument("--guest", default="build/guest/vigil-test-guest.bin")
    args = ap.parse_args()

    boot_cmdline = "tests=acpi"
    peers = {
        "vigil": lambda c: vigil_cmd(args.vigil, args.guest, c),
        "qemu-microvm": lambda c: qemu_cmd(args.guest, c),
    }
    print(f"# {args.runs} boots each of {args.guest} ('{boot_cmdline}'), "
          "medians")
    print(f"{'vmm':14} {'first line ms':>14} {'exit ms':>10} "
          f"{'peak RSS MiB':>13} {'pio exit ns':>12}")
    for name, make in peers.items():
        firsts, exits, rss = [], [], []
        for _ in range(args.runs):
            f, e, r, _ = one_boot(make(boot_cmdline))
            firsts.append(f * 1000)
            exits.append(e * 1000)
            rss.append(r / 1024)
        pio = [pio_ns(make("tests=pio_bench")) for _ in range(3)]
        pio = [p for p in pio if p is not None]
        print(f"{name:14} {statistics.median(firsts):14.1f} "
              f"{statistics.median(exits):10.1f} "
              f"{statistics.median(rss):13.1f} "
              f"{statistics.median(pio) if pio else float('nan'):12.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
