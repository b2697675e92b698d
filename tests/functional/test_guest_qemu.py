#!/usr/bin/env python3
"""The test guest on QEMU's microvm: the reference that tells a failure of
vigil's from one of the guest's.

Checks the image formats first (the bzImage setup header, the ELF's PVH
note), then boots the guest's platform tests on QEMU microvm with KVM, with
1 and 2 vCPUs, through qboot's real-mode bzImage entry and through PVH, and
with virtio-mmio devices found by ACPI and on the command line; then its
virtio-blk driver against a raw file (whose contents are checked from the
host afterwards) and against null-co devices, with a short benchmark; then
its virtio-rng driver against virtio-rng-device, alone and behind a
virtio-blk device (found by device ID, not position). The
QEMU runs are skipped when /dev/kvm or qemu-system-x86_64 is missing.

usage: test_guest_qemu.py GUEST_BIN GUEST_ELF
"""
import os
import struct
import sys
import tempfile

from guestrun import (MODERN, QEMU, blk_fill, guest_verdict, qemu_cmd)
from vigiltest import Tap, kvm_unavailable_reason, run

guest_bin, guest_elf = sys.argv[1], sys.argv[2]
tap = Tap()


def null_blk(index, size):
    node = f"n{index}"
    return ["-blockdev",
            f"driver=null-co,node-name={node},size={size},read-zeroes=on",
            "-device", f"virtio-blk-device,drive={node}"]


def raw_blk(path, serial):
    return ["-drive", f"if=none,id=d0,file={path},format=raw",
            "-device", f"virtio-blk-device,drive=d0,serial={serial}"]


