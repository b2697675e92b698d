#!/usr/bin/env python3
"""vigil-blkd against qemu-storage-daemon, in one run: both serve a
vhost-user-blk device to Linux's own virtio_blk driver in Debian's
user-mode-linux, over the same backends, and fio inside UML measures them.

Jobs (fio, libaio, O_DIRECT on /dev/vda, --runtime seconds each):
  4 KiB random read at queue depth 1, 8 and 32, 1 MiB sequential read and
  1 MiB sequential write at queue depth 4.
Backends: null-co with read-zeroes=on and =off (1 GiB), and a 256 MiB raw
file filled with data (so reads come from the host's page cache). Both
daemons use their defaults otherwise: vigil-blkd is one thread doing
synchronous I/O that holds a notification while requests keep coming;
qemu-storage-daemon runs the export in its main loop with
its thread-pool AIO.

Reported per job: IOPS and MB/s (10^6 bytes) as fio saw them, and the
daemon's CPU time (user + system, all its threads, from /proc/PID/stat)
per request, sampled on the host at the console lines that open and close
each job. UML itself (a whole Linux in one process, plus its userspace
processes) costs far more than either daemon, so IOPS say more about UML
than about the device; CPU time per request is the daemons' own figure.
Absolute numbers from this machine mean little; compare the columns.

usage: bench/blkd.py [--build DIR] [--runtime SECONDS] [--no-qsd]
                     [--blkd PATH] [--json FILE]
"""
import argparse
import os
import shutil
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "functional"))
import benchjson  # noqa: E402
from umlrun import (Daemon, Uml, Unavailable, fetch_uml,  # noqa: E402
                    memory_dir, vigil_blkd)

JOBS = [("randread-4k-qd1", "randread", "4k", 1),
        ("randread-4k-qd8", "randread", "4k", 8),
        ("randread-4k-qd32", "randread", "4k", 32),
        ("read-1m-qd4", "read", "1M", 4),
        ("write-1m-qd4", "write", "1M", 4)]
NULL_SIZE = 1 << 30
RAW_SIZE = 256 << 20


def block_bytes(bs):
    return int(bs[:-1]) << {"k": 10, "M": 20}[bs[-1]]


class Backend:
    def __init__(self, name, vigil_spec, qsd_blockdevs):
        self.name, self.vigil_spec = name, vigil_spec
        self.qsd_blockdevs = qsd_blockdevs


def backends(raw):
    out = []
    for zeroes in ("on", "off"):
        out.append(Backend(
            f"null-co read-zeroes={zeroes}",
            f"driver=null-co,size={NULL_SIZE},read-zeroes={zeroes}",
            [f"driver=null-co,node-name=disk,size={NULL_SIZE},"
             f"read-zeroes={zeroes}"]))
    out.append(Backend(
        "raw file (page cache)", f"file={raw}",
        [f"driver=file,node-name=file,filename={raw}",
         "driver=raw,node-name=disk,file=file"]))
    return out


def qsd(binary, workdir, backend):
    sock = os.path.join(workdir, "qsd.sock")
    cmd = [binary]
    for b in backend.qsd_blockdevs:
        cmd += ["--blockdev", b]
    cmd += ["--export", "type=vhost-user-blk,id=exp,node-name=disk,"
            f"addr.type=unix,addr.path={sock},writable=on"]
    return Daemon(cmd, sock, os.path.join(workdir, "qsd.err"))


def run_jobs(uml, daemon, runtime):
    """{job: (IOPS, MB/s, CPU µs per request)} for one daemon."""
    cpu_at_start, results = {}, {}

    def on_line(line):
        if not line.startswith("vigil-uml: job_"):
            return
        words = line.split()
        if words[1] == "job_start":
            cpu_at_start[words[2]] = daemon.cpu_seconds()
        elif words[1] == "job_end":
            cpu = daemon.cpu_seconds() - cpu_at_start.get(words[2], 0)
            results[words[2]] = (int(words[3]), words[4:], cpu)

    jobs = ",".join(f"{n}:{rw}:{bs}:{qd}" for n, rw, bs, qd in JOBS)
    boot = uml.boot("bench", [daemon.sock], on_line=on_line,
                    timeout=60 + 3 * runtime * len(JOBS), jobs=jobs,
                    runtime=runtime)
    out = {}
    for name, _, bs, _ in JOBS:
        status, minimal, cpu = results.get(name, (None, [], 0))
        f = " ".join(minimal).split(";")
        if status != 0 or len(f) < 50 or f[4] != "0":
            print(f"# {name}: fio failed (status {status})\n" +
                  boot.detail(), file=sys.stderr)
            continue
        kib = int(f[5]) + int(f[46])
        requests = kib * 1024 // block_bytes(bs)
        iops = float(f[7]) + float(f[48])
        mbs = (int(f[6]) + int(f[47])) * 1024 / 1e6
        out[name] = (iops, mbs, cpu / requests * 1e6 if requests else 0)
    return out


