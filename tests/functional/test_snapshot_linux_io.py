#!/usr/bin/env python3
"""Debian's standard kernel, 2 vCPUs, writing to a virtio-blk disk, across
two snapshots: saved while writing (--paused), vigil killed, restored,
saved again from the restored VM, killed, restored again. The guest's
numbered console lines must go on where they stopped (none repeated, none
lost), its writes all land (the guest re-reads and checks every block at
the end, and the host checks the image against the checksums the guest
printed), and it must power off with 0.

Meanwhile a reader drains /dev/hwrng from a virtio-rng device limited to
64 bytes a second, so at each snapshot the device most likely holds a
request it has taken from the ring but not yet paid for. The snapshot
gives that request back to the ring; were it lost, Linux's virtio_rng
would wait for it for good and the guest's last read of /dev/hwrng would
return nothing.

Usage: test_snapshot_linux_io.py VIGIL BZIMAGE INITRAMFS
"""
import hashlib
import os
import re
import signal
import sys
import tempfile

import linuxrun
from vigiltest import EXIT_POWEROFF, Tap, read_text as read, require_kvm, run

vigil, kernel, initramfs = sys.argv[1:4]
require_kvm()
tap = Tap()

STEPS = 60
BLOCK = 64 * 1024
# Each step writes 64 KiB of random data at its own offset, syncs, prints
# the block's checksum; then every block is read back and checked.
RNG = "--rng=bytes-per-second=64"
SCRIPT = f"""\
(while [ ! -e /tmp/done ]; do
	dd if=/dev/hwrng bs=16 count=1 2>/dev/null >>/tmp/rng
done) &
i=0
while [ $i -lt {STEPS} ]; do
	dd if=/dev/urandom of=/tmp/b bs={BLOCK} count=1 2>/dev/null
	dd if=/tmp/b of=/dev/vdb bs={BLOCK} seek=$i conv=fsync 2>/dev/null
	sum=$(md5sum </tmp/b)
	echo "${{sum%% *}}" >>/tmp/sums
	echo "step $i ${{sum%% *}}"
	i=$((i + 1))
done
bad=0
i=0
while read -r want; do
	got=$(dd if=/dev/vdb bs={BLOCK} skip=$i count=1 2>/dev/null | md5sum)
	[ "${{got%% *}}" = "$want" ] || bad=$((bad + 1))
	i=$((i + 1))
done </tmp/sums
result verify $bad
touch /tmp/done
result hwrng "$(timeout 60 dd if=/dev/hwrng bs=16 count=4 2>/dev/null | wc -c)"
"""
STEP = re.compile(r"^step (\d+) ([0-9a-f]{32})\r?$", re.M)


def wait_for_step(path, n, timeout):
    """True once the console file shows step n."""
    return linuxrun.wait_for(
        lambda: any(int(s) >= n for s, _ in STEP.findall(read(path))),
        timeout)


def snapshot_and_kill(vm, sock, snap, what):
    r = run([vigil, "ctl", sock, "snapshot", snap, "--paused"], timeout=300)
    tap.ok(r.returncode == 0, f"snapshot {what}", r.summary())
    vm.send_signal(signal.SIGKILL)
    vm.communicate()


with tempfile.TemporaryDirectory() as tmp:
    script = linuxrun.write_script(os.path.join(tmp, "script"), SCRIPT)
    disk = linuxrun.sparse_file(os.path.join(tmp, "disk.img"), 16 << 20)
    outs = [os.path.join(tmp, f"console{i}.txt") for i in range(3)]
    socks = [os.path.join(tmp, f"api{i}.sock") for i in range(2)]
    snaps = [os.path.join(tmp, f"snap{i}") for i in range(2)]

    boot = linuxrun.vigil_cmd(vigil, kernel, initramfs, script, cpus=2,
                              memory="512M", drives=[f"file={disk}"]) + [RNG]
    vm = linuxrun.start(boot, outs[0], socks[0])
    tap.ok(wait_for_step(outs[0], 10, linuxrun.LINUX_TIMEOUT),
           "the guest boots and writes (step 10)", read(outs[0])[-500:])
    snapshot_and_kill(vm, socks[0], snaps[0], "while the guest writes")

    restore = [linuxrun.restore_cmd(vigil, s, script, [f"file={disk}"]) +
               [RNG] for s in snaps]
    vm = linuxrun.start(restore[0], outs[1], socks[1])
    tap.ok(wait_for_step(outs[1], 30, linuxrun.LINUX_TIMEOUT),
           "the restored guest writes on (step 30)", read(outs[1])[-500:])
    snapshot_and_kill(vm, socks[1], snaps[1], "of the restored VM")

    r = run(restore[1] + ["--serial", f"file:{outs[2]}"],
            timeout=linuxrun.LINUX_TIMEOUT)
    tap.ok(r.returncode == EXIT_POWEROFF,
           "restored again, the guest finishes and powers off with 0",
           r.summary() + read(outs[2])[-500:])

    joined = "".join(read(o) for o in outs)
    steps = STEP.findall(joined)
    numbers = [int(s) for s, _ in steps]
    tap.ok(numbers == list(range(STEPS)),
           f"console: steps 0..{STEPS - 1} once each, in order, across both"
           " restores", f"{numbers}")
    tap.ok(linuxrun.results(joined).get("verify") == "0",
           "the guest reads back every block it wrote",
           f"{linuxrun.results(joined)}")
    tap.ok(linuxrun.results(joined).get("hwrng") == "64",
           "after two restores /dev/hwrng still gives bytes: no request of "
           "the entropy device was lost", f"{linuxrun.results(joined)}")
    with open(disk, "rb") as f:
        image = f.read()
    bad = [int(s) for s, want in steps
           if hashlib.md5(image[int(s) * BLOCK:(int(s) + 1) * BLOCK])
           .hexdigest() != want]
    tap.ok(steps and not bad, "the disk image holds every block the guest"
           " wrote", f"bad blocks {bad[:5]}")

sys.exit(tap.done())
