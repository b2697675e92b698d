#!/usr/bin/env python3
"""The test guest's virtio-net driver on QEMU's microvm, with QEMU's
emulator (TCG: no KVM needed) and its user-mode network (slirp) as the
peer: net_probe, then net_dhcp's DHCPDISCOVER answered by an offer and
its ARP request for the offered router answered by the router's MAC.

QEMU 7.2 writes a received frame's num_buffers only when MRG_RXBUF is
negotiated, so the driver is told (net_num_buffers=unwritten) to accept
the 0 it left there; one run without that shows the driver catches it.
Skipped when qemu-system-x86_64 is missing.

usage: test_net_guest.py GUEST_BIN
"""
import sys

from guestrun import (MODERN, QEMU, QEMU_TCG, guest_verdict,
                      parse_guest_tap, qemu_cmd)
from vigiltest import Tap, run

guest_bin = sys.argv[1]
tap = Tap()
NET_TESTS = "tests=virtio_mmio,net_probe,net_dhcp"
UNWRITTEN = "net_num_buffers=unwritten"


def net_device(options="", netdev=""):
    return ["-netdev", "user,id=n0" + netdev,
            "-device", "virtio-net-device,netdev=n0" + options]


def null_blk():
    return ["-blockdev",
            "driver=null-co,node-name=b0,size=1048576,read-zeroes=on",
            "-device", "virtio-blk-device,drive=b0"]


def boot(cmdline, extra):
    return run(qemu_cmd(guest_bin, cmdline, extra=MODERN + extra,
                        accel=QEMU_TCG), timeout=120)


def passes_with(name, r, lines):
    """The run passed and printed each of @lines."""
    good, detail = guest_verdict(r)
    missing = [l for l in lines if l not in r.stdout.splitlines()]
    tap.ok(good and not missing, name,
           detail if not good else f"missing {missing}")
    if not good or missing:
        tap.diag(r.summary())


def only_num_buffers_caught(r):
    """A QEMU that leaves num_buffers unwritten fails net_dhcp alone, and
    for that reason; one that writes it passes."""
    _, results = parse_guest_tap(r.stdout)
    failed = [(t, rest) for ok, _, t, rest in results if not ok]
    if not failed:
        return guest_verdict(r)
    return (failed == [("net_dhcp", " # DHCP: num_buffers not 1 "
                        "without MRG_RXBUF")],
            f"failed: {failed}")


RUNS = ["qemu tcg: virtio-net on slirp: DHCP offer and ARP reply",
        "qemu tcg: the driver catches QEMU 7.2's unwritten num_buffers",
        "qemu tcg: virtio-net behind virtio-blk, own MAC and network, "
        "MTU 9000, mrg_rxbuf=off"]
if not QEMU:
    for run_name in RUNS:
        tap.skip(run_name, "no qemu-system-x86_64")
    sys.exit(tap.done())

# slirp's defaults: QEMU's MAC, 10.0.2.0/24, gateway and DHCP server .2
# (MAC 52:55 and the address), first address offered .15.
passes_with(RUNS[0], boot(
    f"{NET_TESTS} {UNWRITTEN} net_mac=52:54:00:12:34:56 net_ip=10.0.2.15 "
    "net_gw=10.0.2.2 net_gw_mac=52:55:0a:00:02:02", net_device()),
    ["# net_dhcp: offer 10.0.2.15 from server 10.0.2.2, router 10.0.2.2, "
     "mask 255.255.255.0",
     "# net_dhcp: router 10.0.2.2 is at 52:55:0a:00:02:02"])
good, detail = only_num_buffers_caught(boot(NET_TESTS, net_device()))
tap.ok(good, RUNS[1], detail)
# Found by device ID behind another device; VIRTIO_NET_F_MTU offered, so
# receive buffers of 12 + 14 + 9000 bytes.
passes_with(RUNS[2], boot(
    f"tests=dsdt,net_probe,net_dhcp mmio_devs=2 {UNWRITTEN} "
    "net_mac=52:54:00:ab:cd:ef net_ip=192.168.76.9 net_gw=192.168.76.2",
    null_blk() + net_device(
        ",mac=52:54:00:ab:cd:ef,mrg_rxbuf=off,host_mtu=9000",
        ",net=192.168.76.0/24,dhcpstart=192.168.76.9")),
    ["# net_dhcp: router 192.168.76.2 is at 52:55:c0:a8:4c:02"])
sys.exit(tap.done())
