#!/usr/bin/env python3
"""vigil-blkd driven by a real, unmodified Linux: Debian's user-mode-linux
(Linux 6.1 as an ordinary process, no /dev/kvm) with its own virtio_blk
driver on vigil-blkd's vhost-user socket.

The UML kernel comes from Debian's user-mode-linux package, fetched with
apt-get download by guest/linux/fetch-artefacts.sh (the test skips, saying
why, when it cannot be fetched). UML's root file system is the host's own,
read-only, through hostfs, so the host's mkfs.ext4, e2fsck, fio and
sha256sum run inside it; tests/functional/uml/init.sh is its init, one
stage per boot:

  write     a raw file: capacity, mkfs.ext4, files copied from the host and
            8 MiB of random data, sync, umount, e2fsck -fn clean
  verify    the same vigil-blkd, UML restarted (a reconnecting front-end):
            e2fsck clean, every checksum unchanged
  readonly  a new vigil-blkd with readonly=on: Linux sees a read-only disk
            (VIRTIO_BLK_F_RO) and refuses a direct write, the file system
            mounts read-only, the checksums hold, the file is unchanged
  verify    a new vigil-blkd (restarted) read-write: checksums again, then
            fio --verify=crc32c random writes at queue depth 32
  zeroes    two null-co drives: read-zeroes=on reads zeros into a buffer
            full of 0xa5; read-zeroes=off leaves it untouched (so the check
            can tell)

Every vigil-blkd runs with -d guest_errors; Linux must cause none.

usage: test_blkd_uml.py VIGIL_BLKD UML_LAUNCH UML_TOOL FETCH_SCRIPT
                        ARTEFACT_DIR INIT_SH
"""
import hashlib
import os
import shutil
import signal
import sys
import tempfile
import time

from umlrun import Uml, Unavailable, fetch_uml, memory_dir, vigil_blkd
from vigiltest import Tap, skip_all

(VIGIL_BLKD, UML_LAUNCH, UML_TOOL, FETCH, ARTEFACT_DIR,
 INIT_SH) = [os.path.abspath(a) for a in sys.argv[1:7]]

# ext4 of 256 MiB or more: e2fsck inside this UML wrongly reports the
# 128 MiB layout broken whatever the disk (UML's own ubd too).
RAW_SIZE = 256 << 20
HOST_FILES = ["/usr/bin/fio", "/usr/bin/sha256sum", "/usr/sbin/mkfs.ext4"]


def check(cond, name, detail=""):
    """One TAP line; on failure the (multi-line) detail as diagnostics."""
    tap.ok(cond, name)
    if not cond and detail:
        tap.diag(detail)
    return cond


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def guest_errors(daemon):
    try:
        with open(daemon.log) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def check_write(b, host_sums):
    check(b.value("disk") == f"vda {RAW_SIZE // 512}",
          "write: Linux sees the drive's capacity", b.detail())
    check(b.value("mkfs") == "0" and b.value("mount") == "0",
          "write: mkfs.ext4 and mount on vigil-blkd", b.detail())
    sums = b.sums()
    check(all(sums.get(os.path.basename(p)) == s
              for p, s in host_sums.items()) and "random.bin" in sums,
          "write: files copied in have the host's checksums", b.detail())
    check(b.value("umount") == "0" and b.value("fsck") == "0",
          "write: unmounted, e2fsck -fn finds it clean", b.detail())
    return sums


def check_verify(b, name, sums):
    check(b.value("fsck") == "0" and b.value("mount") == "0" and
          bool(sums) and b.sums() == sums,
          f"{name}: e2fsck clean, every file's checksum unchanged",
          b.detail())


def check_readonly(b, sums):
    check(b.value("ro") == "1", "readonly: Linux sees a read-only disk",
          b.detail())
    check(b.value("ddwrite") not in (None, "0"),
          "readonly: a direct write to the disk fails", b.detail())
    check(b.value("mount") == "0" and
          "ro" in (b.value("mount_opts") or "").split(",") and
          b.value("write_file") == "refused",
          "readonly: ext4 mounts read-only, file writes are refused",
          b.detail())
    check(bool(sums) and b.sums() == sums,
          "readonly: every file's checksum holds", b.detail())


