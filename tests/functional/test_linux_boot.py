#!/usr/bin/env python3
"""Linux early boot: Debian's cloud kernel, as an uncompressed vmlinux through
PVH, accepts vigil's boot parameters, e820 map and ACPI tables.

On a host whose KVM runs stock kernels the kernel boots to the initramfs,
which powers off (vigil exits 0). On a software hypervisor (kvm_pvm) the
kernel dies in early boot on an instruction KVM cannot emulate; before that
it must have printed its banner, vigil's e820 map and the ACPI table lines,
and vigil must report the failing instruction and exit with status 6.

usage: test_linux_boot.py VIGIL VMLINUX INITRAMFS
"""
import re
import sys

from vigiltest import (EXIT_POWEROFF, EXIT_VCPU_FATAL, Tap, require_kvm,
                       run)

vigil, vmlinux, initramfs = sys.argv[1:4]
require_kvm()
tap = Tap()

check = run([vigil, "--check-host"])
software = "software hypervisor" in check.stdout

r = run([vigil, "--kernel", vmlinux, "--initrd", initramfs,
         "--memory", "512M",
         "--cmdline", "console=ttyS0 earlyprintk=serial,ttyS0 "
                      "vigil.test=poweroff panic=-1"],
        timeout=600)
out = r.stdout
tap.diag(f"boot took {r.elapsed:.1f} s, status {r.returncode}")

tap.ok("Linux version" in out, "kernel banner", r.summary())
tap.ok(re.search(r"BIOS-e820: \[mem 0x0000000000000000-0x000000000009fbff\] "
                 r"usable", out) is not None, "e820: low RAM below the EBDA")
tap.ok(re.search(r"BIOS-e820: \[mem 0x000000000009fc00-0x00000000000fffff\] "
                 r"reserved", out) is not None, "e820: BIOS area reserved")
tap.ok(re.search(r"BIOS-e820: \[mem 0x0000000000100000-0x000000001fffffff\] "
                 r"usable", out) is not None, "e820: RAM from 1 MiB to 512 MiB")
for table in ("RSDP", "XSDT", "FACP", "DSDT", "APIC"):
    tap.ok(re.search(rf"ACPI: {table} 0x[0-9A-F]+ .*VIGIL", out) is not None,
           f"ACPI: {table} is vigil's")
tap.ok("ACPI Error" not in out and "ACPI BIOS Error" not in out
       and "ACPI Warning" not in out, "no ACPI errors or warnings")
tap.ok(not r.timed_out, "vigil ends by itself")

if software:
    tap.ok(r.returncode == EXIT_VCPU_FATAL, "emulation limit ends vigil "
           "with status 6", r.summary())
    tap.ok("KVM internal error" in r.stderr and
           "instruction bytes at rip:" in r.stderr and
           "rip=" in r.stderr,
           "vigil reports the registers and the instruction", r.stderr)
else:
    tap.ok("vigil-linux: init" in out, "initramfs reached")
    tap.ok(r.returncode == EXIT_POWEROFF, "power-off ends vigil with 0",
           r.summary())

sys.exit(tap.done())
