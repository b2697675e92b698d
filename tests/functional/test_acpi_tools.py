#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check vigil's ACPI tables with ACPICA's own tools (Debian's acpica-tools).

usage: test_acpi_tools.py ACPI_DUMP_TOOL LAYOUT_H

For machines of 1 and 2 vCPUs with 0 and 2 virtio-mmio devices, the tables
written by acpi_dump() (through ACPI_DUMP_TOOL) must:
  - disassemble with `iasl -d` without errors or warnings, and recompile from
    that disassembly to the same bytes (iasl cannot disassemble a bare RSDP,
    so the RSDP is compared with iasl's RSDP template compiled with our
    values instead: iasl computes both checksums itself);
  - load into `acpiexec` (the interpreter inside Linux) without errors, and
    evaluate _HID/_UID/_CRS of COM1 and every virtio device and \\_S5 to the
    values lib/layout.h promises;
  - make ACPICA power off the hardware-reduced way: `sleep 5` writes
    SLP_TYP << 2 | SLP_EN to the sleep control port.
Prints TAP; skips when iasl or acpiexec is missing.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

CONFIGS = [(1, 0), (1, 2), (2, 0), (2, 2)]
TIMEOUT = 60
ACPI_X_SLEEP_ENABLE = 0x20  # SLP_EN in the sleep control register
ACPI_X_SLEEP_TYPE_SHIFT = 2
ACPI_LV_IO = 0x04000000  # acpiexec -x: trace register reads and writes

results = []


def check(ok, what):
    results.append(bool(ok))
    print(f"{'ok' if ok else 'not ok'} {len(results)} - {what}", flush=True)
    return ok


def diag(text):
    for line in text.splitlines():
        print(f"# {line}")


def read_layout(path):
    consts = {}
    with open(path) as f:
        for m in re.finditer(r"#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)u?l*l*\b",
                             f.read()):
            consts[m.group(1)] = int(m.group(2), 0)
    return consts


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                       timeout=TIMEOUT)
    return p.returncode, p.stdout + p.stderr


def tool_problems(output):
    """Lines in which iasl/acpiexec report a problem."""
    bad = re.compile(r"ACPI (Error|Exception|Warning)|\bError\b|Warning\b|"
                     r"Failure|could not", re.I)
    ignore = re.compile(r"\b0 Errors, 0 Warnings\b")
    return [ln for ln in output.splitlines()
            if bad.search(ln) and not ignore.search(ln)]


def check_iasl_roundtrip(d, table):
    rc, out = run(["iasl", "-d", f"{table}.dat"], d)
    problems = tool_problems(out)
    if not check(rc == 0 and not problems and
                 os.path.exists(os.path.join(d, f"{table}.dsl")),
                 f"iasl -d {table}.dat: no errors"):
        diag(out)
        return
    rc, out = run(["iasl", "-p", f"{table}-rt", f"{table}.dsl"], d)
    with open(os.path.join(d, f"{table}.dat"), "rb") as f:
        orig = f.read()
    try:
        with open(os.path.join(d, f"{table}-rt.aml"), "rb") as f:
            again = f.read()
    except OSError:
        again = b""
    # The header's compiler id/revision and checksum are iasl's own.
    check(rc == 0 and "0 Errors, 0 Warnings" in out and
          again[36:] == orig[36:] and len(again) == len(orig),
          f"{table}: iasl recompiles its disassembly to the same bytes")


def check_rsdp(d, consts):
    with open(os.path.join(d, "rsdp.dat"), "rb") as f:
        rsdp = f.read()
    if not check(len(rsdp) == 36 and rsdp[:8] == b"RSD PTR ",
                 "rsdp.dat: a 36-byte RSDP"):
        return
    xsdt = int.from_bytes(rsdp[24:32], "little")
    base = consts["ACPI_TABLES_ADDR"]
    check(base <= xsdt < base + consts["ACPI_TABLES_MAX"],
          f"RSDP XSDT address 0x{xsdt:x} inside the ACPI table area")
    run(["iasl", "-T", "RSDP"], d)
    try:
        with open(os.path.join(d, "rsdp.asl")) as f:
            src = f.read()
    except OSError:
        src = ""
    src = re.sub(r'(Oem ID : )"[^"]*"', r'\1"VIGIL "', src)
    src = re.sub(r"(XSDT Address : )[0-9A-Fa-f]+", rf"\g<1>{xsdt:016X}", src)
    with open(os.path.join(d, "rsdp.asl"), "w") as f:
        f.write(src)
    rc, out = run(["iasl", "-p", "rsdp-iasl", "rsdp.asl"], d)
    try:
        with open(os.path.join(d, "rsdp-iasl.aml"), "rb") as f:
            ref = f.read()
    except OSError:
        ref = b""
    if not check(rc == 0 and ref == rsdp,
                 "RSDP equals iasl's RSDP with the same fields "
                 "(both checksums right)"):
        diag(out)
        diag(f"ours: {rsdp.hex()}\niasl: {ref.hex()}")


