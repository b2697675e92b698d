"""The host side of the Linux network tests: passt, an HTTP server for the
guest to download from, and fetching what the guest serves through a passt
port forward.

passt (Debian's, unpacked by guest/linux/fetch-artefacts.sh as
build/guest/linux/passt) takes the guest's address, netmask and gateway
from the host's interface with the default route, and refuses to start
without one ("External interface not usable"). The nested KVM host
(scripts/nested-kvm.py) has only lo, and lo down; prepare_host() gives it,
when run as root:
  - lo up (the HTTP server listens on 127.0.0.1, and passt maps the
    gateway address the guest sees to the host's loopback: --no-map-gw is
    off),
  - a dummy interface DUMMY_IF with HOST_ADDR and a default route through
    GATEWAY (the dummy module is in the nested host's initramfs).
Nothing is sent on it: passt only reads its addresses. Each step is done
only when missing, so a second call changes nothing; cleanup() removes the
dummy interface again when prepare_host() made it. On a host that has a
default route already, nothing is changed. Where neither is possible (no
root, no dummy module), passt can still start with explicit addressing
(fallback_addressing(): -a, -n, -g, -i lo, -M): prepare_host() returns
those options for a passt the test starts itself (QEMU); a VMM that starts
passt with no options needs the default route.

The guest reaches the HTTP server at http://GATEWAY:PORT/ (passt turns the
connection into one to 127.0.0.1:PORT) and the host reaches the guest's
server at 127.0.0.1:HOSTPORT (passt -t HOSTPORT:GUESTPORT).
"""
import functools
import hashlib
import json
import http.server
import os
import socket
import subprocess
import threading
import time
import urllib.request

# The dummy interface and the addresses it gives passt (QEMU's user-mode
# network uses the same plan): the guest gets HOST_ADDR by DHCP, GATEWAY is
# the host.
DUMMY_IF = "vigilnet0"
HOST_ADDR = "10.0.2.15"
PREFIX = 24
GATEWAY = "10.0.2.2"
# passt's own MAC address towards the guest when it has no interface to
# take one from.
PASST_MAC = "9a:55:9a:55:9a:55"

MIB = 1 << 20
# The MTU passt offers by DHCP when not told (-m): its largest.
PASST_MTU = 65520

# The start of a guest script: lo up, and $iface the one network
# interface that is not lo. Put before a script's text once that is
# formatted (the braces here are the shell's).
FIND_IFACE = """\
ip link set lo up
iface=
for d in /sys/class/net/*; do
    [ "${d##*/}" = lo ] || { iface=${d##*/}; break; }
done
"""


def ip(*args):
    """`ip ARGS...`: (status, output)."""
    p = subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, check=False)
    return p.returncode, p.stdout


def has_default_route():
    status, out = ip("-4", "route", "show", "default")
    return status == 0 and "default" in out


def fallback_addressing():
    """passt options that need no interface but lo (see the docstring)."""
    return ["-a", HOST_ADDR, "-n", str(PREFIX), "-g", GATEWAY, "-i", "lo",
            "-M", PASST_MAC]


class HostNet:
    """prepare_host() and cleanup(): the host-side setup of the docstring.

    After prepare_host(), .passt_addressing is the options a passt the
    test starts needs ([] when the host has a default route) and .made says
    what was changed."""

    def __init__(self):
        self.made = []
        self.passt_addressing = []

    def prepare_host(self):
        root = os.geteuid() == 0
        _, out = ip("-o", "link", "show", "lo")
        flags = out.partition("<")[2].partition(">")[0].split(",")
        if root and "UP" not in flags:
            ip("link", "set", "lo", "up")
            self.made.append("lo up")
        if not has_default_route() and root:
            self.add_dummy()
        if not has_default_route():
            self.passt_addressing = fallback_addressing()
        return self

    def add_dummy(self):
        status, _ = ip("link", "show", DUMMY_IF)
        if status != 0:
            status, out = ip("link", "add", DUMMY_IF, "type", "dummy")
            if status != 0:
                self.made.append(f"no dummy interface: {out.strip()}")
                return
            self.made.append(f"dummy {DUMMY_IF}")
        ip("addr", "replace", f"{HOST_ADDR}/{PREFIX}", "dev", DUMMY_IF)
        ip("link", "set", DUMMY_IF, "up")
        ip("route", "replace", "default", "via", GATEWAY, "dev", DUMMY_IF)

    def cleanup(self):
        if f"dummy {DUMMY_IF}" in self.made:
            ip("link", "del", DUMMY_IF)

    def __enter__(self):
        return self.prepare_host()

    def __exit__(self, *exc):
        self.cleanup()


def free_port():
    """A TCP port nothing listens on now (on any address)."""
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


