#!/usr/bin/env python3
"""vigil's virtio-blk drives, driven by the test guest, each scenario on
vigil and on QEMU microvm (the reference that tells vigil's failures from
the guest's):

- a pattern written and read back (blk_rw, blk_irq), and the raw image
  afterwards equal, byte for byte, to what the guest wrote and nothing else;
- an image the host prepared reads back in the guest (blk_verify);
- data written and flushed survives SIGKILL right after the flush
  (blk_flush_hold);
- null-co read-zeroes=on reads zeroes over a buffer the guest filled,
  read-zeroes=off leaves it untouched (blk_zeroes);
- a read-only drive offers VIRTIO_BLK_F_RO, fails a write with IOERR and
  leaves the image unchanged (blk_ro);
- two drives at once, each with its own data and interrupt (blk_multi),
  and blk_rw on the second;
- I/O after the guest resets the device, also with requests in flight
  (blk_reset);
then, on vigil only: ACPICA's acpiexec evaluates each drive's window and
interrupt in the DSDT that `vigil --dump-acpi DIR --drive ...` writes, and
bad --drive options get one clear error line and exit status 2.

usage: test_blk.py VIGIL GUEST_BIN LAYOUT_H
"""
import os
import shutil
import signal
import sys
import tempfile
import time

import test_acpi_tools as acpi_tools
from guestrun import (MODERN, QEMU, blk_fill, guest_verdict, host_pattern,
                      qemu_cmd, run_until, vigil_cmd)
from vigiltest import EXIT_ERROR, Tap, kvm_unavailable_reason, run

vigil, guest_bin, layout_h = sys.argv[1], sys.argv[2], sys.argv[3]
tap = Tap()
TIMEOUT = 60
MiB = 1 << 20
SECTOR = 512
FLUSH_MARKER = "# blk_flush_hold: flushed"
HOST_SEED = 0x5eed0000


class Raw:
    def __init__(self, path, readonly=False):
        self.path, self.readonly = path, readonly


class Null:
    def __init__(self, size, zeroes=True):
        self.size, self.zeroes = size, zeroes


def vigil_drives(drives):
    args = []
    for d in drives:
        if isinstance(d, Raw):
            spec = f"file={d.path}" + (",readonly=on" if d.readonly else "")
        else:
            spec = (f"driver=null-co,size={d.size},"
                    f"read-zeroes={'on' if d.zeroes else 'off'}")
        args += ["--drive", spec]
    return args


def qemu_drives(drives):
    """QEMU numbers the guest's devices in -device order, as vigil does."""
    args = list(MODERN)
    for i, d in enumerate(drives):
        if isinstance(d, Raw):
            args += ["-drive", f"if=none,id=d{i},file={d.path},format=raw" +
                     (",readonly=on" if d.readonly else "")]
        else:
            args += ["-blockdev", f"driver=null-co,node-name=d{i},"
                     f"size={d.size},read-zeroes={'on' if d.zeroes else 'off'}"]
        args += ["-device", f"virtio-blk-device,drive=d{i},serial=vigil{i}"]
    return args


def command(vmm, cmdline, drives):
    if vmm == "vigil":
        return vigil_cmd(vigil, guest_bin, cmdline,
                         extra=vigil_drives(drives) + ["-d", "guest_errors"])
    return qemu_cmd(guest_bin, cmdline, extra=qemu_drives(drives))


def boot(vmm, name, cmdline, drives):
    """Runs the guest; one TAP line for its verdict. True if it passed."""
    r = run(command(vmm, cmdline, drives), timeout=TIMEOUT)
    good, detail = guest_verdict(r)
    if not tap.ok(good, f"{vmm}: {name}", detail):
        tap.diag(r.summary())
    return good


def image(path, size, fill=None):
    with open(path, "wb") as f:
        if fill:
            f.write(fill)
        f.truncate(size)
    return path


def check_image(vmm, name, path, want):
    with open(path, "rb") as f:
        data = f.read()
    bad = next((i for i in range(0, max(len(data), len(want)), SECTOR)
                if data[i:i + SECTOR] != want[i:i + SECTOR]), None)
    tap.ok(bad is None, f"{vmm}: {name}",
           f"first difference in sector {bad // SECTOR}" if bad is not None
           else "")


def expected(size, writes):
    """An image of zeroes with blk_fill(sector, length, seed) written."""
    data = bytearray(size)
    for sector, length, seed in writes:
        data[sector * SECTOR:sector * SECTOR + length] = blk_fill(
            sector, length, seed)
    return bytes(data)