def parse_evaluations(output):
    """Map each evaluated path to the text of its result."""
    evals = {}
    for block in re.split(r"^Evaluating ", output, flags=re.M)[1:]:
        name, _, rest = block.partition("\n")
        evals[name.strip()] = rest
    return evals


def result_string(text):
    m = re.search(r'\[String\] Length [0-9A-F]+ = "([^"]*)"', text)
    return m.group(1) if m else None


def result_integers(text):
    return [int(v, 16) for v in re.findall(r"\[Integer\] = ([0-9A-F]+)", text)]


def result_buffer(text):
    if "[Buffer]" not in text:
        return None
    rows = re.findall(r"[0-9A-F]{4}: ((?:[0-9A-F]{2} )+)", text)
    return bytes(int(b, 16) for row in rows for b in row.split())


def eisaid(value):
    """Decode a compressed EISA id (as ACPICA returns it) to "PNP0501"."""
    raw = value.to_bytes(4, "little")
    vendor = raw[0] << 8 | raw[1]
    letters = "".join(chr(0x40 + (vendor >> s & 0x1f)) for s in (10, 5, 0))
    return letters + raw[2:].hex().upper()


def resources(buf):
    """Split a resource template into (type, data) items (ACPI 6.4)."""
    items, i = [], 0
    while buf is not None and i < len(buf):
        tag = buf[i]
        if tag & 0x80:
            n = int.from_bytes(buf[i + 1:i + 3], "little")
            items.append(("large", tag & 0x7f, buf[i + 3:i + 3 + n]))
            i += 3 + n
        else:
            n = tag & 7
            items.append(("small", tag >> 3 & 0xf, buf[i + 1:i + 1 + n]))
            i += 1 + n
    return items


def check_com1(evals, consts):
    hid = result_integers(evals.get("\\_SB.COM1._HID", ""))
    check(hid and eisaid(hid[0]) == "PNP0501", "COM1 _HID is PNP0501")
    check(result_integers(evals.get("\\_SB.COM1._UID", "")) == [0],
          "COM1 _UID is 0")
    res = resources(result_buffer(evals.get("\\_SB.COM1._CRS", "")))
    port, irq = consts["SERIAL_PORT"], consts["SERIAL_IRQ"]
    want = [("small", 0x08, bytes([1]) + port.to_bytes(2, "little") * 2 +
             bytes([0, 8])),
            ("small", 0x04, (1 << irq).to_bytes(2, "little")),
            ("small", 0x0f, bytes([0]))]
    if not check(res == want,
                 f"COM1 _CRS: IO(Decode16, 0x{port:x}, 0x{port:x}, 0, 8) "
                 f"IRQNoFlags {{{irq}}}"):
        diag(f"got {res}")


def check_virtio(evals, consts, i):
    dev = f"\\_SB.VR{i:02d}"
    base = consts["VIRTIO_MMIO_BASE"] + i * consts["VIRTIO_MMIO_SIZE"]
    size = consts["VIRTIO_MMIO_SIZE"]
    gsi = consts["VIRTIO_IRQ_BASE"] + i
    check(result_string(evals.get(f"{dev}._HID", "")) == "LNRO0005",
          f"{dev} _HID is LNRO0005")
    check(result_integers(evals.get(f"{dev}._UID", "")) == [i],
          f"{dev} _UID is {i}")
    check(result_integers(evals.get(f"{dev}._CCA", "")) == [1],
          f"{dev} _CCA is 1")
    res = resources(result_buffer(evals.get(f"{dev}._CRS", "")))
    # Memory32Fixed(ReadWrite, base, size); Interrupt(ResourceConsumer,
    # Edge, ActiveHigh, Exclusive) {gsi}: flags bit 0 consumer, bit 1 edge
    want = [("large", 0x06, bytes([1]) + base.to_bytes(4, "little") +
             size.to_bytes(4, "little")),
            ("large", 0x09, bytes([0x03, 1]) + gsi.to_bytes(4, "little")),
            ("small", 0x0f, bytes([0]))]
    if not check(res == want, f"{dev} _CRS: window 0x{base:x}+0x{size:x}, "
                 f"edge/high interrupt {gsi}"):
        diag(f"got {res}")


