#!/usr/bin/env python3
"""The console on a terminal: raw mode while the guest runs, the terminal
restored on every exit path (signals and the Ctrl-a x escape included).

usage: test_console.py VIGIL GUEST_IMAGE
"""
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time

from vigiltest import Tap, require_kvm

vigil, guest = sys.argv[1], sys.argv[2]
require_kvm()
tap = Tap()

# A guest that keeps running until it is stopped: a very long pio_bench.
LONG_RUN = "tests=pio_bench pio_count=1000000000 timeout=600"


def read_until(fd, needle, timeout):
    buf = b""
    end = time.monotonic() + timeout
    while needle not in buf and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    return buf


def run_on_pty(stop):
    """Boot on a pty, stop with stop(proc, master); return the results."""
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    proc = subprocess.Popen([vigil, "--kernel", guest, "--cmdline", LONG_RUN],
                            stdin=slave, stdout=slave, stderr=subprocess.PIPE)
    started = b"vigil-test-guest: start" in read_until(master, b"start", 30)
    during = termios.tcgetattr(slave)
    stop(proc, master)
    try:
        status = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = proc.wait()
    after = termios.tcgetattr(slave)
    os.close(master)
    os.close(slave)
    return started, before, during, after, status


def raw(attrs):
    return not (attrs[3] & (termios.ICANON | termios.ECHO | termios.ISIG))


for name, stop, expect in (
        ("SIGTERM", lambda p, m: p.send_signal(signal.SIGTERM),
         128 + signal.SIGTERM),
        ("SIGINT", lambda p, m: p.send_signal(signal.SIGINT),
         128 + signal.SIGINT),
        ("SIGHUP", lambda p, m: p.send_signal(signal.SIGHUP),
         128 + signal.SIGHUP),
        ("Ctrl-a x", lambda p, m: os.write(m, b"\x01x"),
         128 + signal.SIGINT)):
    started, before, during, after, status = run_on_pty(stop)
    tap.ok(started, f"{name}: guest output reaches the terminal")
    tap.ok(raw(during), f"{name}: terminal in raw mode while the guest runs")
    tap.ok(status == expect, f"{name}: exit status {expect}",
           f"got {status}")
    tap.ok(after == before, f"{name}: terminal settings restored")



def main_thread_cpu_seconds(pid):
    # utime and stime of the main thread (its TID is the PID), in ticks.
    with open(f"/proc/{pid}/task/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# Input the guest never reads, then end of file: the main loop must not
# spin on the pipe's hang-up while the UART is full (a regression).
proc = subprocess.Popen([vigil, "--kernel", guest, "--cmdline", LONG_RUN],
                        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
proc.stdin.write(b"input the guest never reads\n" * 100)
proc.stdin.close()
time.sleep(0.5)
cpu0 = main_thread_cpu_seconds(proc.pid)
time.sleep(2)
cpu = main_thread_cpu_seconds(proc.pid) - cpu0
proc.send_signal(signal.SIGTERM)
status = proc.wait(timeout=30)
tap.ok(cpu < 0.5, "unread input at EOF: main thread stays idle",
       f"{cpu:.2f} s of CPU in 2 s")
tap.ok(status == 128 + signal.SIGTERM, "unread input at EOF: SIGTERM ends it",
       f"got {status}")

sys.exit(tap.done())
