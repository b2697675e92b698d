#!/usr/bin/env python3
"""Linux's virtio_net over passt: Debian's standard kernel with the network
initramfs (guest/linux/fetch-artefacts.sh: virtio_net, busybox udhcpc with
guest/linux/udhcpc.script) gets its address by DHCP from passt, downloads a
64 MiB file from an HTTP server on the host (through passt's mapping of the
gateway address to the host's loopback) and checks its sha256; then it
serves a 64 MiB file of its own with busybox httpd, and the host fetches it
through a passt port forward (-t HOSTPORT:GUESTPORT) and checks it against
the guest's sha256. The host-side setup passt needs (the nested KVM host has
only lo) is tests/functional/netrun.py's.

Each VMM is a variant that only builds its command line: vigil with
--net passt,forward=tcp:HOSTPORT:GUESTPORT (it starts passt itself), and
QEMU microvm with -device virtio-net-device and -netdev stream to a passt
this test starts.

usage: test_linux_net.py VIGIL STD_BZIMAGE STD_NET_INITRAMFS PASST
"""
import contextlib
import os
import re
import sys
import tempfile
import time

import linuxrun
import netrun
from linuxrun import boot, results, write_script
from vigiltest import EXIT_POWEROFF, Tap, require_kvm

vigil, kernel, initramfs, passt = sys.argv[1:5]
require_kvm()
tap = Tap()

SIZE = 64 * netrun.MIB
GUEST_PORT = 8080
# Seconds the guest waits for the host to have fetched its file.
HOST_FETCH_WAIT = 400

# The guest: DHCP on its one network interface, the download, then its own
# server until the host says (by publishing "done") that it has fetched.
# /proc/uptime times the transfers.
# busybox-static's wget -T segfaults (1.35): timeout(1) bounds it instead.
SCRIPT = """\
result iface "$iface $(readlink -f /sys/class/net/$iface/device/driver)"
check dhcp timeout 120 udhcpc -i "$iface" -n -q -t 10 -T 3
gw=$(ip -4 route show default | awk '{{print $3; exit}}')
result gateway "$gw"
result addr "$(ip -4 -o addr show dev "$iface" | awk '{{print $4; exit}}')"
result resolv "$(awk '/^nameserver/ {{print $2}}' /etc/resolv.conf)"

t0=$(cut -d' ' -f1 /proc/uptime)
sum=$(timeout 300 wget -q -O - "http://$gw:{port}/{name}" | sha256sum)
result download "${{sum%% *}} $t0 $(cut -d' ' -f1 /proc/uptime)"
st=/sys/class/net/$iface/statistics
result rx-errors "$(cat $st/rx_length_errors) $(cat $st/rx_errors) $(cat $st/rx_frame_errors)"

mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/guest.bin bs=1M count={mib} 2>/dev/null
sum=$(sha256sum </tmp/www/guest.bin)
result served "${{sum%% *}}"
check httpd httpd -p {guest_port} -h /tmp/www
n=0
[ -n "$gw" ] || n={wait}
until [ $n -ge {wait} ] || timeout 10 wget -q -O /tmp/done "http://$gw:{port}/done"; do
    n=$((n + 1))
    [ $n -ge {wait} ] && break
    sleep 1
done
result host-done "$(cat /tmp/done 2>/dev/null)"
"""

# passt's report of what it offers by DHCP.
PASST_ASSIGN = re.compile(r"assign: (\S+)")
PASST_ROUTER = re.compile(r"router: (\S+)")


def mbit(nbytes, seconds):
    return nbytes * 8 / 1e6 / seconds if seconds > 0 else 0.0


def vigil_variant(tmp, host_net, host_port, script):
    """vigil, which starts passt itself with the forward: (command, None).
    passt needs the host's default route (HostNet) here: vigil gives it
    no addressing options. The MTU is the one QEMU's guest takes from
    passt's DHCP (QEMU's device offers none), so the two compare."""
    return (linuxrun.vigil_cmd(vigil, kernel, initramfs, script) +
            ["--net", f"passt,binary={passt},mtu={netrun.PASST_MTU},"
             f"forward=tcp:{host_port}:{GUEST_PORT}"], None)


def qemu_variant(tmp, host_net, host_port, script):
    """QEMU microvm with virtio-net-device on a passt this test starts:
    (command, netrun.Passt)."""
    sock = os.path.join(tmp, "passt.sock")
    p = netrun.Passt(passt, sock, forwards=[(host_port, GUEST_PORT)],
                     options=host_net.passt_addressing,
                     log=os.path.join(tmp, "passt.log"))
    cmd = linuxrun.qemu_cmd(kernel, initramfs, script) + [
        "-device", "virtio-net-device,netdev=n0",
        "-netdev", f"stream,id=n0,server=off,addr.type=unix,addr.path={sock}"]
    return cmd, p