def sdt_files(d):
    """The tables acpiexec can load: all but the RSDP, which ACPICA's file
    loader does not support (acpiexec builds its own RSDP)."""
    return sorted(f for f in os.listdir(d)
                  if f.endswith(".dat") and f != "rsdp.dat")


def check_acpiexec(d, consts, nr_virtio):
    tables = sdt_files(d)
    devs = ["\\_SB.COM1"] + [f"\\_SB.VR{i:02d}" for i in range(nr_virtio)]
    cmds = ["evaluate \\_S5"]
    for dev in devs:
        for name in ("_HID", "_UID", "_CRS") + (("_CCA",) if "VR" in dev
                                                 else ()):
            cmds.append(f"evaluate {dev}.{name}")
    rc, out = run(["acpiexec", "-b", "; ".join(cmds)] + tables, d)
    problems = tool_problems(out)
    if not check(rc == 0 and not problems, "acpiexec loads the tables "
                 "without errors"):
        diag("\n".join(problems) or out)
    m = re.search(r"Table \[DSDT: *\w+ *\].* with +(\d+) Devices", out)
    check(m and int(m.group(1)) == 1 + nr_virtio,
          f"DSDT declares {1 + nr_virtio} devices")
    evals = parse_evaluations(out)
    check(result_integers(evals.get("\\_S5", "")) ==
          [consts["ACPI_S5_SLP_TYP"], 0, 0, 0],
          f"\\_S5 is Package {{{consts['ACPI_S5_SLP_TYP']}, 0, 0, 0}}")
    check_com1(evals, consts)
    for i in range(nr_virtio):
        check_virtio(evals, consts, i)


def check_poweroff(d, consts):
    tables = sdt_files(d)
    rc, out = run(["acpiexec", "-x", hex(ACPI_LV_IO), "-b", "sleep 5"] +
                  tables, d)
    value = (consts["ACPI_S5_SLP_TYP"] << ACPI_X_SLEEP_TYPE_SHIFT |
             ACPI_X_SLEEP_ENABLE)
    port = consts["ACPI_SLEEP_CONTROL_PORT"]
    wrote = re.search(rf"Wrote: 0*{value:X} width +8 +to 0*{port:X} "
                      r"\(SystemIO\)", out)
    if not check(rc == 0 and wrote, f"ACPICA's S5 writes 0x{value:x} to the "
                 f"sleep control port 0x{port:x}"):
        diag("\n".join(ln for ln in out.splitlines() if "Wrote" in ln))


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    tool, layout = os.path.abspath(sys.argv[1]), sys.argv[2]
    missing = [t for t in ("iasl", "acpiexec") if not shutil.which(t)]
    if missing:
        print(f"1..0 # SKIP {' and '.join(missing)} not installed "
              "(apt-get install acpica-tools)")
        return 0
    consts = read_layout(layout)
    for cpus, virtio in CONFIGS:
        print(f"# {cpus} vCPUs, {virtio} virtio-mmio devices")
        with tempfile.TemporaryDirectory(prefix="vigil-acpi-") as tmp:
            d = os.path.join(tmp, "tables")
            rc, out = run([tool, d, str(cpus), str(virtio)], tmp)
            if not check(rc == 0, "acpi_dump writes the tables"):
                diag(out)
                continue
            for table in ("xsdt", "facp", "apic", "dsdt"):
                check_iasl_roundtrip(d, table)
            check_rsdp(d, consts)
            check_acpiexec(d, consts, virtio)
            check_poweroff(d, consts)
    print(f"1..{len(results)}")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
