#!/usr/bin/env python3
"""virtio-blk under Linux's own driver: fio in Debian's standard kernel on
vigil and on QEMU microvm, side by side in one run.

Both VMMs boot the same kernel and disk initramfs (fio, libaio) with the
same two data disks: a 256 MiB raw file filled with data (so reads come
from the host's page cache) and null-co with read-zeroes=off (1 GiB;
QEMU's -blockdev null-co, vigil's driver=null-co). Inside, fio
(libaio, O_DIRECT, --runtime seconds each) runs on each disk:
  randread 4k at queue depth 1 and 32, randwrite 4k at depth 1 and 32,
  read 128k at depth 4
and reports IOPS and the 99th percentile of completion latency (µs). The
VMMs take turns, --runs times; the medians and the vigil/QEMU ratios are
printed (IOPS: above 1 is vigil ahead; p99: below 1 is).

Needs a /dev/kvm that runs stock kernels; on a machine without one, run it
in the nested KVM host (the build's Linux artefacts built first):
  python3 scripts/nested-kvm.py run -- python3 bench/linux_blk.py
Only ratios mean anything there: an emulator runs both VMMs.

usage: bench/linux_blk.py [--vigil build/vigil] [--runs 3] [--runtime 5]
                          [--jobs randread-4k-1,...] [--cpus 1]
                          [--no-qemu] [--json FILE]
"""
import argparse
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "functional"))

import benchjson  # noqa: E402
import linuxrun  # noqa: E402
from blk import RAW_SIZE, make_raw  # noqa: E402  the same raw disk

NULL_SIZE = 1 << 30
JOBS = ["randread-4k-1", "randread-4k-32", "randwrite-4k-1",
        "randwrite-4k-32", "read-128k-4"]
DISKS = ("raw", "null")
# fio's terse v3 line, split at ';': the read side's IOPS and completion
# latency percentiles (fields 7 and 17-36), the write side's 46 fields on
SIDE = {"read": (7, 17), "write": (48, 58)}

# Which disk is which, by size (512-byte sectors): the VMMs may enumerate
# them in either order.
SCRIPT = """\
for dev in vdb vdc; do
    case $(cat /sys/block/$dev/size) in
    {raw_sectors}) disk=raw ;;
    {null_sectors}) disk=null ;;
    *) continue ;;
    esac
    for job in {jobs}; do
        set -- $(echo "$job" | tr - ' ')
        line=$(fio --name=j --filename=/dev/$dev --ioengine=libaio \\
            --direct=1 --rw=$1 --bs=$2 --iodepth=$3 --time_based \\
            --runtime={runtime} --percentile_list=99 --eta=never \\
            --output-format=terse --terse-version=3 2>&1 | tail -n 1)
        result "$disk-$job" "$line"
    done
done
"""


def parse_terse(job, line):
    """(IOPS, p99 completion latency µs) from fio's terse line, or None."""
    f = line.split(";")
    side = "write" if "write" in job else "read"
    iops_at, pct_at = SIDE[side]
    if len(f) < 80 or f[0] != "3" or f[4] != "0":
        return None
    p99 = [v.split("=", 1)[1] for v in f[pct_at:pct_at + 20]
           if v.startswith("99.000000%=")]
    try:
        return float(f[iops_at]), float(p99[0]) if p99 else float("nan")
    except ValueError:
        return None


def command(vmm, args, script, raw):
    null = f"driver=null-co,size={NULL_SIZE},read-zeroes=off"
    if vmm == "vigil":
        return linuxrun.vigil_cmd(args.vigil, args.kernel, args.initrd,
                                  script, cpus=args.cpus,
                                  drives=[f"file={raw}", null])
    cmd = linuxrun.qemu_cmd(args.kernel, args.initrd, script, cpus=args.cpus,
                            files=[raw])
    at = cmd.index("-kernel")
    return cmd[:at] + ["-blockdev", "driver=null-co,node-name=n0,"
                       f"size={NULL_SIZE},read-zeroes=off",
                       "-device", "virtio-blk-device,drive=n0"] + cmd[at:]


