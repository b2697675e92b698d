#!/usr/bin/env python3
"""Run a command on a real KVM host nested in QEMU's emulator.

On machines without a usable /dev/kvm (their kernel is itself a guest that
will not offer KVM), QEMU's TCG emulates an AMD CPU with SVM and nested
paging, Debian's standard kernel boots on it and loads kvm-amd, and this
machine's root file system is shared into it over virtio-9p. The command
then runs in a chroot of that file system, with the nested host's /dev/kvm,
so the build tree, vigil, QEMU -enable-kvm and the tests run unchanged.

  nested-kvm.py run [options] [--interactive] -- COMMAND [ARG...]
      Run COMMAND in the current directory inside the nested host and exit
      with its status. Its output is this program's output; with
      --interactive, this terminal is its terminal (keys such as Ctrl-C
      go to it, not to this program).
  nested-kvm.py shell [options]
      An interactive shell inside the nested host, on this terminal.
  nested-kvm.py artefacts
      Only fetch and build the nested host's kernel and initramfs.

Exit status: COMMAND's own; 124 when --timeout ran out; 125 when the nested
host itself failed (did not come up, stalled: no heartbeat for --stall
seconds, or ended without a status), which is not a failure of COMMAND.
"""
import argparse
import ctypes
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FETCH = os.path.join(ROOT, "guest", "linux", "fetch-artefacts.sh")
DEFAULT_ARTEFACTS = os.path.join(ROOT, "build", "guest", "linux")

EXIT_TIMEOUT = 124
EXIT_INFRA = 125

# An AMD CPU that kvm-amd accepts: SVM with nested paging, and what Debian's
# kernels expect of x86-64 beyond qemu64. +nrip-save is refused by TCG.
CPU = "qemu64,+svm,+npt,+cx16,+ssse3,+sse4.1,+sse4.2,+popcnt"
# With XSAVE, KVM offers KVM_CAP_XCRS, but the emulator's XSAVE breaks Linux
# guests' signal frames: they need "noxsave" then. +xsave alone hangs L1.
CPU_XSAVE = CPU + ",+xsave,+xsaveopt"

# Environment variables that describe this machine's session rather than
# the command: the nested host has its own.
ENV_SKIP = {"PWD", "OLDPWD", "SHLVL", "_", "TMPDIR", "TMP", "TEMP",
            "XDG_RUNTIME_DIR", "SSH_AUTH_SOCK", "DISPLAY", "DBUS_SESSION_BUS_ADDRESS"}


def log(msg):
    print(f"nested-kvm: {msg}", file=sys.stderr, flush=True)


def fetch_artefacts(outdir):
    """(kernel, initramfs) of the nested host, built or taken from cache."""
    proc = subprocess.run(["bash", FETCH, outdir], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"nested-kvm: {FETCH} failed ({proc.returncode})")
    paths = {os.path.basename(p): p for p in proc.stdout.split()}
    try:
        return paths["std-bzImage"], paths["l1-initramfs.cpio.gz"]
    except KeyError as e:
        raise SystemExit(f"nested-kvm: {FETCH} did not print {e}")


def write_run_script(rundir, command, cwd, xsave):
    """run.sh: this environment, the working directory, then COMMAND.

    VIGIL_NESTED=1 tells tests where they run; VIGIL_NESTED_XSAVE=1 that the
    emulated CPU has XSAVE (tests/functional/vigiltest.py knows what Linux
    guests need then)."""
    lines = ["# written by scripts/nested-kvm.py"]
    for key, value in sorted(os.environ.items()):
        if key in ENV_SKIP or not key.isidentifier():
            continue
        lines.append(f"export {key}={shlex.quote(value)}")
    lines += ["export TMPDIR=/tmp VIGIL_NESTED=1"
              f" VIGIL_NESTED_XSAVE={1 if xsave else 0}",
              f"cd {shlex.quote(cwd)} || exit 127",
              "exec " + " ".join(shlex.quote(a) for a in command)]
    with open(os.path.join(rundir, "run.sh"), "w") as f:
        f.write("\n".join(lines) + "\n")


