#!/usr/bin/env python3
"""Snapshot figures for vigil and QEMU microvm, side by side in one run.

Each run boots the test guest (256 MiB, 1 vCPU) on the snapshot_workload
(a record written to a raw disk and printed every LAPIC tick), waits for
record 20, saves the running VM, kills it, and restores it:

  save ms      request sent -> reply (vigil: `vigil ctl SOCK snapshot
               DIR`, which makes the files and passes them to vigil;
               QEMU: QMP "migrate" to
               "exec:cat > FILE", polled with query-migrate until
               "completed"); the VM is running when asked
  size         bytes the snapshot occupies on disk, and its apparent size
               (vigil's memory file is sparse; QEMU's stream is compact)
  restore ms   process start -> the restored guest's first serial byte
               (vigil --restore DIR; QEMU -incoming "exec:cat FILE"). The
               guest prints once per 10 ms tick, so this includes up to a
               tick of the guest's own waiting, for both alike.
  re-save ms   vigil only: the restored VM (restored again, with a control
               socket) saved once it prints, as "save ms"

Prints the median of --runs runs (default 10) of each.

usage: bench/snapshot.py [--runs N] [--vigil build/vigil] [--memory 256M]
                         [--only vigil|qemu-microvm] [--json FILE]
                         [--guest build/guest/vigil-test-guest.bin]
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import benchjson

CMDLINE = "tests=snapshot_workload snap_records=20000 snap_ticks=1"
READY = b"snap record 20 "


def qemu_cmd(guest, memory, disk, extra):
    return ["qemu-system-x86_64", "-M", "microvm", "-enable-kvm",
            "-cpu", "host,-arch-capabilities", "-m", memory, "-smp", "1",
            "-nodefaults", "-no-user-config", "-nographic",
            "-serial", "stdio",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-global", "virtio-mmio.force-legacy=false",
            "-drive", f"if=none,id=d0,file={disk},format=raw",
            "-device", "virtio-blk-device,drive=d0",
            "-kernel", guest, "-append", CMDLINE] + extra


def start(cmd):
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_output(proc, needle, timeout=60):
    """Read the VM's serial output until needle appears."""
    seen = b""
    end = time.monotonic() + timeout
    while needle not in seen:
        chunk = proc.stdout.read1(4096)
        if not chunk or time.monotonic() > end:
            raise RuntimeError(f"no {needle!r} in the output: "
                               f"{seen[-300:]!r}")
        seen = seen[-4096:] + chunk


def kill(proc):
    proc.send_signal(signal.SIGKILL)
    proc.communicate()


def json_line(f, obj):
    f.write(json.dumps(obj) + "\n")
    f.flush()


def connect(path, timeout=10):
    end = time.monotonic() + timeout
    while True:
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.01)


def disk_usage(paths):
    """(bytes allocated on disk, apparent bytes)."""
    st = [os.stat(p) for p in paths]
    return sum(s.st_blocks * 512 for s in st), sum(s.st_size for s in st)


def restore_ms(cmd):
    t0 = time.monotonic()
    proc = start(cmd)
    first = proc.stdout.read(1)
    t = (time.monotonic() - t0) * 1000
    kill(proc)
    if not first:
        raise RuntimeError("the restored VM printed nothing")
    return t


def vigil_save(vigil, sock, snap):
    """`vigil ctl snapshot`: (request -> reply ms, the reply)."""
    connect(sock).close()  # the control socket is up
    t0 = time.monotonic()
    r = subprocess.run([vigil, "ctl", "--json", sock, "snapshot", snap],
                       capture_output=True, text=True)
    ms = (time.monotonic() - t0) * 1000
    reply = json.loads(r.stdout or "{}")
    if not reply.get("ok"):
        raise RuntimeError(f"vigil: {reply}")
    return ms, reply


def vigil_resave(args, tmp, snap, disk):
    """Restore snap and save the restored VM again once it runs."""
    sock = os.path.join(tmp, "api2.sock")
    vm = start([args.vigil, "--restore", snap, "--drive", f"file={disk}",
                "--serial", "stdio", "--api-socket", sock])
    try:
        if not vm.stdout.read1(1):
            raise RuntimeError("the restored VM printed nothing")
        return vigil_save(args.vigil, sock, os.path.join(tmp, "snap2"))[0]
    finally:
        kill(vm)


