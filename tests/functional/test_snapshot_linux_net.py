#!/usr/bin/env python3
"""A snapshot in the middle of a TCP transfer: Debian's standard kernel
with the network initramfs gets its address from passt by DHCP and
downloads a 64 MiB file from an HTTP server on the host. Once the server
has written a quarter of it, vigil saves a snapshot (--paused) and is
killed; the snapshot is restored on the same passt, and the download must
complete with the host file's sha256: what was in flight when vigil died
is sent again by TCP (passt re-sends what the guest has not acknowledged).

passt is the test's own, started without -1: it outlives the first vigil,
keeps its connections, and takes the restored vigil as its next client
(--net passt,socket=PATH on both command lines). The host-side setup passt
needs is tests/functional/netrun.py's.

usage: test_snapshot_linux_net.py VIGIL STD_BZIMAGE STD_NET_INITRAMFS PASST
"""
import os
import signal
import sys
import tempfile
import time

import linuxrun
import netrun
from vigiltest import EXIT_POWEROFF, Tap, read_text as read, require_kvm, run

vigil, kernel, initramfs, passt = sys.argv[1:5]
require_kvm()
tap = Tap()

SIZE = 64 * netrun.MIB
# The snapshot is taken once the server has written this much.
SNAPSHOT_AT = SIZE // 4
# The MTU passt offers by DHCP, on both vigils (a restore needs the same).
NET = "passt,socket={sock},mtu=" + str(netrun.PASST_MTU)

# busybox-static's wget -T segfaults (1.35): timeout(1) bounds it instead.
SCRIPT = """\
check dhcp timeout 120 udhcpc -i "$iface" -n -q -t 10 -T 3
gw=$(ip -4 route show default | awk '{{print $3; exit}}')
result download-start "$gw"
sum=$(timeout 300 wget -q -O - "http://$gw:{port}/host.bin" | sha256sum)
result download "${{sum%% *}}"
"""


def snapshot_mid_transfer(tmp, http, sock, script, outs):
    """Boot, snapshot once SNAPSHOT_AT bytes are sent, kill: the snapshot
    directory, or None when a step failed (said)."""
    api = os.path.join(tmp, "api.sock")
    snap = os.path.join(tmp, "snap")
    cmd = linuxrun.vigil_cmd(vigil, kernel, initramfs, script) + [
        "--net", NET.format(sock=sock)]
    vm = linuxrun.start(cmd, outs[0], api)
    try:
        if not tap.ok(linuxrun.wait_for(lambda: http.bytes_sent() >= SNAPSHOT_AT,
                                 linuxrun.LINUX_TIMEOUT),
                      "the guest gets an address and its download starts",
                      f"{http.bytes_sent()} bytes sent; console:\n"
                      f"{read(outs[0])[-3000:]}"):
            return None
        r = run([vigil, "ctl", api, "snapshot", snap, "--paused"],
                timeout=300)
        sent = http.bytes_sent()
        if not tap.ok(r.returncode == 0, "snapshot in mid-transfer",
                      r.summary()):
            return None
        tap.ok(sent < SIZE, "at the snapshot the server has not written the"
               " whole file", f"{sent} of {SIZE} bytes")
        tap.diag(f"snapshot after {sent} of {SIZE} bytes sent")
        return snap
    finally:
        vm.send_signal(signal.SIGKILL)
        vm.communicate()


with tempfile.TemporaryDirectory() as tmp, netrun.HostNet() as host_net:
    www = os.path.join(tmp, "www")
    os.mkdir(www)
    want = netrun.random_file(os.path.join(www, "host.bin"), SIZE)
    sock = os.path.join(tmp, "passt.sock")
    outs = [os.path.join(tmp, f"console{i}.txt") for i in range(2)]
    with netrun.HttpServer(www) as http, \
            netrun.Passt(passt, sock, options=host_net.passt_addressing,
                         log=os.path.join(tmp, "passt.log"),
                         one_off=False) as p:
        script = linuxrun.write_script(
            os.path.join(tmp, "script"),
            netrun.FIND_IFACE + SCRIPT.format(port=http.port))
        if tap.ok(p.start(), "passt starts", p.output()):
            snap = snapshot_mid_transfer(tmp, http, sock, script, outs)
            if snap:
                t0 = time.monotonic()
                r = run(linuxrun.restore_cmd(vigil, snap, script) +
                        ["--net", NET.format(sock=sock),
                         "--serial", f"file:{outs[1]}"],
                        timeout=linuxrun.LINUX_TIMEOUT)
                tap.diag(f"restored run: {time.monotonic() - t0:.1f} s")
                tap.ok(r.returncode == EXIT_POWEROFF and
                       "vigil-linux: script status 0" in read(outs[1]),
                       "restored, the guest runs its script to the end and"
                       " powers off with 0", r.summary())
        joined = "".join(read(o) for o in outs if os.path.exists(o))
        res = linuxrun.results(joined)
        tap.ok(res.get("download") == want,
               "the download completes across the restore with the host"
               " file's sha256",
               f"guest {res.get('download')}, want {want}; server sent"
               f" {http.bytes_sent()} bytes; console:\n{joined[-3000:]}\n"
               f"passt:\n{p.output()[-3000:]}")

sys.exit(tap.done())
