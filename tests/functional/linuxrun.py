"""Running Debian's kernels with the test initramfs (guest/linux/init.sh) on
vigil and on QEMU microvm, and reading what their scripts print.

init.sh prints "vigil-linux: ..." lines (one "vigil-linux: block vdX N
sectors" per disk) and, with vigil.script=vdX on the command line, runs the
contents of that drive as a shell script, then powers off. A test writes
its script with write_script(), passes it as the first drive (vda,
read-only) and reads the "vigil-result: NAME VALUE..." lines the script
prints with result() (results()).
"""
import re
import subprocess
import time

from guestrun import MODERN, QEMU
from vigiltest import linux_cmdline_quirks, run

# One boot of a stock kernel, on a busy machine, in a nested KVM host that
# the emulator runs: seconds where hardware takes a fraction of one.
LINUX_TIMEOUT = 600

# Sourced before the test's own script: result NAME VALUE... prints a line
# results() collects; check NAME COMMAND... runs COMMAND and prints its
# status as NAME's result.
PRELUDE = """\
result() { echo "vigil-result: $*"; }
check() { name=$1; shift; "$@"; result "$name" "$?"; }
"""
# Not anchored at the start of a line: the kernel or a progress display
# may have left a partial line on the console.
RESULT = re.compile(r"vigil-result: (\S+) ?(.*?)\r?$", re.M)
BLOCK = re.compile(r"^vigil-linux: block (vd[a-z]+) (\d+) sectors\r?$", re.M)


def write_script(path, text):
    """A script drive: the prelude and text, zero-padded to whole 4 KiB."""
    data = (PRELUDE + text).encode()
    with open(path, "wb") as f:
        f.write(data + b"\0" * (-len(data) % 4096))
    return path


def cmdline(extra=""):
    """The kernel command line of a test boot: serial console, no waiting
    on a panic, the script from vda, and what this host needs."""
    words = ["console=ttyS0", "quiet", "panic=-1", "vigil.script=vda",
             linux_cmdline_quirks(), extra]
    return " ".join(w for w in words if w)


def vigil_cmd(vigil, kernel, initrd, script, cpus=1, memory="512M",
              drives=(), extra_cmdline=""):
    """vigil with the script drive first (vda), then the drive specs."""
    cmd = [vigil, "--kernel", kernel, "--initrd", initrd,
           "--memory", memory, "--cpus", str(cpus),
           "--cmdline", cmdline(extra_cmdline),
           "--drive", f"file={script},readonly=on"]
    for spec in drives:
        cmd += ["--drive", spec]
    return cmd


def restore_cmd(vigil, snap, script, drives=()):
    """vigil --restore with the drives vigil_cmd() gave, in its order."""
    cmd = [vigil, "--restore", snap, "--drive", f"file={script},readonly=on"]
    for spec in drives:
        cmd += ["--drive", spec]
    return cmd


def qemu_cmd(kernel, initrd, script, cpus=1, memory="512M", files=(),
             extra_cmdline=""):
    """QEMU microvm with ACPI, modern virtio-mmio and the same guest: the
    script drive first, then raw files, as vigil_cmd() gives them."""
    cmd = [QEMU, "-M", "microvm,acpi=on",
           "-enable-kvm", "-cpu", "host,-arch-capabilities",
           "-smp", str(cpus), "-m", memory, "-nodefaults", "-no-user-config",
           "-nographic", "-serial", "stdio", "-no-reboot"] + MODERN
    for i, (path, ro) in enumerate([(script, True)] +
                                   [(f, False) for f in files]):
        cmd += ["-drive", f"if=none,id=d{i},file={path},format=raw"
                f"{',readonly=on' if ro else ''}",
                "-device", f"virtio-blk-device,drive=d{i}"]
    return cmd + ["-kernel", kernel, "-initrd", initrd,
                  "-append", cmdline(extra_cmdline)]


def boot(cmd, timeout=LINUX_TIMEOUT):
    """Run a Linux guest to its end; a vigiltest.Result."""
    return run(cmd, timeout=timeout)


def start(cmd, out, api):
    """vigil (cmd) in the background, its console to the file out, its
    control socket at api: the Popen (stderr a pipe)."""
    return subprocess.Popen(cmd + ["--serial", f"file:{out}",
                                   "--api-socket", api],
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(pred, timeout):
    """pred() once it is true or timeout seconds have passed."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and not pred():
        time.sleep(0.1)
    return pred()


def results(out):
    """{NAME: VALUE} from the script's result lines (the last one wins)."""
    return {name: value for name, value in RESULT.findall(out)}


def block_sizes(out):
    """{vdX: sectors} from init.sh's block lines."""
    return {dev: int(n) for dev, n in BLOCK.findall(out)}


def sparse_file(path, size):
    with open(path, "wb") as f:
        f.truncate(size)
    return path