def die_with_parent():
    """In the child: QEMU gets SIGKILL if this runner dies, however."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def qemu_command(args, kernel, initramfs, rundir, interactive):
    # Test runs show the nested kernel's errors (RCU stalls, lockups) among
    # the command's output; an interactive console shows only the worst.
    append = (f"console=ttyS0 quiet loglevel={3 if interactive else 4}"
              f" panic=-1 nokaslr vigil.run={rundir}")
    if interactive:
        append += " vigil.interactive"
    # Interactive: keys such as Ctrl-C and Ctrl-A reach the nested command
    # (vigil's own console escape is Ctrl-a x), so no QEMU mux or signals.
    signal_opt = "off" if interactive else "on"
    return [
        args.qemu, "-accel", "tcg,thread=multi",
        "-cpu", CPU_XSAVE if args.xsave else CPU,
        "-smp", str(args.cpus), "-m", args.memory,
        "-nodefaults", "-display", "none", "-no-reboot",
        "-chardev", f"stdio,id=con,mux=off,signal={signal_opt}",
        "-serial", "chardev:con",
        "-kernel", kernel, "-initrd", initramfs, "-append", append,
        "-virtfs",
        "local,path=/,mount_tag=host,security_model=none,multidevs=remap",
        "-monitor", f"unix:{rundir}/monitor,server=on,wait=off",
        "-object", "rng-random,id=rng0,filename=/dev/urandom",
        "-device", "virtio-rng-pci,rng=rng0",
    ]


def hmp(rundir, command):
    """The reply of QEMU's human monitor to COMMAND, or why there is none."""
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(os.path.join(rundir, "monitor"))
            reply = b""
            sock.sendall(command.encode() + b"\n")
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reply += chunk
                if reply.count(b"(qemu)") >= 2:
                    break
    except OSError as e:
        return f"(monitor: {e})"
    return reply.decode(errors="replace")


def where_stalled(rundir):
    """Where the nested host's CPUs are: their RIPs and kernel symbols."""
    regs = hmp(rundir, "info registers -a")
    rips = re.findall(r"RIP=([0-9a-f]{16})", regs)
    if not rips:
        return regs
    system_map = os.path.join(rundir, "kallsyms")
    return "\n".join(
        f"  CPU {i}: RIP {rip} {kernel_symbol(system_map, int(rip, 16))}"
        for i, rip in enumerate(rips))


def kernel_symbol(kallsyms, addr):
    """The nearest symbol at or below ADDR in the nested kernel's kallsyms."""
    best, best_addr = "?", -1
    try:
        with open(kallsyms) as f:
            for line in f:
                fields = line.split()
                value = int(fields[0], 16)
                if best_addr < value <= addr:
                    best, best_addr = " ".join(fields[2:]), value
    except (OSError, ValueError, IndexError):
        return "(no kallsyms)"
    return f"{best}+{addr - best_addr:#x}" if best_addr >= 0 else best


class Stop(Exception):
    """The run ended without COMMAND's status: (exit status, message)."""


def heartbeat_age(rundir, started):
    """Seconds since the nested host last showed life (or since start)."""
    try:
        return time.time() - os.stat(os.path.join(rundir, "heartbeat")).st_mtime
    except FileNotFoundError:
        return time.time() - started


def nudge_apic(rundir):
    """A key event for the nested host: QEMU 7.2's TCG sometimes loses the
    wake-up of its CPU for a local APIC timer interrupt, which then stays
    pending in IRR with nothing else coming (seen for 33 s while a guest
    of the nested host spun, and for good while the nested host halted).
    Any other interrupt makes the emulator look at the APIC again: the
    keyboard's IRQ 1 does (no character for a shift key; docs/testing.md,
    "A timer that stops")."""
    hmp(rundir, "sendkey shift")


