"""Running Debian's user-mode-linux against vhost-user block daemons, for
vigil-blkd's tests (test_blkd_uml.py) and benchmark (bench/blkd.py).

UML (Linux 6.1 as an ordinary process) boots with the host's root file
system through hostfs, read-only, and tests/functional/uml/init.sh as init;
each boot runs one stage of init.sh against the daemons' sockets
(virtio_uml.device=SOCKET:2) and reports "vigil-uml: KEY VALUE..." lines.
uml-launch (uml_launch.c) works around Linux 6.1 UML's FPU handling on
hosts with AVX-512, and GLIBC_TUNABLES keeps the programs inside UML off
the AVX registers that workaround cannot preserve.
"""
import os
import signal
import subprocess
import threading
import time

TUNABLES = ("glibc.cpu.hwcaps=-AVX,-AVX2,-AVX512F,-AVX512VL,-AVX512BW,"
            "-AVX512DQ,-AVX512CD,-FMA,-XSAVEC")
UML_MEM = 256 << 20


class Unavailable(Exception):
    """UML cannot be fetched here; the message says why."""


def fetch_uml(fetch_script, artefact_dir):
    """(UML kernel, virtio_blk.ko) from fetch-artefacts.sh --uml."""
    try:
        r = subprocess.run(["bash", fetch_script, artefact_dir, "--uml"],
                           capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        raise Unavailable("fetching Debian's user-mode-linux timed out")
    if r.returncode != 0:
        lines = r.stderr.strip().splitlines() or ["no output"]
        raise Unavailable("cannot fetch Debian's user-mode-linux: " +
                          lines[-1])
    paths = r.stdout.split()
    kernel = next((p for p in paths if p.endswith("/uml/linux")), None)
    mods = next((p for p in paths if "/uml/modules/" in p), None)
    if not kernel or not mods:
        raise Unavailable("fetch-artefacts.sh --uml printed no UML kernel")
    ko = os.path.join(mods, "kernel/drivers/block/virtio_blk.ko")
    if not os.path.exists(ko):
        raise Unavailable(f"{ko} missing from the user-mode-linux package")
    return kernel, ko


def memory_dir(fallback):
    """UML's RAM is a file in TMPDIR: /dev/shm when it has room."""
    try:
        st = os.statvfs("/dev/shm")
        if st.f_bavail * st.f_frsize > 2 * UML_MEM:
            return "/dev/shm"
    except OSError:
        pass
    return fallback


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


class Uml:
    def __init__(self, launch, kernel, ko, tool, init, memdir):
        self.launch, self.kernel, self.ko = launch, kernel, ko
        self.tool, self.init, self.memdir = tool, init, memdir

    def boot(self, stage, sockets, timeout=180, on_line=None, **params):
        """Boot UML with one virtio-blk per socket and run stage. on_line,
        if given, sees each console line as it arrives."""
        cmd = [self.launch, self.kernel, f"mem={UML_MEM >> 20}M",
               "rootfstype=hostfs", "rootflags=/", "ro", f"init={self.init}",
               "con=null", "con0=null,fd:1"]
        cmd += [f"virtio_uml.device={s}:2" for s in sockets]
        cmd += [f"GLIBC_TUNABLES={TUNABLES}", "LD_BIND_NOW=1",
                f"vigil_stage={stage}", f"vigil_module={self.ko}",
                f"vigil_tool={self.tool}"]
        cmd += [f"vigil_{k}={v}" for k, v in params.items()]
        env = dict(os.environ, TMPDIR=self.memdir)
        # UML forks a host process per guest process: its own group, so
        # that a timeout kills them all.
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        lines = []
        try:
            for raw in proc.stdout:
                line = raw.decode(errors="replace").replace("\r", "")
                lines.append(line)
                if on_line:
                    on_line(line.rstrip("\n"))
            proc.wait()
        finally:
            timer.cancel()
        return Boot("".join(lines), proc.returncode, timed_out.is_set())


class Daemon:
    """A vhost-user block daemon listening on sock; stderr to a file.
    ready: a substring of its stderr that says it listens (None: wait for
    the socket file)."""

    def __init__(self, cmd, sock, errfile, ready=None, timeout=10):
        self.sock, self.errfile = sock, errfile
        with open(errfile, "w") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL,
                                         stderr=err)
        self.ready = self._wait(ready, timeout)

    def _wait(self, ready, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.proc.poll() is None:
            if ready and ready in self.stderr():
                return True
            if not ready and os.path.exists(self.sock):
                time.sleep(0.2)  # bound: listen() follows at once
                return True
            time.sleep(0.02)
        return False

    def stderr(self):
        with open(self.errfile) as f:
            return f.read()

    def cpu_seconds(self):
        """User + system CPU time of the whole process, threads included."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def vigil_blkd(binary, workdir, name, drive):
    """A vigil-blkd on workdir/NAME.sock with -d guest_errors to NAME.log."""
    sock = os.path.join(workdir, name + ".sock")
    d = Daemon([binary, "--socket", sock, "--drive", drive,
                "-d", "guest_errors", "-D", os.path.join(workdir,
                                                         name + ".log")],
               sock, os.path.join(workdir, name + ".err"),
               ready="vigil-blkd: serving")
    d.log = os.path.join(workdir, name + ".log")
    return d