def measure(uml, runtime, start_daemon):
    """run_jobs on a fresh daemon; once more if a boot fails (this UML
    very rarely hangs, whichever daemon serves it)."""
    results = {}
    for _ in range(2):
        d = start_daemon()
        results = run_jobs(uml, d, runtime) if d.ready else {}
        d.stop()
        if len(results) == len(JOBS):
            break
    return results


def fmt(r):
    if r is None:
        return "| - | - | - "
    return f"| {r[0]:.0f} | {r[1]:.1f} | {r[2]:.1f} "


def ratio(a, b, i):
    if a is None or b is None or not b[i]:
        return "-"
    return f"{a[i] / b[i]:.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runtime", type=int, default=5)
    ap.add_argument("--no-qsd", action="store_true")
    ap.add_argument("--blkd", help="the vigil-blkd to measure (default: the"
                    " build's), e.g. an older one for a before/after")
    ap.add_argument("--json", help="write the figures here as JSON")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    qsd_bin = None if args.no_qsd else shutil.which("qemu-storage-daemon")
    try:
        kernel, ko = fetch_uml(
            os.path.join(ROOT, "guest", "linux", "fetch-artefacts.sh"),
            os.path.join(build, "guest", "linux"))
    except Unavailable as e:
        sys.exit(f"bench/blkd.py: {e}")
    workdir = tempfile.mkdtemp(prefix="vigil-blkd-bench-")
    try:
        uml = Uml(os.path.join(build, "tests", "functional", "uml-launch"),
                  kernel, ko,
                  os.path.join(build, "tests", "functional", "uml-tool"),
                  os.path.join(ROOT, "tests", "functional", "uml", "init.sh"),
                  memory_dir(workdir))
        raw = os.path.join(workdir, "disk.raw")
        with open(raw, "wb") as f:
            for i in range(RAW_SIZE >> 20):
                f.write(bytes([i & 0xff or 1]) * (1 << 20))
        blkd = args.blkd or os.path.join(build, "vhost-user", "vigil-blkd")
        rows = []
        for backend in backends(raw):
            v = measure(uml, args.runtime, lambda: vigil_blkd(
                blkd, workdir, "vigil", backend.vigil_spec))
            q = {}
            if qsd_bin:
                q = measure(uml, args.runtime,
                            lambda: qsd(qsd_bin, workdir, backend))
            for name, *_ in JOBS:
                rows.append((backend.name, name, v.get(name), q.get(name)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"fio in Debian's UML (Linux 6.1 virtio_blk), {args.runtime} s "
          "per job; CPU = the daemon's user+system time per request")
    print()
    print("| backend | job | vigil-blkd IOPS | MB/s | CPU µs/req "
          "| qsd IOPS | MB/s | CPU µs/req | IOPS vigil/qsd "
          "| CPU/req vigil/qsd |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for backend, job, v, q in rows:
        print(f"| {backend} | {job} " + fmt(v) + fmt(q) +
              f"| {ratio(v, q, 0)} | {ratio(v, q, 2)} |")
    write_json(args, rows)


def write_json(args, rows):
    """One row per daemon, backend and job; one run each."""
    out, ratios = {}, {}
    for backend, job, v, q in rows:
        for daemon, r in (("vigil-blkd", v), ("qemu-storage-daemon", q)):
            if r is None and daemon != "vigil-blkd" and args.no_qsd:
                continue
            out[f"{daemon} {backend} {job}"] = {
                name: benchjson.spread([r[i] if r else float("nan")])
                for i, name in enumerate(("iops", "mb_s", "cpu_us_per_req"))}
        for i, name in ((0, "iops"), (2, "cpu_us_per_req")):
            if v and q and q[i]:
                ratios[f"vigil-blkd/qsd {backend} {job} {name}"] = \
                    v[i] / q[i]
    benchjson.write(args.json, "blkd", {"runtime_s": args.runtime}, out,
                    ratios)


if __name__ == "__main__":
    main()
