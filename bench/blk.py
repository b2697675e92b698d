#!/usr/bin/env python3
"""virtio-blk figures for vigil and QEMU microvm, side by side in one run.

The test guest's blk_bench (guest/tests/test_blk_bench.c) reads from the
drive for --bench-ms per phase: 4 KiB random reads at queue depth 1 and
32 (IOPS) and 128 KiB sequential reads at depth 4 (MB/s), completion by
polling. Each phase runs in its own boot, over null-co with
read-zeroes=on and off and over a raw file (page-cached), once more
over null-co with completion by interrupt (bench_irq=1), and over null-co
with latency-ns=100000, where what counts is how many requests the VMM
keeps waiting at once.

Where perf can count KVM's tracepoints in the VMM's process, each phase
runs twice, for --bench-ms and for 100 ms, and the difference in events
divided by the difference in requests (the guest reports how many
completed) gives, per request: kvm:kvm_userspace_exit, exits from KVM_RUN
to the VMM; kvm:kvm_mmio, guest MMIO accesses KVM handled (in the kernel,
as ioeventfd notifications, or in the VMM). Not shown: kvm:kvm_exit (all
exits, including those KVM handles itself) never fires on kvm_pvm, and
interrupts injected through an irqfd are raised by a kernel worker, outside
the process perf counts (a system-wide count would include every other VM
on the host).

Absolute figures from a machine whose KVM is a software hypervisor mean
little; the vigil/QEMU ratios measured in the same run are the result.

usage: bench/blk.py [--vigil build/vigil]
                    [--guest build/guest/vigil-test-guest.bin]
                    [--bench-ms 1000] [--no-qemu] [--no-perf]
                    [--json FILE] [--backend SUBSTRING]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "functional"))
from guestrun import MODERN, QEMU, qemu_cmd, vigil_cmd  # noqa: E402

import benchjson  # noqa: E402

NULL_SIZE = 1 << 30
RAW_SIZE = 256 << 20
EVENTS = ["kvm:kvm_userspace_exit", "kvm:kvm_mmio"]
SHORT = {"kvm:kvm_userspace_exit": "exits", "kvm:kvm_mmio": "mmio"}
SHORT_MS = 100  # the baseline boot: the same phase, briefly
# A drive that waits, as a disk does: requests in flight at once count.
LATENCY_NS = 100000
PHASES = [("qd1", "randread 4k qd1", "IOPS"),
          ("qd32", "randread 4k qd32", "IOPS"),
          ("seq", "seqread 128k qd4", "MB/s")]


class Backend:
    def __init__(self, name, vigil_spec, qemu_args, irq=False):
        self.name, self.vigil_spec, self.qemu_args = name, vigil_spec, qemu_args
        self.irq = irq


def null_backend(name, zeroes, irq=False, latency_ns=0):
    rz = "on" if zeroes else "off"
    lat = f",latency-ns={latency_ns}" if latency_ns else ""
    return Backend(name, f"driver=null-co,size={NULL_SIZE},read-zeroes={rz}"
                   f"{lat}",
                   ["-blockdev", f"driver=null-co,node-name=n0,"
                    f"size={NULL_SIZE},read-zeroes={rz}{lat}",
                    "-device", "virtio-blk-device,drive=n0"], irq)


def raw_backend(path):
    return Backend("raw file", f"file={path}",
                   ["-drive", f"if=none,id=d0,file={path},format=raw",
                    "-device", "virtio-blk-device,drive=d0"])


def make_raw(path):
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for _ in range(RAW_SIZE // len(block)):
            f.write(block)


def perf_reason():
    """None when perf can count the KVM tracepoints, else why not."""
    if not shutil.which("perf"):
        return "perf is not installed (apt-get install linux-perf)"
    with tempfile.NamedTemporaryFile() as out:
        r = subprocess.run(["perf", "stat", "-x,", "-o", out.name, "-e",
                            ",".join(EVENTS), "--", "true"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return ("perf cannot count kvm tracepoints: " +
                    (r.stderr.strip().splitlines() or ["?"])[-1])
    return None


def one_boot(cmd, use_perf):
    """(guest output, {event: count} or None)."""
    with tempfile.NamedTemporaryFile(mode="r") as out:
        if use_perf:
            cmd = (["perf", "stat", "-x,", "-o", out.name, "-e",
                    ",".join(EVENTS), "--"] + cmd)
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=120)
        text = r.stdout.decode(errors="replace")
        if r.returncode != 1:
            sys.exit(f"{cmd[-1]}: guest failed (status {r.returncode}):\n"
                     f"{text[-2000:]}\n{r.stderr.decode(errors='replace')}")
        if not use_perf:
            return text, None
        counts = {}
        for line in out.read().splitlines():
            fields = line.split(",")
            if len(fields) > 2 and fields[2] in EVENTS:
                counts[fields[2]] = int(fields[0]) if fields[0].isdigit() \
                    else None
        return text, counts


def command(vmm, args, backend, cmdline):
    if vmm == "vigil":
        return vigil_cmd(args.vigil, args.guest, cmdline,
                         extra=["--drive", backend.vigil_spec])
    return qemu_cmd(args.guest, cmdline, extra=MODERN + backend.qemu_args)


def phase_run(vmm, args, backend, key, name, unit, ms, use_perf):
    """(figure, requests, {event: count} or None) of one boot."""
    cmdline = (f"tests=blk_bench bench_phases={key} bench_ms={ms}" +
               (" bench_irq=1" if backend.irq else ""))
    text, counts = one_boot(command(vmm, args, backend, cmdline), use_perf)
    m = re.search(rf"# {name}: (\d+) {re.escape(unit)}", text)
    n = re.search(rf"# {name}: (\d+) requests", text)
    return (int(m.group(1)) if m else None, int(n.group(1)) if n else 0,
            counts)


def measure(vmm, args, backend, use_perf):
    """{phase: (figure, {short: per request} or None)}."""
    results = {}
    for key, name, unit in PHASES:
        figure, reqs, counts = phase_run(vmm, args, backend, key, name, unit,
                                         args.bench_ms, use_perf)
        per_req = None
        if use_perf:
            _, base_reqs, base = phase_run(vmm, args, backend, key, name,
                                           unit, SHORT_MS, use_perf)
            if counts and base and reqs > base_reqs:
                per_req = {SHORT[e]: (counts[e] - base[e]) /
                           (reqs - base_reqs) for e in EVENTS
                           if counts.get(e) is not None and
                           base.get(e) is not None}
        results[key] = (figure, per_req)
    return results


def fmt_per_req(per_req):
    if not per_req:
        return "-"
    return " ".join(f"{k} {v:.2f}" for k, v in per_req.items())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", default="build/vigil")
    ap.add_argument("--guest", default="build/guest/vigil-test-guest.bin")
    ap.add_argument("--bench-ms", type=int, default=1000)
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--no-perf", action="store_true")
    ap.add_argument("--json", help="write the figures here as JSON")
    ap.add_argument("--backend", help="only the backends whose name has this")
    args = ap.parse_args()

    vmms = ["vigil"]
    if args.no_qemu:
        print("# QEMU: not run (--no-qemu)")
    elif not QEMU:
        print("# QEMU: not run (no qemu-system-x86_64)")
    else:
        vmms.append("qemu")
    reason = "--no-perf" if args.no_perf else perf_reason()
    if reason:
        print(f"# exits per request: not counted ({reason})")
    host = subprocess.run([args.vigil, "--check-host"], capture_output=True,
                          text=True)
    kind = [l for l in host.stdout.splitlines() if "hypervisor" in l or
            "hardware" in l]
    print(f"# host: {kind[0] if kind else 'unknown KVM'}")
    print(f"# blk_bench, {args.bench_ms} ms per phase, completion by "
          "polling unless noted; per request: exits to the VMM, MMIO "
          "accesses")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        raw = os.path.join(tmp, "disk.raw")
        make_raw(raw)
        backends = [null_backend("null-co read-zeroes=on", True),
                    null_backend("null-co read-zeroes=off", False),
                    raw_backend(raw),
                    null_backend("null-co read-zeroes=on, interrupts", True,
                                 irq=True),
                    null_backend(f"null-co latency-ns={LATENCY_NS}", True,
                                 latency_ns=LATENCY_NS)]
        if args.backend:
            backends = [b for b in backends if args.backend in b.name]
        print(f"{'backend':36} {'vmm':6} {'phase':5} {'figure':>12} "
              f"{'vigil/qemu':>10}  per request")
        rows, ratios = {}, {}
        for backend in backends:
            res = {vmm: measure(vmm, args, backend, not reason)
                   for vmm in vmms}
            add_json_rows(rows, ratios, backend, res)
            for key, _, unit in PHASES:
                for vmm in vmms:
                    figure, per_req = res[vmm][key]
                    ratio = ""
                    q = res.get("qemu", {}).get(key, (None,))[0]
                    if vmm == "vigil" and figure and q:
                        ratio = f"{figure / q:.2f}"
                    shown = f"{figure} {unit}" if figure is not None else "?"
                    print(f"{backend.name:36} {vmm:6} {key:5} {shown:>12} "
                          f"{ratio:>10}  {fmt_per_req(per_req)}", flush=True)
    print(f"# {time.monotonic() - start:.0f} s")
    benchjson.write(args.json, "blk", {"bench_ms": args.bench_ms}, rows,
                    ratios, [] if not reason else
                    [f"exits per request: not counted ({reason})"])
    return 0


def add_json_rows(rows, ratios, backend, res):
    """A row per VMM and backend: each phase's figure (one boot each) and
    the exits and MMIO accesses per request where perf counted them."""
    for vmm, phases in res.items():
        row = {}
        for key, _, unit in PHASES:
            figure, per_req = phases[key]
            name = f"{key}_{'iops' if unit == 'IOPS' else 'mb_s'}"
            row[name] = benchjson.spread(
                [float("nan") if figure is None else figure])
            for short, v in (per_req or {}).items():
                row[f"{key}_{short}_per_req"] = benchjson.spread([v])
        label = "qemu-microvm" if vmm == "qemu" else vmm
        rows[f"{label} {backend.name}"] = row
    for key, _, _ in PHASES:
        v = res["vigil"][key][0]
        q = res.get("qemu", {}).get(key, (None,))[0]
        if v and q:
            ratios[f"vigil/qemu {backend.name} {key}"] = v / q


if __name__ == "__main__":
    sys.exit(main())
