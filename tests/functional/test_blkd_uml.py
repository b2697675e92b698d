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
import subprocess
import sys
import tempfile
import time

from vigiltest import Tap, skip_all

(VIGIL_BLKD, UML_LAUNCH, UML_TOOL, FETCH, ARTEFACT_DIR,
 INIT_SH) = [os.path.abspath(a) for a in sys.argv[1:7]]

# Programs inside UML must not use AVX registers (uml_launch.c explains).
TUNABLES = ("glibc.cpu.hwcaps=-AVX,-AVX2,-AVX512F,-AVX512VL,-AVX512BW,"
            "-AVX512DQ,-AVX512CD,-FMA,-XSAVEC")
UML_MEM = 256 << 20
# ext4 of 256 MiB or more: e2fsck inside this UML wrongly reports the
# 128 MiB layout broken whatever the disk (UML's own ubd too).
RAW_SIZE = 256 << 20
HOST_FILES = ["/usr/bin/fio", "/usr/bin/sha256sum", "/usr/sbin/mkfs.ext4"]
BOOT_TIMEOUT = 180


def check(cond, name, detail=""):
    """One TAP line; on failure the (multi-line) detail as diagnostics."""
    tap.ok(cond, name)
    if not cond and detail:
        tap.diag(detail)
    return cond