def check_fio(b):
    fields = (b.value("fio_minimal") or "").split(";")
    ok = (b.value("fio") == "0" and len(fields) > 50 and fields[4] == "0"
          and int(fields[5]) > 0 and int(fields[46]) > 0)
    check(ok, "fio: --verify=crc32c random writes at QD32 pass",
          b.detail())
    if ok:
        tap.diag(f"fio: wrote {fields[46]} KiB at {fields[48]} IOPS, "
                 f"verified {fields[5]} KiB")


def check_zeroes(b):
    reads = [v.split() for v in b.values("read")]
    on = [r[2] for r in reads if r[0] == "vda"]
    off = [r[2] for r in reads if r[0] == "vdb"]
    check(b.values("disk") == ["vda 131072", "vdb 65536"],
          "zeroes: Linux sees both null-co drives", b.detail())
    check(on == ["zero", "zero"],
          "zeroes: read-zeroes=on reads zeros over a dirty buffer",
          b.detail())
    check(off == ["untouched", "untouched"],
          "zeroes: read-zeroes=off leaves the buffer (the check can fail)",
          b.detail())


def run_all(kernel, ko, workdir):
    uml = Uml(UML_LAUNCH, kernel, ko, UML_TOOL, INIT_SH, memory_dir(workdir))

    def boot(stage, daemons, **params):
        b = uml.boot(stage, [d.sock for d in daemons], **params)
        tap.diag(f"boot '{stage}': status {b.status}"
                 f"{', timed out' if b.timed_out else ''}")
        return b

    raw = os.path.join(workdir, "disk.raw")
    with open(raw, "wb") as f:
        f.truncate(RAW_SIZE)
    host_sums = {p: sha256_file(p) for p in HOST_FILES}
    files = ":".join(HOST_FILES)
    daemons = []

    def daemon(name, drive):
        d = vigil_blkd(VIGIL_BLKD, workdir, name, drive)
        daemons.append(d)
        check(d.ready, f"vigil-blkd {name} serves {drive}", d.stderr())
        return d

    d1 = daemon("rw1", f"file={raw}")
    sums = check_write(boot("write", [d1], files=files), host_sums)
    check_verify(boot("verify", [d1]), "reconnect", sums)
    d1.stop()

    before = sha256_file(raw)
    d2 = daemon("ro", f"file={raw},readonly=on")
    check_readonly(boot("readonly", [d2]), sums)
    d2.stop()
    check(sha256_file(raw) == before, "readonly: the raw file is unchanged")

    d3 = daemon("rw2", f"file={raw}")
    b = boot("verify", [d3], fio=1)
    check_verify(b, "restart", sums)
    check_fio(b)
    d3.stop()

    z_on = daemon("zeroes-on", "driver=null-co,size=64M")
    z_off = daemon("zeroes-off", "driver=null-co,size=32M,read-zeroes=off")
    check_zeroes(boot("zeroes", [z_on, z_off]))

    statuses = [d.stop() for d in daemons]
    check(all(s == -signal.SIGTERM for s in statuses),
          "every vigil-blkd ran until SIGTERM ended it",
          f"statuses {statuses}")
    noisy = {os.path.basename(d.sock): guest_errors(d) for d in daemons
             if guest_errors(d)}
    check(not noisy, "Linux caused no guest error in vigil-blkd",
          str(noisy)[-2000:])


try:
    kernel, ko = fetch_uml(FETCH, ARTEFACT_DIR)
except Unavailable as e:
    skip_all(str(e))
tap = Tap()
workdir = tempfile.mkdtemp(prefix="vigil-blkd-uml-")
start = time.monotonic()
try:
    run_all(kernel, ko, workdir)
finally:
    shutil.rmtree(workdir, ignore_errors=True)
tap.diag(f"UML tests took {time.monotonic() - start:.1f} s")
sys.exit(tap.done())
