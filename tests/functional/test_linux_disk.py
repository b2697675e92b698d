#!/usr/bin/env python3
"""Linux's own drivers on vigil's disks: Debian's standard kernel finds
every virtio-mmio device through vigil's DSDT (LNRO0005), drives it with
virtio_blk, and does real work on it with Debian's own tools (the disk
initramfs, guest/linux/fetch-artefacts.sh).

First boot (2 vCPUs, 8 drives, vigil's maximum): each drive is found with
its size; ext4 is made, written, read back after dropping the caches and
checked; fio --verify runs over a raw file at queue depth 1 and 32; a
readonly=on drive reads right and refuses writes; null-co with
read-zeroes=on reads zeros and swallows writes. On the host: e2fsck -fn
finds the file system clean, debugfs reads every file back with the
guest's checksum, and the read-only file is unchanged. Second boot (1 vCPU):
the files are intact, one more is written; the disk is still clean. A
ninth drive is refused.

usage: test_linux_disk.py VIGIL STD_BZIMAGE STD_DISK_INITRAMFS
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

from linuxrun import (block_sizes, boot, results, sparse_file, vigil_cmd,
                      write_script)
from vigiltest import EXIT_ERROR, EXIT_POWEROFF, Tap, require_kvm, run

vigil, kernel, initramfs = sys.argv[1:4]
require_kvm()
tap = Tap()

MIB = 1 << 20
FIO_SIZE = "16M"
ZERO_READ_MIB = 16
NULL_SIZE = 1 << 30
# vdd: read-only; vdg: a raw file of an odd size (vdh, null-co, is larger
# than 2^32 bytes).
RO_SIZE = MIB
ODD_SIZE = 5 * MIB + 4096

E2FSCK = shutil.which("e2fsck") or shutil.which("/usr/sbin/e2fsck")
DEBUGFS = shutil.which("debugfs") or shutil.which("/usr/sbin/debugfs")

FIRST = f"""\
# Every disk: a platform device from the DSDT, bound to virtio_blk.
n=0
for d in /sys/block/vd*; do
    case $(readlink -f "$d") in
    */LNRO0005:*/virtio*/block/vd*) ;;
    *) continue ;;
    esac
    drv=$(readlink -f "$d/device/driver")
    [ "${{drv##*/}}" = virtio_blk ] && n=$((n + 1))
done
result acpi-virtio-blk "$n"

# ext4, made here, written, read back from the disk and checked.
check mkfs mkfs.ext4 -q -F /dev/vdb
mkdir -p /mnt
check mount mount -t ext4 /dev/vdb /mnt
mkdir -p /mnt/d/e
i=0
for size in 0 1 4095 4096 65537 1048576 3000001; do
    head -c "$size" /dev/urandom >/mnt/d/f$i
    i=$((i + 1))
done
for i in $(seq 0 19); do
    head -c $((i * 7919)) /dev/urandom >/mnt/d/e/g$i
done
(cd /mnt && find . -type f | sort | xargs sha256sum) >/tmp/sums
cp /tmp/sums /mnt/SHA256SUMS
sync
echo 3 >/proc/sys/vm/drop_caches
check verify sh -c 'cd /mnt && sha256sum -c -s SHA256SUMS'
check umount umount /mnt
while read -r sum path; do
    result "sum:${{path#./}}" "$sum"
done </tmp/sums

# fio over the raw file, writes verified by reading back (crc32c).
for qd in 1 32; do
    fio --name=verify-qd$qd --filename=/dev/vdc --ioengine=libaio \\
        --direct=1 --rw=randwrite --bs=4k --size={FIO_SIZE} \\
        --iodepth=$qd --verify=crc32c --do_verify=1 --verify_fatal=1 \\
        --verify_state_save=0 --eta=never --output=/tmp/fio$qd.txt
    result fio-qd$qd "$? $(grep -c 'err= 0' /tmp/fio$qd.txt)"
    grep -E 'IOPS=|err=' /tmp/fio$qd.txt
done

