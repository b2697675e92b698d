#!/usr/bin/env python3
"""vigil-blkd behind QEMU's vhost-user-blk front-end: vigil's test guest on
QEMU microvm, its guest RAM a shared memfd, its virtio-blk device served by
vigil-blkd over vhost-user (-chardev socket -device vhost-user-blk), with
the guest's own virtio-blk tests (guest/README.md):

  raw file     blk_probe (capacity, serial), blk_verify (a pattern the host
               wrote), blk_rw and blk_irq (their writes checked on the host
               afterwards)
  read-only    blk_ro: VIRTIO_BLK_F_RO offered, a write fails with IOERR
               and does not reach the file
  null-co      blk_zeroes with read-zeroes=on and =off; with =on also
               blk_reset (I/O across device resets, which QEMU turns into
               stopping and restarting the rings)

Skipped without /dev/kvm or qemu-system-x86_64.

usage: test_blkd_qemu.py VIGIL_BLKD GUEST_BIN
"""
import os
import shutil
import signal
import sys
import tempfile

from guestrun import MODERN, QEMU, blk_fill, guest_verdict, host_pattern
from guestrun import qemu_cmd
from umlrun import vigil_blkd
from vigiltest import Tap, kvm_unavailable_reason, run, skip_all

VIGIL_BLKD, GUEST_BIN = [os.path.abspath(a) for a in sys.argv[1:3]]
RAW_SIZE = 16 << 20
SECTORS = RAW_SIZE // 512
VERIFY_SECTOR, VERIFY_SECTORS, VERIFY_SEED = 1024, 2048, 7
tap = Tap()


def check(cond, name, detail=""):
    tap.ok(cond, name)
    if not cond and detail:
        tap.diag(detail)
    return cond


def boot(daemon, cmdline):
    """The test guest on QEMU microvm with daemon's device."""
    extra = MODERN + [
        "-object", "memory-backend-memfd,id=mem,size=256M,share=on",
        "-chardev", f"socket,id=c0,path={daemon.sock}",
        "-device", "vhost-user-blk,chardev=c0,num-queues=1"]
    return run(qemu_cmd(GUEST_BIN, cmdline,
                        machine="microvm,memory-backend=mem", extra=extra),
               timeout=120)


def guest_ok(r, name):
    good, detail = guest_verdict(r)
    check(good, name, detail)


def test_raw(workdir):
    raw = os.path.join(workdir, "disk.raw")
    with open(raw, "wb") as f:
        f.truncate(RAW_SIZE)
        f.seek(VERIFY_SECTOR * 512)
        f.write(host_pattern(VERIFY_SECTOR * 512, VERIFY_SECTORS * 512,
                             VERIFY_SEED))
    d = vigil_blkd(VIGIL_BLKD, workdir, "raw", f"file={raw}")
    check(d.ready, "vigil-blkd serves a raw file", d.stderr())
    guest_ok(boot(d, "tests=virtio_mmio,blk_probe,blk_verify,blk_rw,blk_irq "
                     f"blk_capacity={RAW_SIZE} blk_serial=vigil-blkd "
                     f"verify_sector={VERIFY_SECTOR} "
                     f"verify_sectors={VERIFY_SECTORS} "
                     f"verify_seed={VERIFY_SEED}"),
             "qemu: probe, host pattern, reads and writes, interrupts")
    d.stop()
    data = open(raw, "rb").read()
    # blk_rw writes seeds 1-3 at start, middle and end; blk_irq seed 4 at 0.
    where = {0: 4, SECTORS // 2 & ~7: 2, SECTORS - 8: 3}
    bad = [s for s, seed in where.items()
           if data[s * 512:s * 512 + 4096] != blk_fill(s, 4096, seed)]
    check(not bad, "qemu: the guest's writes reached the raw file",
          f"sectors {bad} differ")
    return raw


def test_readonly(workdir, raw):
    before = open(raw, "rb").read()
    d = vigil_blkd(VIGIL_BLKD, workdir, "ro", f"file={raw},readonly=on")
    guest_ok(boot(d, "tests=blk_probe,blk_ro"),
             "qemu: read-only drive, writes fail with IOERR")
    d.stop()
    check(open(raw, "rb").read() == before,
          "qemu: the read-only drive's file is unchanged")


def test_null(workdir):
    for zeroes in ("on", "off"):
        d = vigil_blkd(VIGIL_BLKD, workdir, f"null-{zeroes}",
                       f"driver=null-co,size=1M,read-zeroes={zeroes}")
        # blk_reset reads back what it wrote: with null-co, zeroes.
        tests = ("blk_probe,blk_zeroes,blk_reset blk_data=zeroes"
                 if zeroes == "on" else "blk_probe,blk_zeroes")
        guest_ok(boot(d, f"tests={tests} blk_zeroes={zeroes} "
                         f"blk_capacity={1 << 20}"),
                 f"qemu: null-co read-zeroes={zeroes}" +
                 (", device resets" if zeroes == "on" else ""))
        check(d.stop() == -signal.SIGTERM,
              f"qemu: vigil-blkd (read-zeroes={zeroes}) still running")


reason = kvm_unavailable_reason()
if not QEMU:
    reason = "no qemu-system-x86_64"
if reason:
    skip_all(reason)
workdir = tempfile.mkdtemp(prefix="vigil-blkd-qemu-")
try:
    raw = test_raw(workdir)
    test_readonly(workdir, raw)
    test_null(workdir)
finally:
    shutil.rmtree(workdir, ignore_errors=True)
sys.exit(tap.done())