def watch(proc, rundir, args):
    """Wait for QEMU; raise Stop on a timeout or a stalled nested host."""
    started = time.time()
    while proc.poll() is None:
        time.sleep(1)
        nudge_apic(rundir)
        if args.timeout and time.time() - started > args.timeout:
            raise Stop(EXIT_TIMEOUT, f"timed out after {args.timeout} s")
        age = heartbeat_age(rundir, started)
        if age > args.stall:
            seen = os.path.exists(os.path.join(rundir, "heartbeat"))
            what = ("stalled: no heartbeat" if seen
                    else "did not come up: no heartbeat")
            raise Stop(EXIT_INFRA,
                       f"the nested host {what} for {age:.0f} s; this is"
                       " the emulator or the nested host, not the command;"
                       f" its CPUs:\n{where_stalled(rundir)}")


def run(args, command, interactive):
    artefacts = os.path.realpath(args.artefacts)
    if artefacts == "/tmp" or artefacts.startswith("/tmp/"):
        raise SystemExit("nested-kvm: --artefacts must not be under /tmp,"
                         " which the nested host replaces with its own")
    kernel, initramfs = fetch_artefacts(artefacts)
    rundir = tempfile.mkdtemp(prefix="run.", dir=artefacts)
    proc = None

    def on_signal(signum, _frame):
        raise Stop(128 + signum, f"signal {signum}")

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    start = time.monotonic()
    try:
        write_run_script(rundir, command, os.getcwd(), args.xsave)
        proc = subprocess.Popen(
            qemu_command(args, kernel, initramfs, rundir, interactive),
            stdin=None if interactive else subprocess.DEVNULL,
            preexec_fn=die_with_parent)
        watch(proc, rundir, args)
        try:
            with open(os.path.join(rundir, "status")) as f:
                status = int(f.read().strip())
        except (FileNotFoundError, ValueError):
            raise Stop(EXIT_INFRA, "the nested host ended without the"
                       f" command's status (QEMU status {proc.returncode})")
    except Stop as e:
        status, msg = e.args
        log(msg)
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()
        if interactive and sys.stdin.isatty():
            subprocess.run(["stty", "sane"], check=False)
        subprocess.run(["rm", "-rf", rundir], check=False)
    if args.verbose:
        log(f"status {status} after {time.monotonic() - start:.1f} s")
    return status


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=["run", "shell", "artefacts"])
    ap.add_argument("--artefacts", default=DEFAULT_ARTEFACTS, metavar="DIR",
                    help="where the kernel and initramfs are built and"
                    " cached (default: %(default)s)")
    ap.add_argument("--xsave", action="store_true",
                    help="give the emulated CPU XSAVE (KVM then offers"
                    " XCRS; Linux guests need 'noxsave')")
    ap.add_argument("--cpus", type=int, default=1,
                    help="the nested host's CPUs (default: %(default)s)")
    ap.add_argument("--memory", default="6G",
                    help="the nested host's RAM (default: %(default)s)")
    ap.add_argument("--timeout", type=int, default=0, metavar="S",
                    help="end the run after S seconds (default: none)")
    ap.add_argument("--stall", type=int, default=180, metavar="S",
                    help="a nested host that shows no life for S seconds"
                    " has stalled (default: %(default)s)")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("-i", "--interactive", action="store_true",
                    help="run: give COMMAND this terminal")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="say how long the run took")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = ap.parse_args(argv[:split])
    args.command = argv[split + 1:]
    if args.action == "artefacts":
        for path in fetch_artefacts(args.artefacts):
            print(path)
        return 0
    if args.action == "shell":
        if args.command:
            ap.error("shell takes no command")
        return run(args, [os.environ.get("SHELL", "/bin/sh")], True)
    if not args.command:
        ap.error("run needs a command: nested-kvm.py run -- COMMAND...")
    return run(args, args.command, args.interactive)


if __name__ == "__main__":
    sys.exit(main())