def vigil_run(args, tmp):
    disk, snap = os.path.join(tmp, "disk"), os.path.join(tmp, "snap")
    sock = os.path.join(tmp, "api.sock")
    with open(disk, "wb") as f:
        f.truncate(16 << 20)
    vm = start([args.vigil, "--kernel", args.guest, "--memory", args.memory,
                "--cpus", "1", "--cmdline", CMDLINE, "--drive",
                f"file={disk}", "--serial", "stdio", "--api-socket", sock])
    try:
        wait_output(vm, READY)
        save = vigil_save(args.vigil, sock, snap)[0]
    finally:
        kill(vm)
    size = disk_usage([os.path.join(snap, "state"),
                       os.path.join(snap, "memory")])
    restore = restore_ms([args.vigil, "--restore", snap, "--drive",
                          f"file={disk}", "--serial", "stdio"])
    return save, size, restore, vigil_resave(args, tmp, snap, disk)


def qmp(path):
    s = connect(path)
    f = s.makefile("rw")
    json.loads(f.readline())

    def cmd(name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        json_line(f, msg)
        while True:
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                return r
    cmd("qmp_capabilities")
    return s, cmd


def qemu_run(args, tmp):
    disk, mig = os.path.join(tmp, "disk"), os.path.join(tmp, "vm.mig")
    path = os.path.join(tmp, "qmp.sock")
    with open(disk, "wb") as f:
        f.truncate(16 << 20)
    vm = start(qemu_cmd(args.guest, args.memory, disk,
                        ["-qmp", f"unix:{path},server=on,wait=off"]))
    wait_output(vm, READY)
    s, cmd = qmp(path)
    t0 = time.monotonic()
    cmd("migrate", uri=f"exec:cat > {mig}")
    while True:
        state = cmd("query-migrate")["return"].get("status")
        if state in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.002)
    save = (time.monotonic() - t0) * 1000
    s.close()
    kill(vm)
    if state != "completed":
        raise RuntimeError(f"qemu: migration {state}")
    size = disk_usage([mig])
    restore = restore_ms(qemu_cmd(args.guest, args.memory, disk,
                                  ["-incoming", f"exec:cat {mig}"]))
    return save, size, restore, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--vigil", default="build/vigil")
    ap.add_argument("--guest", default="build/guest/vigil-test-guest.bin")
    ap.add_argument("--memory", default="256M",
                    help="guest RAM (the guest touches the same few MiB"
                    " whatever its size)")
    ap.add_argument("--only", choices=["vigil", "qemu-microvm"],
                    help="measure one VMM only")
    ap.add_argument("--json", help="write the figures here as JSON")
    args = ap.parse_args()

    print(f"# {args.runs} runs each: {args.memory} guest, 1 vCPU, "
          f"'{CMDLINE}', medians")
    print(f"{'vmm':14} {'save ms':>9} {'on disk KiB':>12} "
          f"{'apparent MiB':>13} {'restore ms':>11} {'re-save ms':>11}")
    rows = {}
    for name, run in (("vigil", vigil_run), ("qemu-microvm", qemu_run)):
        if args.only and name != args.only:
            continue
        saves, disk, apparent, restores, resaves = [], [], [], [], []
        for i in range(args.runs):
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    save, (used, size), restore, resave = run(args, tmp)
            except (OSError, RuntimeError, ValueError) as e:
                # one run of a peer dying (QEMU's QMP socket reset in the
                # nested host) is a missing run, not the end of the bench
                print(f"# {name}: run {i + 1} failed: {e!r}", flush=True)
                save = used = size = restore = float("nan")
                resave = float("nan") if name == "vigil" else None
            saves.append(save)
            disk.append(used / 1024)
            apparent.append(size / (1 << 20))
            restores.append(restore)
            if resave is not None:
                resaves.append(resave)
        rows[name] = {k: benchjson.spread(xs) for k, xs in (
            ("save_ms", saves), ("on_disk_kib", disk),
            ("apparent_mib", apparent), ("restore_ms", restores),
            ("resave_ms", resaves)) if xs}
        med = {k: benchjson.median_of(v) for k, v in rows[name].items()}
        resave = (f"{med['resave_ms']:11.1f}" if "resave_ms" in med else
                  f"{'-':>11}")
        print(f"{name:14} {med['save_ms']:9.1f} {med['on_disk_kib']:12.0f} "
              f"{med['apparent_mib']:13.1f} {med['restore_ms']:11.1f} "
              f"{resave}", flush=True)
    ratios = {}
    if len(rows) == 2:
        for key in ("save_ms", "restore_ms"):
            ratios[f"vigil/qemu-microvm {key}"] = benchjson.ratio(
                rows["vigil"][key], rows["qemu-microvm"][key])
    benchjson.write(args.json, "snapshot",
                    {"runs": args.runs, "memory": args.memory,
                     "cmdline": CMDLINE}, rows, ratios)
    return 0


if __name__ == "__main__":
    sys.exit(main())
