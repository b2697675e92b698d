"""Helpers for vigil's functional tests: TAP output, running commands with
timeouts, and skipping when the host lacks what a test needs.

A test script builds a Tap, calls ok() once per check and ends with
sys.exit(tap.done()). Scripts are run by meson with protocol 'tap'.
"""
import os
import subprocess
import sys
import time


class Tap:
    def __init__(self):
        self.count = 0
        self.failed = 0
        self.held = None

    def ok(self, cond, name, detail=""):
        if self.held is not None:
            self.held.append((cond, name, detail))
            return cond
        self.count += 1
        line = ("ok" if cond else "not ok") + f" {self.count} - {name}"
        if not cond and detail:
            line += f" # {detail}"
        print(line, flush=True)
        if not cond:
            self.failed += 1
        return cond

    def skip(self, name, reason):
        self.count += 1
        print(f"ok {self.count} - {name} # SKIP {reason}", flush=True)

    def hold(self):
        """Keep results back from here until release(): for a run that
        may have to be repeated."""
        self.held = []

    def release(self, keep=True):
        """Print the results held back, or drop them (keep=False) when
        the run they came from is repeated."""
        held, self.held = self.held or [], None
        for result in held if keep else ():
            self.ok(*result)

    def diag(self, text):
        for line in str(text).splitlines():
            print(f"# {line}", flush=True)

    def done(self):
        print(f"1..{self.count}", flush=True)
        return 1 if self.failed else 0


def skip_all(reason):
    """Report the whole script as skipped and exit."""
    print(f"1..0 # SKIP {reason}", flush=True)
    sys.exit(0)


def kvm_unavailable_reason():
    """None when /dev/kvm can be opened, else why not."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError as e:
        return (f"no usable /dev/kvm ({e.strerror}); test.sh runs the"
                " 'kvm' suite in a nested KVM host instead:"
                " scripts/nested-kvm.py run -- meson test ...")
    os.close(fd)
    return None


def linux_cmdline_quirks():
    """Kernel command-line words a stock Linux guest needs on this host.

    In a nested host whose emulated CPU has XSAVE (nested-kvm.py --xsave),
    the emulator's XSAVE breaks Linux's signal frames (init dies on its
    first rt_sigreturn), so Linux guests run without XSAVE there.
    """
    return "noxsave" if os.environ.get("VIGIL_NESTED_XSAVE") == "1" else ""


def require_kvm():
    reason = kvm_unavailable_reason()
    if reason:
        skip_all(reason)


def read_text(path):
    """A file's text ('' while it does not exist yet): a guest's console."""
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


class Result:
    def __init__(self, returncode, stdout, stderr, elapsed, timed_out):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
        self.timed_out = timed_out

    def summary(self):
        tail = (self.stdout[-1500:] + "\n--- stderr ---\n" + self.stderr[-1500:])
        return f"status {self.returncode}, timed out {self.timed_out}\n{tail}"


def run(cmd, timeout=60, stdin=subprocess.DEVNULL, env=None):
    """Run cmd, capturing text output; never raises on timeout."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        timed_out = True
    return Result(proc.returncode, out.decode(errors="replace"),
                  err.decode(errors="replace"), time.monotonic() - start,
                  timed_out)


# Exit statuses documented in `vigil --help`.
EXIT_POWEROFF = 0
EXIT_ERROR = 2
EXIT_RESET = 4
EXIT_VCPU_FATAL = 6


def debug_exit_status(value):
    """The status vigil (and QEMU's isa-debug-exit) exits with for value."""
    return ((value << 1) | 1) & 0xff


GUEST_PASS = debug_exit_status(0)
GUEST_FAIL = debug_exit_status(1)