class Passt:
    """passt in the foreground on a UNIX socket (QEMU's -netdev stream),
    forwarding host TCP ports: forwards is a list of (hostport, guestport).
    With one_off (-1) it ends when its one client (the VMM) goes; without,
    it waits for the next client and keeps its connections, so a guest
    restored from a snapshot finds them again.

    Started as root, passt becomes nobody before it binds the socket, and
    still says "bound" when that fails (EACCES in a test's private
    directory): as root, it is told to stay root (--runas 0; it still
    sandboxes itself in its own namespaces)."""

    def __init__(self, passt, sock, forwards=(), options=(), log=None,
                 one_off=True):
        self.cmd = [passt, "-f", "-e", "-4", "-s", sock]
        if one_off:
            self.cmd.append("-1")
        if os.geteuid() == 0:
            self.cmd += ["--runas", "0"]
        for host, guest in forwards:
            self.cmd += ["-t", f"{host}:{guest}"]
        self.cmd += list(options)
        self.sock = sock
        self.log = log
        self.proc = None

    def start(self, timeout=30):
        """Start passt and wait for its socket; False if it ended first."""
        out = open(self.log, "wb") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=subprocess.STDOUT)
        if self.log:
            out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if os.path.exists(self.sock):
                return True
            time.sleep(0.1)
        return False

    def output(self):
        if not self.log:
            return ""
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """No log; the bytes of file bodies written count in the server's
    bytes_sent (a snapshot test waits for a transfer to be under way)."""

    def log_message(self, *args):
        pass

    def copyfile(self, source, outputfile):
        while True:
            buf = source.read(64 * 1024)
            if not buf:
                break
            outputfile.write(buf)
            self.server.bytes_sent += len(buf)


class HttpServer:
    """An HTTP server on host (a free port) serving the files of directory
    root, in a thread; publish() adds a file, bytes_sent() is the bytes of
    bodies written so far."""

    def __init__(self, root, host="127.0.0.1"):
        self.root = root
        handler = functools.partial(_Quiet, directory=root)
        self.server = http.server.ThreadingHTTPServer((host, 0), handler)
        self.server.bytes_sent = 0
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)

    def publish(self, name, data):
        """Write data as root/name, whole before it can be seen."""
        tmp = os.path.join(self.root, f".{name}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.root, name))

    def bytes_sent(self):
        return self.server.bytes_sent

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def random_file(path, size):
    """size random bytes in path (1 MiB at a time); their sha256."""
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for _ in range(0, size, MIB):
            chunk = os.urandom(min(MIB, size - f.tell()))
            h.update(chunk)
            f.write(chunk)
    return h.hexdigest()


class Fetcher(threading.Thread):
    """Fetch url until it succeeds or deadline (time.monotonic()) passes,
    retrying while the guest's server is not up (passt accepts the host's
    connection and resets it when the guest does not). Then call
    on_done(). .sha256 and .size are the body's; .error the last failure."""

    def __init__(self, url, deadline, on_done=None):
        super().__init__(daemon=True)
        self.url = url
        self.deadline = deadline
        self.on_done = on_done
        self.sha256 = None
        self.size = 0
        self.error = "not tried"
        self.attempts = 0

    # passt, given a connection on a forwarded port before its tap client
    # (the VMM) has connected, stopped answering in a nested run (its log
    # ends there, and the guest got no DHCP): the first try waits this long
    # after the thread starts, which is started with the VMM.
    FIRST_TRY_AFTER = 15

    def run(self):
        time.sleep(self.FIRST_TRY_AFTER)
        while time.monotonic() < self.deadline:
            self.attempts += 1
            try:
                self.fetch()
                break
            except OSError as e:
                self.error = f"{type(e).__name__}: {e}"
                time.sleep(2)
        if self.on_done:
            self.on_done()

    def fetch(self):
        h = hashlib.sha256()
        size = 0
        timeout = max(1, self.deadline - time.monotonic())
        with urllib.request.urlopen(self.url, timeout=timeout) as resp:
            while True:
                chunk = resp.read(MIB)
                if not chunk:
                    break
                h.update(chunk)
                size += len(chunk)
        self.sha256, self.size, self.error = h.hexdigest(), size, None


def iperf3_mbits(iperf3, port, seconds=5, reverse=False, host="127.0.0.1"):
    """Mbit/s an iperf3 client on this host measures against an iperf3
    server at host:port (a guest's `iperf3 -s`, through a passt forward):
    data sent to it, or with reverse=True (-R) sent by it. (None, why)
    when the client fails."""
    cmd = [iperf3, "-c", host, "-p", str(port), "-t", str(seconds), "-J"]
    if reverse:
        cmd.append("-R")
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           timeout=seconds + 60, check=False)
        data = json.loads(p.stdout)
    except (subprocess.TimeoutExpired, ValueError) as e:
        return None, f"{type(e).__name__}: {e}"
    if p.returncode != 0 or "error" in data:
        return None, data.get("error", f"status {p.returncode}")
    return data["end"]["sum_received"]["bits_per_second"] / 1e6, ""


def iperf3_both(iperf3, port, seconds=5):
    """{"to guest": Mbit/s, "from guest": Mbit/s} (None where one failed,
    with why in "errors") for a bench script."""
    to, err_to = iperf3_mbits(iperf3, port, seconds)
    back, err_back = iperf3_mbits(iperf3, port, seconds, reverse=True)
    return {"to guest": to, "from guest": back,
            "errors": [e for e in (err_to, err_back) if e]}