def fetch_uml():
    """(uml kernel, virtio_blk.ko), or skip the whole test."""
    try:
        r = subprocess.run(["bash", FETCH, ARTEFACT_DIR, "--uml"],
                           capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        skip_all("fetching Debian's user-mode-linux timed out")
    if r.returncode != 0:
        lines = r.stderr.strip().splitlines() or ["no output"]
        skip_all("cannot fetch Debian's user-mode-linux: " + lines[-1])
    paths = r.stdout.split()
    kernel = next((p for p in paths if p.endswith("/uml/linux")), None)
    mods = next((p for p in paths if "/uml/modules/" in p), None)
    if not kernel or not mods:
        skip_all("fetch-artefacts.sh --uml printed no UML kernel")
    ko = os.path.join(mods, "kernel/drivers/block/virtio_blk.ko")
    if not os.path.exists(ko):
        skip_all(f"{ko} missing from the user-mode-linux package")
    return kernel, ko


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Daemon:
    """One vigil-blkd, its -d guest_errors log and its stderr."""

    def __init__(self, workdir, name, drive):
        self.sock = os.path.join(workdir, name + ".sock")
        self.log = os.path.join(workdir, name + ".log")
        self.err = os.path.join(workdir, name + ".err")
        with open(self.err, "w") as err:
            self.proc = subprocess.Popen(
                [VIGIL_BLKD, "--socket", self.sock, "--drive", drive,
                 "-d", "guest_errors", "-D", self.log],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=err)
        self.ready = self._wait_serving()

    def _wait_serving(self, timeout=10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if "vigil-blkd: serving" in self.stderr():
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.02)
        return False

    def stderr(self):
        with open(self.err) as f:
            return f.read()

    def guest_errors(self):
        try:
            with open(self.log) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


class Boot:
    """What one UML boot reported: "vigil-uml: KEY VALUE..." lines."""

    def __init__(self, output, status, timed_out):
        self.output = output
        self.status = status
        self.timed_out = timed_out
        self.lines = [line[len("vigil-uml: "):].strip()
                      for line in output.splitlines()
                      if line.startswith("vigil-uml: ")]

    def values(self, key):
        return [line[len(key) + 1:] for line in self.lines
                if line.split(" ", 1)[0] == key]

    def value(self, key):
        v = self.values(key)
        return v[0] if v else None

    def sums(self):
        return dict(v.split(" ", 1) for v in self.values("sha256"))

    def detail(self):
        tail = "\n".join(l for l in self.output.splitlines()
                         if l.startswith("vigil-uml") or "error" in l.lower())
        return (f"status {self.status}, timed out {self.timed_out}\n" +
                tail[-2500:])


def boot(kernel, ko, memdir, stage, daemons, **params):
    cmd = [UML_LAUNCH, kernel, f"mem={UML_MEM >> 20}M",
           "rootfstype=hostfs", "rootflags=/", "ro", f"init={INIT_SH}",
           "con=null", "con0=null,fd:1"]
    cmd += [f"virtio_uml.device={d.sock}:2" for d in daemons]
    cmd += [f"GLIBC_TUNABLES={TUNABLES}", "LD_BIND_NOW=1",
            f"vigil_stage={stage}", f"vigil_module={ko}",
            f"vigil_tool={UML_TOOL}"]
    cmd += [f"vigil_{k}={v}" for k, v in params.items()]
    env = dict(os.environ, TMPDIR=memdir)
    # UML forks a host process per guest process: kill the whole group.
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    timed_out = False
    try:
        out, _ = proc.communicate(timeout=BOOT_TIMEOUT)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
    b = Boot(out.decode(errors="replace").replace("\r", ""), proc.returncode,
             timed_out)
    tap.diag(f"boot '{stage}': {b.status}, "
             f"{'timed out' if timed_out else 'done'}")
    return b


def memory_dir(workdir):
    """UML's RAM is a file in TMPDIR: /dev/shm when it has room."""
    try:
        st = os.statvfs("/dev/shm")
        if st.f_bavail * st.f_frsize > 2 * UML_MEM:
            return "/dev/shm"
    except OSError:
        pass
    return workdir


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
    memdir = memory_dir(workdir)
    raw = os.path.join(workdir, "disk.raw")
    with open(raw, "wb") as f:
        f.truncate(RAW_SIZE)
    host_sums = {p: sha256_file(p) for p in HOST_FILES}
    files = ":".join(HOST_FILES)
    daemons = []

    def daemon(name, drive):
        d = Daemon(workdir, name, drive)
        daemons.append(d)
        check(d.ready, f"vigil-blkd {name} serves {drive}", d.stderr())
        return d

    d1 = daemon("rw1", f"file={raw}")
    sums = check_write(boot(kernel, ko, memdir, "write", [d1], files=files),
                       host_sums)
    check_verify(boot(kernel, ko, memdir, "verify", [d1]),
                 "reconnect", sums)
    d1.stop()

    before = sha256_file(raw)
    d2 = daemon("ro", f"file={raw},readonly=on")
    check_readonly(boot(kernel, ko, memdir, "readonly", [d2]), sums)
    d2.stop()
    check(sha256_file(raw) == before,
          "readonly: the raw file is unchanged")

    d3 = daemon("rw2", f"file={raw}")
    b = boot(kernel, ko, memdir, "verify", [d3], fio=1)
    check_verify(b, "restart", sums)
    check_fio(b)
    d3.stop()

    z_on = daemon("zeroes-on", "driver=null-co,size=64M")
    z_off = daemon("zeroes-off", "driver=null-co,size=32M,read-zeroes=off")
    check_zeroes(boot(kernel, ko, memdir, "zeroes", [z_on, z_off]))

    statuses = [d.stop() for d in daemons]
    check(all(s == -signal.SIGTERM for s in statuses),
          "every vigil-blkd ran until SIGTERM ended it",
          f"statuses {statuses}")
    noisy = {os.path.basename(d.sock): d.guest_errors() for d in daemons
             if d.guest_errors()}
    check(not noisy, "Linux caused no guest error in vigil-blkd",
          str(noisy)[-2000:])


kernel, ko = fetch_uml()
tap = Tap()
workdir = tempfile.mkdtemp(prefix="vigil-blkd-uml-")
start = time.monotonic()
try:
    run_all(kernel, ko, workdir)
finally:
    shutil.rmtree(workdir, ignore_errors=True)
tap.diag(f"UML tests took {time.monotonic() - start:.1f} s")
sys.exit(tap.done())