def rw_and_image(vmm, tmp):
    size = 16 * MiB
    disk = image(os.path.join(tmp, "rw.img"), size)
    boot(vmm, "blk_rw and blk_irq on a raw file",
         f"tests=virtio_mmio,blk_probe,blk_rw,blk_irq blk_capacity={size} "
         "blk_serial=vigil0", [Raw(disk)])
    # blk_rw writes seeds 1-3 at the start, middle and end; blk_irq then
    # seed 4 at the start (guest/tests/test_blk.c).
    sectors = size // SECTOR
    want = expected(size, [(0, 4096, 4), (sectors // 2 & ~7, 4096, 2),
                           (sectors - 8, 4096, 3)])
    check_image(vmm, "the raw image holds exactly the guest's writes", disk,
                want)


def host_prepared(vmm, tmp):
    size = 4 * MiB
    data = host_pattern(0, size, HOST_SEED)
    disk = image(os.path.join(tmp, "host.img"), size, data)
    boot(vmm, "an image written on the host reads back (blk_verify)",
         f"tests=blk_verify verify_sectors={size // SECTOR} "
         f"verify_seed={HOST_SEED}", [Raw(disk)])
    # The same at an offset, over a range that is not a whole chunk.
    boot(vmm, "blk_verify at an offset",
         f"tests=blk_verify verify_sector=1001 verify_sectors=333 "
         f"verify_seed={HOST_SEED}", [Raw(disk)])
    return disk, data


def flush_then_kill(vmm, tmp):
    size, sector, length = 4 * MiB, 64, 256 << 10
    disk = image(os.path.join(tmp, "flush.img"), size)
    cmdline = (f"tests=blk_flush_hold hold_sector={sector} "
               f"hold_bytes={length}")
    r, seen = run_until(command(vmm, cmdline, [Raw(disk)]), FLUSH_MARKER,
                        signal.SIGKILL, timeout=TIMEOUT)
    tap.ok(seen is not None and r.returncode == -signal.SIGKILL,
           f"{vmm}: blk_flush_hold flushes, then is killed with SIGKILL",
           f"marker seen {seen}; " + r.summary().replace("\n", " | "))
    check_image(vmm, "the flushed write is in the image after SIGKILL", disk,
                expected(size, [(sector, length, 5)]))


def zeroes(vmm):
    boot(vmm, "null-co read-zeroes=on: reads give zeroes (blk_zeroes)",
         "tests=blk_zeroes,blk_rw,blk_reset blk_zeroes=on blk_data=zeroes "
         f"blk_capacity={MiB}", [Null(MiB, zeroes=True)])
    boot(vmm, "null-co read-zeroes=off: read buffers untouched (blk_zeroes)",
         "tests=blk_zeroes blk_zeroes=off", [Null(MiB, zeroes=False)])


def read_only(vmm, disk, data):
    boot(vmm, "a read-only drive: RO offered, writes fail (blk_ro)",
         f"tests=blk_ro,blk_verify verify_sectors=64 verify_seed={HOST_SEED}",
         [Raw(disk, readonly=True)])
    check_image(vmm, "the read-only image is unchanged", disk, data)


def two_drives(vmm, tmp):
    size = MiB
    a = image(os.path.join(tmp, "a.img"), size)
    b = image(os.path.join(tmp, "b.img"), size)
    boot(vmm, "two drives at once (blk_multi), blk_rw on the second",
         "tests=blk_multi,blk_rw blk_devs=2 blk=1", [Raw(a), Raw(b)])
    # blk_multi: seed 20 + i at sector 8 of device i; blk_rw on device 1.
    check_image(vmm, "the first drive holds only its own data", a,
                expected(size, [(8, 4096, 20)]))
    sectors = size // SECTOR
    check_image(vmm, "the second drive holds only its own data", b,
                expected(size, [(0, 4096, 1), (8, 4096, 21),
                                (sectors // 2 & ~7, 4096, 2),
                                (sectors - 8, 4096, 3)]))


def device_entries_first():
    """vigil's virtio_mmio.device= entries come before the user's command
    line: Linux hands what follows a '--' to init unparsed."""
    r = run(command("vigil", "tests=blk_probe -- init-argument",
                    [Null(MiB)]), timeout=TIMEOUT)
    line = next((x for x in r.stdout.splitlines()
                 if x.startswith("# cmdline: ")), "")
    good, detail = guest_verdict(r)
    tap.ok(good and line.startswith("# cmdline: virtio_mmio.device=4K@0x") and
           line.endswith(" tests=blk_probe -- init-argument"),
           "vigil: the device entries come before a '--' in --cmdline",
           f"{line!r} {detail}")


def reset(vmm, tmp):
    disk = image(os.path.join(tmp, "reset.img"), MiB)
    boot(vmm, "I/O after a device reset, and after one in flight "
         "(blk_reset)", "tests=blk_reset,blk_rw", [Raw(disk)])


def scenarios(vmm):
    with tempfile.TemporaryDirectory(prefix="vigil-blk-") as tmp:
        rw_and_image(vmm, tmp)
        disk, data = host_prepared(vmm, tmp)
        read_only(vmm, disk, data)
        flush_then_kill(vmm, tmp)
        zeroes(vmm)
        two_drives(vmm, tmp)
        reset(vmm, tmp)


def acpiexec_sees_drives(tmp):
    """Each drive's DSDT device, through test_acpi_tools' checks."""
    name = "--dump-acpi with two --drive: acpiexec evaluates VR00 and VR01"
    missing = [t for t in ("acpiexec", "iasl") if not shutil.which(t)]
    if missing:
        tap.skip(name, f"{' and '.join(missing)} not installed")
        return
    d = os.path.join(tmp, "acpi")
    r = run([vigil, "--dump-acpi", d, "--drive",
             f"file={image(os.path.join(tmp, 'acpi.img'), MiB)}",
             "--drive", f"driver=null-co,size={MiB}"], timeout=TIMEOUT)
    if not tap.ok(r.returncode == 0, name, r.summary()):
        return
    # Reuse acpi-tools' checks, reporting through this script's TAP.
    acpi_tools.check = lambda ok, what: tap.ok(ok, f"acpiexec: {what}")
    acpi_tools.diag = tap.diag
    acpi_tools.check_acpiexec(d, acpi_tools.read_layout(layout_h), 2)


def expect_error(name, args, *needles):
    r = run([vigil, "--kernel", guest_bin] + args, timeout=TIMEOUT)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    tap.ok(r.returncode == EXIT_ERROR and not r.timed_out and
           all(n in r.stderr for n in needles) and 1 <= len(lines) <= 2,
           f"bad --drive: {name}", r.summary().replace("\n", " | "))


def read_only_file_for_write(tmp):
    """A file vigil cannot open for writing: on a read-only bind mount
    (root ignores file modes), else a file without write permission."""
    rodir = os.path.join(tmp, "ro")
    os.mkdir(rodir)
    disk = image(os.path.join(rodir, "disk.img"), MiB)
    name = "a read-only file without readonly=on"
    if os.geteuid() != 0:
        os.chmod(disk, 0o444)
        expect_error(name, ["--drive", f"file={disk}"], disk, "denied")
        return
    probe = run(["unshare", "-m", "true"]) if shutil.which("unshare") else None
    if not probe or probe.returncode != 0:
        tap.skip(name, "root, and no private mount namespace (unshare -m) "
                 "for a read-only bind mount")
        return
    script = ('mount --bind -o ro "$1" "$1" && shift && exec "$@"')
    for ro, status, what in (("", EXIT_ERROR, name),
                             (",readonly=on", 1, "the same with readonly=on "
                              "boots")):
        cmd = ["unshare", "-m", "sh", "-c", script, "sh", rodir, vigil,
               "--kernel", guest_bin, "--cmdline", "tests=blk_probe",
               "--drive", f"file={disk}{ro}"]
        r = run(cmd, timeout=TIMEOUT)
        good = r.returncode == status and not r.timed_out
        if status == EXIT_ERROR:
            good = good and disk in r.stderr and "Read-only" in r.stderr
        tap.ok(good, f"bad --drive: {what}", r.summary().replace("\n", " | "))


def bad_options(tmp):
    disk = image(os.path.join(tmp, "ok.img"), MiB)
    expect_error("unknown key", ["--drive", f"file={disk},bogus=1"],
                 "unknown key 'bogus'")
    expect_error("size not a number", ["--drive", "driver=null-co,size=12x"],
                 "size=12x")
    expect_error("size not a multiple of 512",
                 ["--drive", "driver=null-co,size=1000"], "size=1000", "512")
    expect_error("size 0", ["--drive", "driver=null-co,size=0"], "size=0")
    missing = os.path.join(tmp, "no-such.img")
    expect_error("missing file", ["--drive", f"file={missing}"], missing,
                 "No such file")
    read_only_file_for_write(tmp)
    expect_error("nine drives",
                 ["--drive", f"driver=null-co,size={MiB}"] * 9,
                 "at most 8 virtio devices")


def main():
    start = time.monotonic()
    reason = kvm_unavailable_reason()
    if reason:
        tap.skip("the guest's block tests on vigil and QEMU", reason)
    else:
        scenarios("vigil")
        device_entries_first()
        if QEMU:
            scenarios("qemu")
        else:
            tap.skip("qemu: the same scenarios", "no qemu-system-x86_64")
    with tempfile.TemporaryDirectory(prefix="vigil-blk-") as tmp:
        # --dump-acpi builds the tables without KVM.
        acpiexec_sees_drives(tmp)
        if reason:
            tap.skip("bad --drive options", reason)
        else:
            bad_options(tmp)
    tap.diag(f"{time.monotonic() - start:.1f} s")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
