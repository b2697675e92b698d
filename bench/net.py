#!/usr/bin/env python3
"""virtio-net figures for vigil and QEMU microvm, side by side in one run,
both on Debian's passt (the same binary, options and host set-up).

Debian's standard kernel with the network initramfs (Linux's virtio_net,
busybox, Debian's iperf3) gets its address by DHCP, then measures:
  rr       TCP request/response: --rr HTTP GETs of a 1-byte file from a
           server on the host, each on its own connection (connect,
           request, response, close), as a mean per request in ms
  tx, rx   iperf3 throughput guest -> host and host -> guest (-R), one TCP
           stream for --seconds each, in Mbit/s (iperf3's receiver figure)
vigil starts passt itself (--net passt); QEMU connects to a passt this
script starts (-netdev stream), as the test does. Both devices offer the
same MTU (--mtu, default 1500: vigil's mtu=, QEMU's host_mtu=) and passt
tells the guest the same by DHCP (-m): left alone, passt offers 65520,
which only QEMU's device (no MTU feature) lets Linux take. Each VMM runs
--runs times, interleaved; the medians and the vigil/QEMU ratios are
printed.

Needs a /dev/kvm that runs stock kernels; on a machine without one, run it
in the nested KVM host (the build's Linux artefacts built first):
  python3 scripts/nested-kvm.py run -- python3 bench/net.py
Only ratios mean anything there: an emulator runs both VMMs and passt.
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "functional"))

import benchjson  # noqa: E402
import linuxrun  # noqa: E402
import netrun  # noqa: E402

SCRIPT = """\
udhcpc -i "$iface" -n -q -t 10 -T 3 >/dev/null 2>&1 || exit 1
gw=$(ip -4 route show default | awk '{{print $3; exit}}')
t0=$(cut -d' ' -f1 /proc/uptime)
i=0
while [ $i -lt {rr} ]; do
    wget -q -O /dev/null "http://$gw:{http}/tiny" || break
    i=$((i + 1))
done
result rr "$i $t0 $(cut -d' ' -f1 /proc/uptime)"
rate() {{ awk '/receiver/ {{print $7; exit}}'; }}
result tx "$(iperf3 -c "$gw" -p {iperf} -t {seconds} -f m | rate)"
result rx "$(iperf3 -c "$gw" -p {iperf} -t {seconds} -f m -R | rate)"
"""


def figures(res, rr):
    """{'rr': ms, 'tx': Mbit/s, 'rx': Mbit/s} from the script's results,
    or None for a run that did not get that far."""
    try:
        n, t0, t1 = res["rr"].split()
        out = {"rr": (float(t1) - float(t0)) * 1000 / int(n)}
        if int(n) != rr:
            return None
        out["tx"] = float(res["tx"])
        out["rx"] = float(res["rx"])
        return out
    except (KeyError, ValueError, ZeroDivisionError):
        return None


def run_vigil(args, script):
    cmd = linuxrun.vigil_cmd(args.vigil, args.kernel, args.initrd, script)
    return linuxrun.boot(
        cmd + ["--net", f"passt,binary={args.passt},mtu={args.mtu}"])


def run_qemu(args, script, tmp, host_net):
    sock = os.path.join(tmp, "passt.sock")
    with netrun.Passt(args.passt, sock,
                      options=host_net.passt_addressing + ["-m",
                                                           str(args.mtu)],
                      log=os.path.join(tmp, "passt.log")) as p:
        if not p.start():
            return None
        cmd = linuxrun.qemu_cmd(args.kernel, args.initrd, script) + [
            "-device", f"virtio-net-device,netdev=n0,host_mtu={args.mtu}",
            "-netdev",
            f"stream,id=n0,server=off,addr.type=unix,addr.path={sock}"]
        return linuxrun.boot(cmd)


def main():
    build = os.path.join(ROOT, "build")
    linux = os.path.join(build, "guest", "linux")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vigil", default=os.path.join(build, "vigil"))
    ap.add_argument("--kernel", default=os.path.join(linux, "std-bzImage"))
    ap.add_argument("--initrd", default=os.path.join(
        linux, "std-net-initramfs.cpio.gz"))
    ap.add_argument("--passt", default=os.path.join(linux, "passt"))
    ap.add_argument("--iperf3", default=os.path.join(linux, "iperf3"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rr", type=int, default=50)
    ap.add_argument("--mtu", type=int, default=1500)
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--json", help="write the figures here as JSON")
    args = ap.parse_args()
    vmms = ["vigil"] + ([] if args.no_qemu else ["qemu"])
    got = {v: [] for v in vmms}
    with tempfile.TemporaryDirectory() as tmp, \
            netrun.HostNet() as host_net, \
            netrun.HttpServer(tmp) as http:
        if host_net.passt_addressing:
            sys.exit("bench/net.py: passt needs a default route here "
                     f"(root, and the dummy module): {host_net.made}")
        http.publish("tiny", b"x")
        iperf_port = netrun.free_port()
        server = subprocess.Popen(
            [args.iperf3, "-s", "-B", "127.0.0.1", "-p", str(iperf_port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        script = linuxrun.write_script(
            os.path.join(tmp, "net.sh"),
            netrun.FIND_IFACE +
            SCRIPT.format(rr=args.rr, http=http.port, iperf=iperf_port,
                          seconds=args.seconds))
        try:
            for i in range(args.runs):
                for vmm in vmms:
                    r = (run_vigil(args, script) if vmm == "vigil" else
                         run_qemu(args, script, tmp, host_net))
                    f = figures(linuxrun.results(r.stdout), args.rr) \
                        if r else None
                    print(f"run {i + 1} {vmm}: {f or 'failed'}", flush=True)
                    if f:
                        got[vmm].append(f)
                    elif r:
                        print(r.summary()[-2000:], flush=True)
        finally:
            server.terminate()
            server.wait()
    report(got, vmms, args)


FIGURES = (("rr", "TCP req/resp (ms)", "rr_ms"),
           ("tx", "guest->host (Mbit/s)", "tx_mbit_s"),
           ("rx", "host->guest (Mbit/s)", "rx_mbit_s"))


def report(got, vmms, args):
    print(f"\nmedians of {args.runs} runs (rr: {args.rr} requests; tx/rx:"
          f" {args.seconds} s of iperf3; MTU {args.mtu})")
    print(f"{'figure':<22}" + "".join(f"{v:>12}" for v in vmms) +
          ("   vigil/qemu" if len(vmms) == 2 else ""))
    rows = {v: {name: benchjson.spread([f[key] for f in got[v]] +
                                       [float("nan")] *
                                       (args.runs - len(got[v])))
                for key, _, name in FIGURES} for v in vmms}
    ratios = {}
    for key, label, name in FIGURES:
        meds = [rows[v][name]["median"] for v in vmms]
        line = f"{label:<22}" + "".join(
            f"{m:>12.2f}" if m is not None else f"{'-':>12}" for m in meds)
        if len(meds) == 2 and None not in meds and meds[1]:
            ratios[f"vigil/qemu {name}"] = meds[0] / meds[1]
            line += f"   {meds[0] / meds[1]:>9.2f}"
        print(line)
    benchjson.write(args.json, "net",
                    {"runs": args.runs, "rr": args.rr,
                     "seconds": args.seconds, "mtu": args.mtu},
                    {("qemu-microvm" if v == "qemu" else v): r
                     for v, r in rows.items()}, ratios)


if __name__ == "__main__":
    main()
