#!/usr/bin/env python3
"""Linux's virtio_net on vigil over a tap (--net tap): Debian's standard
kernel with the network initramfs, the guest at GUEST_ADDR and the host's
end of the tap at HOST_ADDR, no DHCP. The host pings the guest (ICMP echo
from a raw socket); the guest downloads a 16 MiB file from an HTTP server
the host runs on the tap's address and checks its sha256; the guest serves
a 16 MiB file of its own (busybox httpd) and the host fetches it, checked
against the guest's sha256. Twice: with the tap opened by vigil
(ifname=) and with the tap opened by this test and passed in (fd=N), as a
user without CAP_NET_ADMIN would.

Needs root (a tap) and the tun module; skipped otherwise.

usage: test_linux_tap.py VIGIL STD_BZIMAGE STD_NET_INITRAMFS
"""
import fcntl
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

import linuxrun
import netrun
from linuxrun import results, write_script
from vigiltest import EXIT_POWEROFF, Tap, require_kvm

vigil, kernel, initramfs = sys.argv[1:4]
require_kvm()
tap = Tap()

TAP_IF = "vigiltap0"
HOST_ADDR = "10.77.0.1"
GUEST_ADDR = "10.77.0.2"
SIZE = 16 * netrun.MIB
GUEST_PORT = 8080
TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000

# busybox-static's wget -T segfaults (1.35): timeout(1) bounds it instead.
SCRIPT = """\
ip addr add {guest}/24 dev "$iface" && ip link set "$iface" up
result iface "$iface"
sum=$(timeout 300 wget -q -O - "http://{host}:{port}/host.bin" | sha256sum)
result download "${{sum%% *}}"
mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/guest.bin bs=1M count={mib} 2>/dev/null
sum=$(sha256sum </tmp/www/guest.bin)
result served "${{sum%% *}}"
check httpd httpd -p {guest_port} -h /tmp/www
n=0
until timeout 10 wget -q -O /tmp/done "http://{host}:{port}/done"; do
    n=$((n + 1))
    [ $n -ge 400 ] && break
    sleep 1
done
result host-done "$(cat /tmp/done 2>/dev/null)"
"""


def ip(*args):
    return subprocess.run(["ip"] + list(args), capture_output=True,
                          text=True, check=False)


def make_tap():
    """A persistent tap with HOST_ADDR, up; an error string or None."""
    ip("link", "del", TAP_IF)
    for cmd in (["tuntap", "add", TAP_IF, "mode", "tap"],
                ["addr", "add", f"{HOST_ADDR}/24", "dev", TAP_IF],
                ["link", "set", TAP_IF, "up"]):
        r = ip(*cmd)
        if r.returncode != 0:
            return f"ip {' '.join(cmd)}: {r.stderr.strip()}"
    return None


def open_tap():
    """The tap opened as a caller of --net tap,fd=N would (IFF_NO_PI)."""
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", TAP_IF.encode(),
                                           IFF_TAP | IFF_NO_PI))
    return fd


def checksum(data):
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF


def ping(addr, deadline, alive):
    """ICMP echo to addr until a reply, deadline, or alive() turns false:
    the round trip in ms, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_RAW,
                       socket.IPPROTO_ICMP) as s:
        s.settimeout(1)
        seq = 0
        while time.monotonic() < deadline and alive():
            seq += 1
            body = struct.pack("!BBHHH", 8, 0, 0, 0x7667, seq) + b"vigil" * 8
            packet = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
            t0 = time.monotonic()
            s.sendto(packet, (addr, 0))
            try:
                while True:
                    data, src = s.recvfrom(2048)
                    ihl = (data[0] & 0xF) * 4
                    kind, _, _, ident, rseq = struct.unpack(
                        "!BBHHH", data[ihl:ihl + 8])
                    if (src[0] == addr and kind == 0 and ident == 0x7667
                            and rseq == seq):
                        return (time.monotonic() - t0) * 1000
            except socket.timeout:
                continue
    return None


def run_variant(name, net_spec, tmp, pass_fd=None):
    www = os.path.join(tmp, f"www-{name}")
    os.mkdir(www)
    want = netrun.random_file(os.path.join(www, "host.bin"), SIZE)
    with netrun.HttpServer(www, host=HOST_ADDR) as http:
        script = write_script(
            os.path.join(tmp, f"{name}.sh"),
            netrun.FIND_IFACE + SCRIPT.format(
                guest=GUEST_ADDR, host=HOST_ADDR, port=http.port,
                mib=SIZE // netrun.MIB, guest_port=GUEST_PORT))
        cmd = linuxrun.vigil_cmd(vigil, kernel, initramfs, script) + [
            "--net", net_spec]
        deadline = time.monotonic() + linuxrun.LINUX_TIMEOUT
        fetch = netrun.Fetcher(f"http://{GUEST_ADDR}:{GUEST_PORT}/guest.bin",
                               deadline,
                               on_done=lambda: http.publish("done", b"done\n"))
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                pass_fds=(pass_fd,) if pass_fd else ())
        if pass_fd:
            os.close(pass_fd)
        rtt = ping(GUEST_ADDR, deadline, lambda: proc.poll() is None)
        fetch.start()
        out, _ = proc.communicate(timeout=linuxrun.LINUX_TIMEOUT)
        fetch.join(timeout=30)
    res = results(out)
    tap.ok(proc.returncode == EXIT_POWEROFF and
           "vigil-linux: script status 0" in out,
           f"{name}: the script runs to its end, power-off, status 0",
           out[-1500:])
    tap.ok(rtt is not None, f"{name}: the host pings the guest",
           f"{rtt:.1f} ms" if rtt is not None else "no reply")
    tap.ok(res.get("download") == want,
           f"{name}: the guest downloads the host's 16 MiB file intact",
           f"guest {res.get('download')}, want {want}")
    tap.ok(res.get("httpd") == "0" and fetch.size == SIZE and
           fetch.sha256 == res.get("served"),
           f"{name}: the host fetches the guest's 16 MiB file intact",
           f"host {fetch.sha256} {fetch.size} bytes ({fetch.error}), guest "
           f"{res.get('served')}")
    tap.ok(res.get("host-done") == "done",
           f"{name}: the guest hears from the host that it has fetched",
           f"{res.get('host-done')}")


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP a tap needs root", flush=True)
        return 0
    why = make_tap()
    if why:
        print(f"1..0 # SKIP no tap here: {why}", flush=True)
        return 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run_variant("tap-ifname", f"tap,ifname={TAP_IF}", tmp)
            fd = open_tap()
            run_variant("tap-fd", f"tap,fd={fd}", tmp, pass_fd=fd)
    finally:
        ip("link", "del", TAP_IF)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