# readonly=on: read-only in Linux, reads right, writes refused.
result ro-flag "$(cat /sys/block/vdd/ro)"
result ro-sum "$(sha256sum </dev/vdd | cut -d' ' -f1)"
dd if=/dev/zero of=/dev/vdd bs=4096 count=1 oflag=direct conv=fsync 2>&1
result ro-dd "$?"
mkfs.ext4 -q -F /dev/vdd 2>&1
result ro-mkfs "$?"

# null-co, read-zeroes=on: zeros at both ends; writes succeed and vanish.
result zero-head "$(dd if=/dev/vde bs=1M count={ZERO_READ_MIB} iflag=direct \\
    2>/dev/null | sha256sum | cut -d' ' -f1)"
result zero-tail "$(dd if=/dev/vde bs=1M skip={NULL_SIZE // MIB - ZERO_READ_MIB} \\
    count={ZERO_READ_MIB} iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
dd if=/dev/urandom of=/dev/vde bs=4096 count=1 oflag=direct 2>/dev/null
result null-write "$?"
result null-reread "$(dd if=/dev/vde bs=4096 count=1 iflag=direct \\
    2>/dev/null | sha256sum | cut -d' ' -f1)"
"""

SECOND = """\
mkdir -p /mnt
check mount mount -t ext4 /dev/vdb /mnt
check verify sh -c 'cd /mnt && sha256sum -c -s SHA256SUMS'
result files "$(wc -l </mnt/SHA256SUMS)"
head -c 100000 /dev/urandom >/mnt/second
result "sum:second" "$(sha256sum </mnt/second | cut -d' ' -f1)"
check umount umount /mnt
"""


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def check_host_fs(img, res, when):
    """e2fsck -fn on the host, and each file the guest summed read back
    with debugfs against the guest's checksum."""
    if not E2FSCK or not DEBUGFS:
        tap.skip(f"{when}: the file system is clean on the host",
                 "no e2fsck/debugfs (scripts/install-deps.sh --test)")
        tap.skip(f"{when}: the host reads every file back", "no debugfs")
        return
    r = run([E2FSCK, "-fn", img], timeout=120)
    tap.ok(r.returncode == 0, f"{when}: e2fsck -fn on the host: clean",
           r.summary())
    sums = {k[4:]: v for k, v in res.items() if k.startswith("sum:")}
    bad = [path for path, want in sums.items()
           if sha256(debugfs_cat(img, path)) != want]
    tap.ok(sums and not bad,
           f"{when}: the host reads all {len(sums)} files back with the"
           " guest's checksums", f"differ: {bad[:5]}")


def debugfs_cat(img, path):
    """The bytes of /path in the ext4 image, read by debugfs."""
    p = subprocess.run([DEBUGFS, "-R", f"cat /{path}", img],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       timeout=120, check=False)
    return p.stdout if p.returncode == 0 else b"(debugfs failed)"