def check_disk(path, sectors):
    """blk_rw writes seeds 1-3 at start/middle/end, blk_irq seed 4 at 0."""
    data = open(path, "rb").read()
    where = {0: 4, sectors // 2 & ~7: 2, sectors - 8: 3}
    bad = [s for s, seed in where.items()
           if data[s * 512:s * 512 + 4096] != blk_fill(s, 4096, seed)]
    tap.ok(not bad, "qemu: the guest's writes reached the raw file",
           f"sectors {bad} differ")


def check_setup_header():
    data = open(guest_bin, "rb").read()
    setup_sects = data[0x1f1]
    setup_size = (setup_sects + 1) * 512
    syssize, = struct.unpack_from("<I", data, 0x1f4)
    version, = struct.unpack_from("<H", data, 0x206)
    loadflags = data[0x211]
    code32_start, = struct.unpack_from("<I", data, 0x214)
    xloadflags, = struct.unpack_from("<H", data, 0x236)
    cmdline_size, = struct.unpack_from("<I", data, 0x238)
    init_size, = struct.unpack_from("<I", data, 0x260)
    tap.ok(data[0x202:0x206] == b"HdrS" and data[0x1fe:0x200] == b"\x55\xaa",
           "bzImage: HdrS and boot flag")
    tap.ok(version >= 0x020c, "bzImage: protocol >= 2.12",
           f"version {version:#x}")
    tap.ok(setup_sects >= 1 and syssize * 16 == len(data) - setup_size,
           "bzImage: setup_sects and syssize describe the file",
           f"setup_sects {setup_sects} syssize {syssize} size {len(data)}")
    tap.ok(loadflags & 1 and xloadflags & 1 and code32_start == 0x100000,
           "bzImage: loaded high, 64-bit entry, code32_start 1 MiB",
           f"loadflags {loadflags:#x} xloadflags {xloadflags:#x} "
           f"code32_start {code32_start:#x}")
    tap.ok(cmdline_size >= 255 and init_size >= syssize * 16,
           "bzImage: cmdline_size and init_size",
           f"cmdline_size {cmdline_size} init_size {init_size}")


def pvh_entry(elf):
    """The XEN_ELFNOTE_PHYS32_ENTRY address from a PT_NOTE, or None."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        return None
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    for i in range(phnum):
        p_type, _, offset, _, _, filesz = struct.unpack_from(
            "<IIQQQQ", elf, phoff + i * phentsize)
        pos, end = offset, offset + filesz
        while p_type == 4 and pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, pos)
            name = elf[pos + 12:pos + 12 + namesz]
            desc = pos + 12 + (namesz + 3) // 4 * 4
            if name == b"Xen\0" and ntype == 18 and descsz in (4, 8):
                return int.from_bytes(elf[desc:desc + descsz], "little")
            pos = desc + (descsz + 3) // 4 * 4
    return None


def check_pvh_note():
    entry = pvh_entry(open(guest_elf, "rb").read())
    tap.ok(entry is not None and 0x100000 <= entry < 0x200000,
           "ELF: PVH note (XEN_ELFNOTE_PHYS32_ENTRY) in the image",
           f"entry {entry}")


def boot(name, machine, kernel, cmdline, smp=1, extra=(), expect_pass=True,
         want_tests=None):
    r = run(qemu_cmd(kernel, cmdline, smp, machine, extra), timeout=120)
    good, detail = guest_verdict(r, expect_pass, want_tests)
    tap.ok(good, name, detail)
    if not good:
        tap.diag(r.summary())
    return r


check_setup_header()
check_pvh_note()

skip_reason = kvm_unavailable_reason()
if not QEMU:
    skip_reason = "no qemu-system-x86_64"
RUNS = ["qemu: bzImage, 1 vCPU", "qemu: bzImage, 2 vCPUs",
        "qemu: PVH ELF, 2 vCPUs", "qemu: DSDT virtio-mmio devices",
        "qemu: virtio_mmio.device= without ACPI", "qemu: failure is reported",
        "qemu: virtio-blk on a raw file",
        "qemu: the guest's writes reached the raw file",
        "qemu: virtio-blk on null-co, and blk_bench",
        "qemu: virtio-blk from virtio_mmio.device=",
        "qemu: virtio-rng", "qemu: virtio-rng behind a virtio-blk device"]
if skip_reason:
    for run_name in RUNS:
        tap.skip(run_name, skip_reason)
    sys.exit(tap.done())

boot(RUNS[0], "microvm", guest_bin, "cpus=1", smp=1)
boot(RUNS[1], "microvm", guest_bin, "cpus=2", smp=2)
boot(RUNS[2], "microvm", guest_elf, "cpus=2", smp=2)
boot(RUNS[3], "microvm", guest_bin, "tests=dsdt mmio_devs=2",
     extra=MODERN + null_blk(0, 64 << 20) + null_blk(1, 1 << 20))
# Without ACPI, microvm names its (legacy) devices on the command line.
boot(RUNS[4], "microvm,acpi=off", guest_bin, "tests=dsdt mmio_devs=1",
     extra=null_blk(0, 1 << 20))
boot(RUNS[5], "microvm", guest_bin, "tests=acpi,no_such_test",
     expect_pass=False, want_tests=["acpi", "no_such_test"])

BLK_TESTS = "virtio_mmio,blk_probe,blk_rw,blk_irq"
with tempfile.TemporaryDirectory() as tmp:
    disk = os.path.join(tmp, "disk.raw")
    with open(disk, "wb") as f:
        f.truncate(16 << 20)
    boot(RUNS[6], "microvm", guest_bin,
         f"tests={BLK_TESTS} blk_capacity=16M blk_serial=vigil0",
         smp=2, extra=MODERN + raw_blk(disk, "vigil0"))
    check_disk(disk, (16 << 20) // 512)
# The second device: 1 MiB of read-zeroes null-co (writes vanish).
r = boot(RUNS[8], "microvm", guest_bin,
         f"tests={BLK_TESTS},blk_bench blk=1 blk_capacity=1M "
         "blk_data=zeroes bench_ms=200",
         extra=MODERN + null_blk(0, 64 << 20) + null_blk(1, 1 << 20))
tap.diag("\n".join(l for l in r.stdout.splitlines() if "IOPS" in l or
                   "MB/s" in l))
boot(RUNS[9], "microvm,acpi=off", guest_bin,
     "tests=dsdt,blk_probe,blk_rw mmio_devs=1 blk_capacity=1M "
     "blk_data=zeroes", extra=MODERN + null_blk(0, 1 << 20))
# QEMU's entropy device (rng-builtin backend). No rng_max=: how much QEMU
# answers a request with is its own affair; only the spec is checked.
RNG = ["-device", "virtio-rng-device"]
boot(RUNS[10], "microvm", guest_bin,
     "tests=virtio_mmio,rng_probe,rng_read,rng_irq", extra=MODERN + RNG)
boot(RUNS[11], "microvm", guest_bin,
     "tests=dsdt,blk_probe,rng_probe,rng_read,rng_irq mmio_devs=2",
     extra=MODERN + null_blk(0, 1 << 20) + RNG)
sys.exit(tap.done())
