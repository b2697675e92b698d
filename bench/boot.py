#!/usr/bin/env python3
"""Boot figures for vigil and QEMU microvm, side by side in one run.

Boots the test guest N times on each (default 20) and prints the medians of
the wall time from process start to the guest's first serial line and to
process exit, the peak RSS, and the cost of one port-I/O and one MMIO exit
round trip: the wall time of a run whose guest writes 110,000 times to a
port or an address nothing decodes (the test guest's pio_bench and
mmio_bench), less that of a run writing 10,000 times, over 100,000
(--exits). The
floor (bench/floor.c: the least KVM program that runs a guest and prints
its byte, and loops on the same exits with --pio and --mmio) is measured
the same way, and vigil's figures are also given as multiples of it.

usage: bench/boot.py [--runs N] [--vigil build/vigil]
                     [--floor build/vigil-floor] [--exits 10000,110000]
                     [--guest build/guest/vigil-test-guest.bin]
"""
import argparse
import os
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


def exit_ns(make, exits):
    """ns per exit: make(count) is the command doing count exits; exits
    (low, high) the counts of the two runs whose wall times differ by the
    cost of high - low exits."""
    lo = one_boot(make(exits[0]))[1]
    hi = one_boot(make(exits[1]))[1]
    return (hi - lo) * 1e9 / (exits[1] - exits[0])


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def measure(name, make_boot, make_pio, make_mmio, args):
    """One row: medians of first line ms, exit ms, peak RSS MiB, pio ns,
    mmio ns."""
    firsts, exits, rss = [], [], []
    for _ in range(args.runs):
        f, e, r, _ = one_boot(make_boot())
        firsts.append(f * 1000)
        exits.append(e * 1000)
        rss.append(r / 1024)
    pio = [exit_ns(make_pio, args.exits) for _ in range(3)]
    mmio = [exit_ns(make_mmio, args.exits) for _ in range(3)]
    row = (median(firsts), median(exits), median(rss), median(pio),
           median(mmio))
    print(f"{name:14} {row[0]:14.1f} {row[1]:10.1f} {row[2]:13.1f} "
          f"{row[3]:12.0f} {row[4]:13.0f}", flush=True)
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--vigil", default="build/vigil")
    ap.add_argument("--floor", default="build/vigil-floor")
    ap.add_argument("--guest", default="build/guest/vigil-test-guest.bin")
    ap.add_argument("--exits", default="10000,110000",
                    help="exits of the two runs timing one exit: LOW,HIGH")
    args = ap.parse_args()
    try:
        exits = tuple(int(n) for n in args.exits.split(","))
        if len(exits) != 2 or not 0 < exits[0] < exits[1]:
            raise ValueError
    except ValueError:
        ap.error(f"--exits {args.exits}: want LOW,HIGH with 0 < LOW < HIGH")
    args.exits = exits

    boot_cmdline = "tests=acpi"
    peers = {
        "vigil": lambda c: vigil_cmd(args.vigil, args.guest, c),
        "qemu-microvm": lambda c: qemu_cmd(args.guest, c),
    }
    print(f"# {args.runs} boots each of {args.guest} ('{boot_cmdline}'), "
          "medians")
    print(f"{'vmm':14} {'first line ms':>14} {'exit ms':>10} "
          f"{'peak RSS MiB':>13} {'pio exit ns':>12} {'mmio exit ns':>13}")
    rows = {}
    if os.access(args.floor, os.X_OK):
        rows["floor"] = measure(
            "floor", lambda: [args.floor],
            lambda n: [args.floor, "--pio", str(n)],
            lambda n: [args.floor, "--mmio", str(n)], args)
    else:
        print(f"# floor: {args.floor} not built, not measured")
    for name, make in peers.items():
        rows[name] = measure(
            name, lambda: make(boot_cmdline),
            lambda n: make(f"tests=pio_bench pio_count={n}"),
            lambda n: make(f"tests=mmio_bench pio_count={n}"), args)
    if "floor" in rows:
        ratios = [v / f if f else float("nan")
                  for v, f in zip(rows["vigil"], rows["floor"])]
        print("# vigil / floor: first line {:.2f}, exit {:.2f}, peak RSS "
              "{:.2f}, pio exit {:.2f}, mmio exit {:.2f}".format(*ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