def check_run(name, r, res, want_sum, host_fetch, passt_out):
    """The checks of one VMM's run; True when all pass."""
    failed = tap.failed
    tap.diag(f"{name}: {r.elapsed:.1f} s, status {r.returncode}")
    tap.ok(r.returncode == EXIT_POWEROFF and not r.timed_out and
           "vigil-linux: script status 0" in r.stdout,
           f"{name}: the script runs to its end, power-off, status 0",
           r.summary())
    iface = res.get("iface", "").split()
    tap.ok(len(iface) == 2 and iface[1].endswith("/virtio_net"),
           f"{name}: the guest's interface is driven by virtio_net",
           f"{res.get('iface')}")
    tap.ok(res.get("dhcp") == "0" and "vigil-linux: dhcp bound" in r.stdout,
           f"{name}: udhcpc gets a lease and the script configures it",
           f"dhcp {res.get('dhcp')}")
    assign = PASST_ASSIGN.search(passt_out)
    router = PASST_ROUTER.search(passt_out)
    if assign and router:
        tap.ok(res.get("addr", "").split("/")[0] == assign[1] and
               res.get("gateway") == router[1],
               f"{name}: the guest has the address and default route passt"
               " offers", f"addr {res.get('addr')} gateway"
               f" {res.get('gateway')}, passt {assign[1]} {router[1]}")
    else:
        tap.ok(bool(res.get("addr")) and bool(res.get("gateway")),
               f"{name}: the guest has an address and a default route",
               f"addr {res.get('addr')} gateway {res.get('gateway')}")
    down = res.get("download", "").split()
    tap.ok(len(down) == 3 and down[0] == want_sum,
           f"{name}: the guest downloads the host's 64 MiB file intact",
           f"guest {res.get('download')}, want {want_sum}")
    if len(down) == 3:
        tap.diag(f"{name}: host -> guest"
                 f" {mbit(SIZE, float(down[2]) - float(down[1])):.0f} Mbit/s")
    # virtio_net counts a merged frame whose buffers it finds missing,
    # or a used length below a header, as a length error.
    tap.ok(res.get("rx-errors") == "0 0 0",
           f"{name}: the guest's driver took every frame whole"
           " (rx_length_errors, rx_errors, rx_frame_errors)",
           f"{res.get('rx-errors')}")
    tap.ok(res.get("httpd") == "0" and host_fetch.sha256 is not None and
           host_fetch.size == SIZE and host_fetch.sha256 == res.get("served"),
           f"{name}: the host fetches the guest's 64 MiB file through the"
           " port forward intact",
           f"host {host_fetch.sha256} {host_fetch.size} bytes after"
           f" {host_fetch.attempts} tries ({host_fetch.error}),"
           f" guest {res.get('served')}")
    tap.ok(res.get("host-done") == "done",
           f"{name}: the guest hears from the host that it has fetched",
           f"{res.get('host-done')}")
    return tap.failed == failed


def run_variant(name, variant, tmp, host_net):
    """Serve the host's file, start the VMM of variant, fetch the guest's
    file while it runs, check."""
    www = os.path.join(tmp, f"www-{name}")
    os.mkdir(www)
    want_sum = netrun.random_file(os.path.join(www, "host.bin"), SIZE)
    host_port = netrun.free_port()
    with netrun.HttpServer(www) as http:
        script = write_script(
            os.path.join(tmp, f"{name}.sh"),
            netrun.FIND_IFACE +
            SCRIPT.format(port=http.port, name="host.bin",
                          mib=SIZE // netrun.MIB, guest_port=GUEST_PORT,
                          wait=HOST_FETCH_WAIT))
        cmd, p = variant(tmp, host_net, host_port, script)
        with p or contextlib.nullcontext():
            if p and not tap.ok(p.start(), f"{name}: passt starts",
                                p.output()):
                return
            fetch = netrun.Fetcher(
                f"http://127.0.0.1:{host_port}/guest.bin",
                time.monotonic() + linuxrun.LINUX_TIMEOUT,
                on_done=lambda: http.publish("done", b"done\n"))
            fetch.start()
            r = boot(cmd)
            fetch.join(timeout=30)
        passt_out = p.output() if p else ""
        if not check_run(name, r, results(r.stdout), want_sum, fetch,
                         passt_out):
            tap.diag(f"{name}: the guest's console:\n{r.stdout[-6000:]}")
            tap.diag(f"{name}: passt:\n{passt_out[-4000:]}")


with tempfile.TemporaryDirectory() as tmp, netrun.HostNet() as host_net:
    tap.diag(f"host network: {host_net.made or 'unchanged'};"
             f" passt options {host_net.passt_addressing or 'none'}")
    if host_net.passt_addressing:
        tap.skip("vigil", "no default route for the passt vigil starts")
    else:
        run_variant("vigil", vigil_variant, tmp, host_net)
    run_variant("QEMU", qemu_variant, tmp, host_net)

sys.exit(tap.done())
