#!/usr/bin/env python3
"""Boot figures for vigil, QEMU microvm and kvmtool, side by side in one run.

Boots the test guest N times on each (default 20), 256 MiB and 1 vCPU,
with 'tests=triple_fault' (the guest starts, calibrates its clocks, and
ends itself the one way all three VMMs stop on: a triple fault), and
prints the medians of the wall time from process start to the guest's
first serial line and to process exit; the peak RSS, from /usr/bin/time
in three further boots (measured from Python, a child's peak RSS would
include the Python process it was forked from); and the cost of one
port-I/O and one MMIO exit round trip: the wall time of a run whose guest
writes 110,000 times to a port or an address nothing decodes (the test
guest's pio_bench and mmio_bench), less that of a run writing 10,000
times, over 100,000 (--exits); the median of --pairs such pairs.

Every VMM's executable, its libraries, QEMU's firmware and the guest are
held mapped for the whole run, so each boot finds them in the page cache
as a VMM's second run on a host does (hold_in_page_cache()).

The floor (bench/floor.c: the least KVM program that runs a guest and
prints its byte, and loops on the same exits, in the same 64-bit mode,
with --pio and --mmio) is measured the same way, and vigil's figures are
also given as multiples of it and of kvmtool's. So is the floor running
the test guest itself ("floor-test-guest", vigil-floor --kernel): to the
guest's first line only, where it exits, so that row has a first line
and a peak RSS, and the difference between the two floors is the test
guest's own start-up work, which every VMM that boots it pays. kvmtool
is not packaged in Debian 12: give a built lkvm with --lkvm, or it is
reported as not measured.

usage: bench/boot.py [--runs N] [--vigil build/vigil] [--lkvm PATH]
                     [--floor build/vigil-floor] [--exits 10000,110000]
                     [--pairs 5]
                     [--guest build/guest/vigil-test-guest.bin]
                     [--json FILE]
"""
import argparse
import mmap
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import benchjson

BOOT_CMDLINE = "tests=triple_fault"
FIGURES = [("first_line_ms", "first line ms", 14, ".1f"),
           ("exit_ms", "exit ms", 10, ".1f"),
           ("peak_rss_mib", "peak RSS MiB", 13, ".1f"),
           ("pio_exit_ns", "pio exit ns", 12, ".0f"),
           ("mmio_exit_ns", "mmio exit ns", 13, ".0f")]
RSS_RUNS = 3
# what QEMU's microvm loads before the guest (qboot, a symlink in Debian)
QEMU_FIRMWARE = "/usr/share/qemu/bios-microvm.bin"