def one_run(vmm, args, script, raw):
    """{(disk, job): (IOPS, p99 µs)} of one boot; missing jobs left out."""
    r = linuxrun.boot(command(vmm, args, script, raw))
    res = linuxrun.results(r.stdout)
    got = {}
    for disk in DISKS:
        for job in args.jobs:
            fig = parse_terse(job, res.get(f"{disk}-{job}", ""))
            if fig:
                got[(disk, job)] = fig
    if len(got) < len(DISKS) * len(args.jobs):
        print(f"# {vmm}: {len(got)} of {len(DISKS) * len(args.jobs)} jobs "
              f"reported\n{r.summary()[-1500:]}", flush=True)
    return got


def report(runs, vmms, args):
    rows, ratios = {}, {}
    print(f"\nmedians of {args.runs} runs, fio {args.runtime} s per job; "
          "p99 = 99th percentile completion latency")
    print(f"{'disk':5} {'job':16}" + "".join(
        f"{v + ' IOPS':>14}{v + ' p99 us':>14}" for v in vmms) +
        ("  IOPS v/q  p99 v/q" if len(vmms) == 2 else ""))
    for disk in DISKS:
        for job in args.jobs:
            line = f"{disk:5} {job:16}"
            for vmm in vmms:
                figs = [r.get((disk, job)) for r in runs[vmm]]
                name = "qemu-microvm" if vmm == "qemu" else vmm
                row = rows.setdefault(f"{name} {disk}", {})
                for i, key in enumerate(("iops", "p99_us")):
                    row[f"{job} {key}"] = benchjson.spread(
                        [f[i] if f else float("nan") for f in figs])
                line += "".join(
                    f"{benchjson.median_of(row[f'{job} {k}']):14.0f}"
                    for k in ("iops", "p99_us"))
            if len(vmms) == 2:
                iops, p99 = (benchjson.ratio(
                    rows[f"vigil {disk}"][f"{job} {k}"],
                    rows[f"qemu-microvm {disk}"][f"{job} {k}"])
                    for k in ("iops", "p99_us"))
                ratios[f"vigil/qemu {disk} {job} iops"] = iops
                ratios[f"vigil/qemu {disk} {job} p99"] = p99
                line += f"  {iops:8.2f} {p99:8.2f}"
            print(line, flush=True)
    benchjson.write(args.json, "linux-blk",
                    {"runs": args.runs, "runtime_s": args.runtime,
                     "cpus": args.cpus, "jobs": args.jobs}, rows, ratios)


def main():
    art = os.path.join(ROOT, "build", "guest", "linux")
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vigil", default=os.path.join(ROOT, "build", "vigil"))
    ap.add_argument("--kernel", default=os.path.join(art, "std-bzImage"))
    ap.add_argument("--initrd",
                    default=os.path.join(art, "std-disk-initramfs.cpio.gz"))
    ap.add_argument("--cpus", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--runtime", type=int, default=5)
    ap.add_argument("--jobs", default=",".join(JOBS),
                    help="RW-BS-QD,... (fio's rw, block size, iodepth)")
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--json", help="write the figures here as JSON")
    args = ap.parse_args()
    args.jobs = args.jobs.split(",")
    for job in args.jobs:
        parts = job.split("-")
        if len(parts) != 3 or not parts[2].isdigit() or \
                parts[0] not in ("read", "write", "randread", "randwrite"):
            ap.error(f"--jobs: {job}: want RW-BS-QD, e.g. randread-4k-1")
    if args.runs < 1 or args.runtime < 1:
        ap.error("--runs and --runtime: at least 1")
    vmms = ["vigil"] + ([] if args.no_qemu else ["qemu"])
    runs = {v: [] for v in vmms}
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "disk.raw")
        make_raw(raw)
        script = linuxrun.write_script(
            os.path.join(tmp, "fio.sh"),
            SCRIPT.format(raw_sectors=RAW_SIZE // 512,
                          null_sectors=NULL_SIZE // 512,
                          jobs=" ".join(args.jobs), runtime=args.runtime))
        for i in range(args.runs):
            for vmm in vmms:
                runs[vmm].append(one_run(vmm, args, script, raw))
                print(f"run {i + 1} {vmm}: {len(runs[vmm][-1])} jobs",
                      flush=True)
    report(runs, vmms, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
