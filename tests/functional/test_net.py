#!/usr/bin/env python3
"""vigil's virtio network device (--net), driven by the test guest's own
virtio-net driver (guest/virtio_net.c; QEMU's side is in
test_net_guest.py), with a real peer:

- --net passt: vigil starts Debian's passt (unpacked, binary=); the
  guest's DHCPDISCOVER is answered with the host's address and its ARP
  request for the router with passt's MAC (net_dhcp checks every used
  entry, num_buffers 1 included); the MAC is the slot's default;
- mac= and mtu=9000 reach the guest (net_probe) and passt (its DHCP);
- the device behind a drive, found by device ID;
- nothing reaches the -d guest_errors log in these runs;
- passt missing: vigil refuses to start, naming it; a passt that quits:
  the guest's frames are dropped and counted, vigil runs on.

The nested KVM host has no network: netrun.HostNet gives passt the
interface and default route it needs (see netrun.py).

usage: test_net.py VIGIL GUEST_BIN PASST
"""
import sys
import tempfile

from guestrun import boot_clean, guest_verdict, vigil_cmd
from netrun import GATEWAY, HOST_ADDR, HostNet
from vigiltest import EXIT_ERROR, Tap, kvm_unavailable_reason, run

vigil, guest_bin, passt = sys.argv[1], sys.argv[2], sys.argv[3]
tap = Tap()
TIMEOUT = 120
DHCP = f"net_ip={HOST_ADDR} net_gw={GATEWAY}"
PASST = "passt,binary={passt}"
RUNS = [
    ("--net passt: DHCP offer and ARP reply",
     f"virtio_mmio,net_probe,net_dhcp net_mac=52:54:00:76:67:10 {DHCP}",
     ["--net", PASST]),
    ("--net passt with mac= and mtu=9000",
     f"net_probe,net_dhcp net_mac=52:54:00:12:34:56 {DHCP}",
     ["--net", PASST + ",mac=52:54:00:12:34:56,mtu=9000"]),
    ("--net behind a drive, the second of two",
     f"net_probe,net_dhcp net=1 net_mac=52:54:00:76:67:11 {DHCP}",
     ["--drive", "driver=null-co,size=1M", "--net", PASST, "--net",
      PASST]),
]


def boot(tmp, name, tests, extra):
    boot_clean(tap, vigil, guest_bin, tmp, name, f"tests={tests}",
               [a.format(passt=passt) for a in extra],
               ("virtio-net", "net_dhcp:"), timeout=TIMEOUT)


def refusals():
    r = run(vigil_cmd(vigil, guest_bin, "tests=net_probe",
                      extra=["--net", "passt,binary=/nonexistent/passt"]),
            timeout=TIMEOUT)
    tap.ok(r.returncode == EXIT_ERROR and
           "cannot run /nonexistent/passt: No such file" in r.stderr,
           "vigil: a missing passt is refused, named", r.summary())
    # A "passt" that quits at once: the link is gone before the guest
    # sends; its DHCP finds no peer, and vigil runs on to the guest's end.
    r = run(vigil_cmd(vigil, guest_bin, "tests=net_probe,net_dhcp",
                      extra=["--net", "passt,binary=/bin/true"]),
            timeout=TIMEOUT)
    good, detail = guest_verdict(r, expect_pass=False,
                                 want_tests=["net_probe", "net_dhcp"])
    tap.ok(good and "not ok 2 net_dhcp" in r.stdout and
           "stream: peer closed" in r.stderr,
           "vigil: a passt that quits: the guest's DHCP goes unanswered, "
           "vigil runs on", detail + " " + r.stderr[-300:])


def main():
    reason = kvm_unavailable_reason()
    if reason:
        print(f"1..0 # SKIP {reason}", flush=True)
        return 0
    with HostNet() as net, tempfile.TemporaryDirectory() as tmp:
        if net.passt_addressing:
            for name, _, _ in RUNS:
                tap.skip(f"vigil: {name}", "no default route for passt "
                         f"here ({'; '.join(net.made) or 'not root'})")
        else:
            for name, tests, extra in RUNS:
                boot(tmp, name, tests, extra)
    refusals()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