def qemu_cmd(guest, cmdline):
    return ["qemu-system-x86_64", "-M", "microvm", "-enable-kvm",
            "-cpu", "host,-arch-capabilities", "-m", "256M", "-smp", "1",
            "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
            "-serial", "stdio",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-kernel", guest, "-append", cmdline]


def vigil_cmd(vigil, guest, cmdline):
    return [vigil, "--kernel", guest, "--memory", "256M", "--cpus", "1",
            "--cmdline", cmdline]


def lkvm_cmd(lkvm, guest, cmdline):
    # --nodefaults: no 9p root filesystem or user-mode network of its own
    return [lkvm, "run", "--nodefaults", "--loglevel", "error",
            "-k", guest, "-m", "256", "-c", "1", "-p", cmdline,
            "--console", "serial", "-n", "mode=none"]


def one_boot(cmd, env=None):
    """(seconds to first line, seconds to exit, output)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    t_first = time.monotonic() - start
    rest = proc.stdout.read()
    proc.wait()
    t_exit = time.monotonic() - start
    proc.stderr.close()
    proc.stdout.close()
    if not first:
        t_first = float("nan")
    return t_first, t_exit, (first + rest).decode(errors="replace")


def peak_rss_mib(cmd, env=None):
    """The peak RSS of cmd, from GNU time (NaN without it)."""
    if not os.access("/usr/bin/time", os.X_OK):
        return float("nan")
    with tempfile.NamedTemporaryFile(mode="r") as out:
        subprocess.run(["/usr/bin/time", "-o", out.name, "-f", "%M"] + cmd,
                       stdin=subprocess.DEVNULL, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lines = out.read().split()
    return int(lines[-1]) / 1024 if lines and lines[-1].isdigit() \
        else float("nan")


def exit_ns(make, exits, env):
    """ns per exit: make(count) is the command doing count exits; exits
    (low, high) the counts of the two runs whose wall times differ by the
    cost of high - low exits."""
    lo = one_boot(make(exits[0]), env)[1]
    hi = one_boot(make(exits[1]), env)[1]
    return (hi - lo) * 1e9 / (exits[1] - exits[0])


class Row:
    """One VMM's commands: boot(), pio(n), mmio(n), the text every boot
    prints (a boot that does not is a failed run, its times NaN), and the
    environment to run them in."""

    def __init__(self, boot, pio, mmio, expect, env=None):
        self.boot, self.pio, self.mmio = boot, pio, mmio
        self.expect, self.env = expect, env
        # a row without exit loops stops after its first line
        self.runs_to_end = pio is not None


def program_files(cmd):
    """The executable of cmd and the shared libraries ldd names for it."""
    exe = shutil.which(cmd[0])
    if not exe:
        return []
    files = [os.path.realpath(exe)]
    ldd = subprocess.run(["ldd", exe], capture_output=True, text=True)
    files += re.findall(r"(/\S+) \(0x", ldd.stdout)
    return files


def hold_in_page_cache(paths):
    """Map every file and touch its pages; the mappings stay until the
    returned list is dropped. The nested host reads the machine's files
    over 9p with no page cache that outlives a file's last user, so a
    binary that no other process maps is read afresh at every exec (a
    static vigil: about 170 major faults and 60 ms a boot there). On a
    host, a VMM's second run finds its binary in the page cache; held
    mapped, every VMM here is measured that way."""
    held = []
    for path in sorted(set(paths)):
        try:
            with open(path, "rb") as f:
                m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        except (OSError, ValueError):
            continue
        sum(m[i] for i in range(0, len(m), mmap.PAGESIZE))
        held.append(m)
    return held


ROW_END_FIGURES = ("exit_ms", "pio_exit_ns", "mmio_exit_ns")


def measure_all(rows, args):
    """{name: {figure: spread}}, without the figures of a run to the end
    for a row that stops at its first line. Each round runs every VMM
    once, so that the nested host's drifts weigh on all of them alike."""
    got = {name: {key: [] for key, *_ in FIGURES
                  if row.runs_to_end or key not in ROW_END_FIGURES}
           for name, row in rows.items()}
    for _ in range(args.runs):
        for name, row in rows.items():
            f, e, out = one_boot(row.boot(), row.env)
            if row.expect not in out:
                print(f"# {name}: a boot did not print {row.expect!r}: "
                      f"{out[-300:]!r}")
                f = e = float("nan")
            got[name]["first_line_ms"].append(f * 1000)
            if row.runs_to_end:
                got[name]["exit_ms"].append(e * 1000)
    for _ in range(RSS_RUNS):
        for name, row in rows.items():
            got[name]["peak_rss_mib"].append(peak_rss_mib(row.boot(),
                                                          row.env))
    for _ in range(args.pairs):
        for name, row in rows.items():
            if not row.runs_to_end:
                continue
            got[name]["pio_exit_ns"].append(exit_ns(row.pio, args.exits,
                                                    row.env))
            got[name]["mmio_exit_ns"].append(exit_ns(row.mmio, args.exits,
                                                     row.env))
    result = {}
    for name, figures in got.items():
        result[name] = {key: benchjson.spread(xs)
                        for key, xs in figures.items()}
        cells = " ".join(
            f"{benchjson.median_of(result[name][key]):{w}{fmt}}"
            if key in result[name] else f"{'-':>{w}}"
            for key, _, w, fmt in FIGURES)
        print(f"{name:16} {cells}", flush=True)
    return result


def ratios(rows, num, den):
    """num's figures over den's, for the figures both rows measure."""
    return {key: benchjson.ratio(rows[num][key], rows[den][key])
            for key, *_ in FIGURES if key in rows[num] and key in rows[den]}


def exit_cmdline(test, count):
    """The test guest's command line for count exits of test, then the
    triple fault that ends it."""
    return f"tests={test},triple_fault pio_count={count}"


def parse_exits(ap, text):
    try:
        exits = tuple(int(n) for n in text.split(","))
        if len(exits) != 2 or not 0 < exits[0] < exits[1]:
            raise ValueError
    except ValueError:
        ap.error(f"--exits {text}: want LOW,HIGH with 0 < LOW < HIGH")
    return exits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--vigil", default="build/vigil")
    ap.add_argument("--floor", default="build/vigil-floor")
    ap.add_argument("--lkvm", help="a built kvmtool lkvm to measure too")
    ap.add_argument("--guest", default="build/guest/vigil-test-guest.bin")
    ap.add_argument("--exits", default="10000,110000",
                    help="exits of the two runs timing one exit: LOW,HIGH")
    ap.add_argument("--pairs", type=int, default=5,
                    help="pairs of runs timing each exit kind (median)")
    ap.add_argument("--json", help="write the figures here as JSON")
    args = ap.parse_args()
    if args.runs < 1 or args.pairs < 1:
        ap.error("--runs and --pairs: want at least 1")
    args.exits = parse_exits(ap, args.exits)
    if args.lkvm and not os.access(args.lkvm, os.X_OK):
        ap.error(f"--lkvm {args.lkvm}: not an executable file")

    peers = {
        "vigil": (lambda c: vigil_cmd(args.vigil, args.guest, c), None),
        "qemu-microvm": (lambda c: qemu_cmd(args.guest, c), None),
    }
    notes = []
    home = None
    if args.lkvm:
        # kvmtool binds a socket under $HOME/.lkvm, which a 9p home refuses
        home = tempfile.TemporaryDirectory(prefix="vigil-lkvm-")
        peers["kvmtool"] = (lambda c: lkvm_cmd(args.lkvm, args.guest, c),
                            dict(os.environ, HOME=home.name))
    else:
        notes.append("kvmtool: not measured (give a built lkvm with --lkvm)")
    print(f"# {args.runs} boots each of {args.guest} ('{BOOT_CMDLINE}'), "
          "medians")
    print(f"{'vmm':16} " + " ".join(f"{title:>{w}}"
                                    for _, title, w, _ in FIGURES))
    rows = {}
    if os.access(args.floor, os.X_OK):
        rows["floor"] = Row(lambda: [args.floor],
                            lambda n: [args.floor, "--pio", str(n)],
                            lambda n: [args.floor, "--mmio", str(n)], "x")
        rows["floor-test-guest"] = Row(
            lambda: [args.floor, "--kernel", args.guest], None, None,
            "vigil-test-guest: start")
    else:
        notes.append(f"floor: {args.floor} not built, not measured")
    for name, (make, env) in peers.items():
        rows[name] = Row(lambda make=make: make(BOOT_CMDLINE),
                         lambda n, make=make: make(exit_cmdline("pio_bench",
                                                                n)),
                         lambda n, make=make: make(exit_cmdline("mmio_bench",
                                                                n)),
                         "1..1", env)
    held = hold_in_page_cache(
        [args.guest, QEMU_FIRMWARE] + [f for row in rows.values()
                        for f in program_files(row.boot())])
    rows = measure_all(rows, args)
    del held
    if home:
        home.cleanup()
    for line in notes:
        print(f"# {line}")
    out = {}
    for den in ("floor", "floor-test-guest", "kvmtool", "qemu-microvm"):
        if den in rows:
            got = ratios(rows, "vigil", den)
            out.update({f"vigil/{den} {key}": v for key, v in got.items()})
            print(f"# vigil / {den}: " + ", ".join(
                f"{title} {got[key]:.2f}"
                for key, title, *_ in FIGURES if key in got))
    benchjson.write(args.json, "boot",
                    {"runs": args.runs, "exits": list(args.exits),
                     "guest": args.guest, "cmdline": BOOT_CMDLINE},
                    rows, out, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
