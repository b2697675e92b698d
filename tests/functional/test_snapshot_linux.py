#!/usr/bin/env python3
"""A real kernel across a snapshot: Debian's cloud kernel (vmlinux through
PVH) is saved in the middle of its boot, vigil is killed, and the snapshot
is restored. The restored kernel must carry on with the same boot: every
boot line once, in order, printk timestamps (kvmclock: the restored
/clock and MSRs) never going back, and the same ending as an uninterrupted
boot (test_linux_boot.py): power-off on hosts whose KVM runs Linux, the
emulator's limit (status 6, the instruction reported) on kvm_pvm.

usage: test_snapshot_linux.py VIGIL VMLINUX INITRAMFS
"""
import os
import re
import signal
import sys
import tempfile

import linuxrun
from vigiltest import (EXIT_POWEROFF, EXIT_VCPU_FATAL, Tap,
                       linux_cmdline_quirks, read_text as read, require_kvm,
                       run)

vigil, vmlinux, initramfs = sys.argv[1:4]
require_kvm()
tap = Tap()
software = "software hypervisor" in run([vigil, "--check-host"]).stdout

# Without the quirks (noxsave in a nested host with XSAVE), init dies on
# its first signal return there and the guest resets: that, not the
# snapshot, was this test's failure in the nested host.
CMDLINE = ("console=ttyS0 earlyprintk=serial,ttyS0 vigil.test=poweroff "
           "panic=-1 " + linux_cmdline_quirks()).strip()
SNAP_AT = "Zone ranges:"
LATER = ["Booting paravirtualized kernel on KVM", "Kernel command line:",
         "Memory: "]
STAMP = re.compile(r"^\[\s*(\d+\.\d+)\] (.*)$", re.M)


with tempfile.TemporaryDirectory() as tmp:
    out0, out1 = os.path.join(tmp, "before.txt"), os.path.join(tmp, "after")
    sock, snap = os.path.join(tmp, "api.sock"), os.path.join(tmp, "snap")
    vm = linuxrun.start([vigil, "--kernel", vmlinux, "--initrd", initramfs,
                         "--memory", "256M", "--cmdline", CMDLINE],
                        out0, sock)
    reached = linuxrun.wait_for(lambda: SNAP_AT in read(out0), 300)
    tap.ok(reached, f"the kernel boots to '{SNAP_AT}'", read(out0)[-300:])
    r = run([vigil, "ctl", sock, "snapshot", snap, "--paused"], timeout=120)
    tap.ok(r.returncode == 0, "snapshot of the booting kernel", r.summary())
    vm.send_signal(signal.SIGKILL)
    vm.communicate()
    before = read(out0)

    r = run([vigil, "--restore", snap, "--serial", f"file:{out1}"],
            timeout=600)
    after = read(out1)
    joined = before + after
    tap.diag(f"restored run took {r.elapsed:.1f} s, status {r.returncode}")
    tap.ok(after and not r.timed_out, "the restored kernel runs on",
           r.summary())

    lines = STAMP.findall(joined)
    texts = [t for _, t in lines]
    where = [[i for i, t in enumerate(texts) if needle in t]
             for needle in [SNAP_AT] + LATER]
    tap.ok(all(len(w) == 1 for w in where) and
           [w[0] for w in where] == sorted(w[0] for w in where),
           "the boot carries on: each later boot line once, in order",
           f"{where} {after[-300:]}")
    stamps = [float(s) for s, _ in lines]
    back = [(a, b) for a, b in zip(stamps, stamps[1:]) if b < a]
    tap.ok(not back and stamps,
           "printk timestamps (kvmclock) never go back across the restore",
           f"{back[:3]}")
    if software:
        tap.ok(r.returncode == EXIT_VCPU_FATAL and
               "instruction bytes at rip:" in r.stderr,
               "the same end as an uninterrupted boot here: the emulator's "
               "limit, status 6", r.summary())
    else:
        tap.ok(r.returncode == EXIT_POWEROFF and "vigil-linux: init" in after,
               "the same end as an uninterrupted boot: initramfs, power-off",
               r.summary())

sys.exit(tap.done())
