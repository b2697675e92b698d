#!/usr/bin/env python3
"""Debian's two kernels as a user boots them: the standard kernel (bzImage,
the Linux boot protocol) and the cloud kernel (vmlinux through PVH) each
boot to the test initramfs with 1 and 2 vCPUs, bring every vCPU online and
power off (vigil exits 0). The bzImage's RNG is ready when the script
starts, from the seed vigil passes (setup_data SETUP_RNG_SEED): these CPUs
have no RDRAND, and without a seed the first /dev/urandom read waits for
timer jitter, minutes on a loaded nested host. With --rng each kernel's
own virtio_rng driver finds vigil's entropy device (hw_random's current
source) and /dev/hwrng gives bytes, more than one second's rate of them
too (the rate limit makes them wait, it does not drop them). `reboot -f` and a panic with panic=-1 end vigil
with the reset status (4), never a hang: Linux's last-resort reboot on
vigil's ACPI hardware-reduced machine jumps to the reset vector, where a
BIOS would be (lib/layout.h, RESET_VECTOR_ADDR).

usage: test_linux_kernels.py VIGIL STD_BZIMAGE STD_INITRAMFS VMLINUX INITRAMFS
"""
import os
import sys
import tempfile

from linuxrun import boot, results, vigil_cmd, write_script
from vigiltest import EXIT_POWEROFF, EXIT_RESET, Tap, require_kvm

vigil, std_bzimage, std_initramfs, vmlinux, initramfs = sys.argv[1:6]
require_kvm()
tap = Tap()

KERNELS = {
    "standard bzImage": (std_bzimage, std_initramfs),
    "cloud vmlinux (PVH)": (vmlinux, initramfs),
}
CPUS = 'result cpus "$(nproc) $(cat /sys/devices/system/cpu/online)"\n'
# Bits credited to the RNG, and whether it said it was ready, before any
# read of /dev/urandom.
RNG = ('result rng "$(cat /proc/sys/kernel/random/entropy_avail)'
       ' $(dmesg | grep -c "random: crng init done")"\n')
# Before a reboot or a panic, the result goes through the kernel log, which
# the console prints as it is written: the tty's output buffer, where the
# shell's echo goes, is still draining when the kernel stops, and a 2-vCPU
# panic lost the line's tail that way in CI. Level 2, above 'quiet'.
KRESULT = 'kresult() { echo "<2>vigil-result: $*" >/dev/kmsg; }\n'
REBOOT = KRESULT + "kresult rebooting yes\nreboot -f\nresult after yes\n"
PANIC = (KRESULT + "kresult panicking yes\necho c > /proc/sysrq-trigger\n"
         "result after yes\n")


# hw_random's source, and how many bytes two reads of /dev/hwrng return:
# 64 KiB in one, more than the bucket of a 16K-a-second device holds.
HWRNG = """\
result hwrng "$(cat /sys/class/misc/hw_random/rng_current)"
result hwrng-small "$(dd if=/dev/hwrng bs=64 count=4 2>/dev/null | wc -c)"
t0=$(cut -d' ' -f1 /proc/uptime)
result hwrng-large "$(dd if=/dev/hwrng bs=65536 count=1 iflag=fullblock \
    2>/dev/null | wc -c)"
echo "hwrng: 64 KiB from $t0 to $(cut -d' ' -f1 /proc/uptime) s"
"""
RNG_RATE = 16384


def guest(name, kernel, cpus, script, extra=()):
    """Boot kernel with script; (Result, results)."""
    bz, initrd = KERNELS[kernel]
    with tempfile.TemporaryDirectory() as tmp:
        path = write_script(os.path.join(tmp, "script.sh"), script)
        r = boot(vigil_cmd(vigil, bz, initrd, path, cpus=cpus) + list(extra))
    tap.diag(f"{name}: {r.elapsed:.1f} s, status {r.returncode}")
    return r, results(r.stdout)


for kernel in KERNELS:
    for cpus in (1, 2):
        name = f"{kernel}, {cpus} vCPU{'s' if cpus > 1 else ''}"
        r, res = guest(name, kernel, cpus,
                       RNG + CPUS + "result done yes\n")
        tap.ok("vigil-linux: init" in r.stdout and res.get("done") == "yes",
               f"{name}: boots to the initramfs and runs its script",
               r.summary())
        want = f"{cpus} {'0' if cpus == 1 else f'0-{cpus - 1}'}"
        tap.ok(res.get("cpus") == want,
               f"{name}: nproc and cpu/online say {want}",
               f"got {res.get('cpus')!r}")
        if kernel == "standard bzImage":
            tap.ok(res.get("rng") == "256 1",
                   f"{name}: the RNG is seeded and ready at the start",
                   f"entropy_avail, 'crng init done' lines: {res.get('rng')}")
        else:
            tap.diag(f"{name}: entropy_avail, 'crng init done' lines"
                     f" (PVH passes no seed): {res.get('rng')}")
        tap.ok(r.returncode == EXIT_POWEROFF and not r.timed_out,
               f"{name}: power-off ends vigil with status 0", r.summary())

# The entropy device, through each kernel's own driver.
for kernel in KERNELS:
    name = f"{kernel}, --rng"
    r, res = guest(name, kernel, 1, HWRNG,
                   [f"--rng=bytes-per-second={RNG_RATE}"])
    tap.diag("\n".join(l for l in r.stdout.splitlines() if "hwrng:" in l))
    tap.ok(res.get("hwrng", "").startswith("virtio_rng"),
           f"{name}: hw_random's source is virtio_rng",
           f"rng_current: {res.get('hwrng')!r}")
    tap.ok(res.get("hwrng-small") == "256" and
           res.get("hwrng-large") == "65536",
           f"{name}: /dev/hwrng gives 256 bytes, then 64 KiB at"
           f" {RNG_RATE} bytes a second",
           f"got {res.get('hwrng-small')!r}, {res.get('hwrng-large')!r}")
    tap.ok(r.returncode == EXIT_POWEROFF and not r.timed_out,
           f"{name}: power-off ends vigil with status 0", r.summary())

# Both ways a reboot can end: asked for (reboot -f) and after a panic.
for what, kernel, cpus, script in (
        ("reboot -f", "standard bzImage", 2, REBOOT),
        ("reboot -f", "cloud vmlinux (PVH)", 1, REBOOT),
        ("panic", "standard bzImage", 1, PANIC),
        ("panic", "cloud vmlinux (PVH)", 2, PANIC)):
    name = f"{what}, {kernel}, {cpus} vCPU{'s' if cpus > 1 else ''}"
    r, res = guest(name, kernel, cpus, script)
    tap.ok(len(res) == 1 and ("rebooting" in res or "panicking" in res),
           f"{name}: the script gets there, and no further", f"{res}")
    if what == "panic":
        tap.ok("Kernel panic - not syncing: sysrq triggered crash"
               in r.stdout, f"{name}: the kernel panics", r.summary())
    tap.ok(r.returncode == EXIT_RESET and not r.timed_out,
           f"{name}: ends vigil with the reset status {EXIT_RESET}",
           r.summary())

sys.exit(tap.done())