with tempfile.TemporaryDirectory() as tmp:
    ext4 = sparse_file(os.path.join(tmp, "ext4.img"), 64 * MIB)
    fio = sparse_file(os.path.join(tmp, "fio.img"), 64 * MIB)
    ro = os.path.join(tmp, "ro.img")
    ro_data = os.urandom(RO_SIZE)
    with open(ro, "wb") as f:
        f.write(ro_data)
    odd = sparse_file(os.path.join(tmp, "odd.img"), ODD_SIZE)
    drives = [f"file={ext4}", f"file={fio}", f"file={ro},readonly=on",
              f"driver=null-co,size={NULL_SIZE},read-zeroes=on",
              "driver=null-co,size=3M", f"file={odd}",
              "driver=null-co,size=4G"]
    script = write_script(os.path.join(tmp, "first.sh"), FIRST)
    want_sizes = {"vda": os.path.getsize(script) // 512,
                  "vdb": 64 * MIB // 512, "vdc": 64 * MIB // 512,
                  "vdd": RO_SIZE // 512, "vde": NULL_SIZE // 512,
                  "vdf": 3 * MIB // 512, "vdg": ODD_SIZE // 512,
                  "vdh": (4 << 30) // 512}

    r = boot(vigil_cmd(vigil, kernel, initramfs, script, cpus=2,
                       drives=drives))
    res = results(r.stdout)
    tap.diag(f"first boot: {r.elapsed:.1f} s, status {r.returncode}")
    tap.diag("\n".join(l for l in r.stdout.splitlines()
                       if "IOPS=" in l or "err=" in l))
    tap.ok(r.returncode == EXIT_POWEROFF and not r.timed_out and
           "vigil-linux: script status 0" in r.stdout,
           "first boot: the script runs to its end, power-off, status 0",
           r.summary())
    sizes = block_sizes(r.stdout)
    tap.ok(sizes == want_sizes, "8 drives, each with its size in Linux",
           f"got {sizes}, want {want_sizes}")
    tap.ok(res.get("acpi-virtio-blk") == "8",
           "all 8: virtio-mmio devices from the DSDT, bound to virtio_blk",
           f"{res.get('acpi-virtio-blk')}")
    tap.ok(all(res.get(k) == "0" for k in ("mkfs", "mount", "verify",
                                             "umount")),
           "ext4: made, mounted, files written, read back from the disk"
           " and checked, unmounted", f"{res}")
    for qd in (1, 32):
        tap.ok(res.get(f"fio-qd{qd}") == "0 1",
               f"fio --verify over the raw file at queue depth {qd}",
               f"status and 'err= 0' count: {res.get(f'fio-qd{qd}')}")
    tap.ok(res.get("ro-flag") == "1", "readonly=on: Linux sees a read-only"
           " disk", f"{res.get('ro-flag')}")
    tap.ok(res.get("ro-sum") == sha256(ro_data),
           "readonly=on: it reads the file's contents")
    tap.ok(res.get("ro-dd", "0") != "0" and res.get("ro-mkfs", "0") != "0",
           "readonly=on: dd and mkfs.ext4 cannot write to it",
           f"dd {res.get('ro-dd')}, mkfs {res.get('ro-mkfs')}")
    with open(ro, "rb") as f:
        tap.ok(f.read() == ro_data, "readonly=on: the file is unchanged")
    zeros = sha256(bytes(ZERO_READ_MIB * MIB))
    tap.ok(res.get("zero-head") == zeros and res.get("zero-tail") == zeros,
           "null-co read-zeroes=on: zeros at both ends",
           f"{res.get('zero-head')} {res.get('zero-tail')}")
    tap.ok(res.get("null-write") == "0" and
           res.get("null-reread") == sha256(bytes(4096)),
           "null-co: a write succeeds and reads back as zeros",
           f"{res.get('null-write')} {res.get('null-reread')}")
    check_host_fs(ext4, res, "after the first boot")
    first = res

    script = write_script(os.path.join(tmp, "second.sh"), SECOND)
    r = boot(vigil_cmd(vigil, kernel, initramfs, script, cpus=1,
                       drives=[f"file={ext4}"]))
    res = results(r.stdout)
    tap.diag(f"second boot: {r.elapsed:.1f} s, status {r.returncode}")
    tap.ok(r.returncode == EXIT_POWEROFF and not r.timed_out,
           "second boot: power-off, status 0", r.summary())
    nfiles = len([k for k in first if k.startswith("sum:")])
    tap.ok(res.get("mount") == "0" and res.get("verify") == "0" and
           res.get("files") == str(nfiles) and res.get("umount") == "0",
           f"second boot: all {nfiles} files intact", f"{res}")
    check_host_fs(ext4, res, "after the second boot")

    r = run([vigil, "--kernel", kernel] +
            [a for _ in range(9) for a in ("--drive", "driver=null-co,size=1M")])
    tap.ok(r.returncode == EXIT_ERROR and "at most 8 virtio devices" in r.stderr,
           "a ninth drive is refused (status 2)", r.summary())

sys.exit(tap.done())
