#!/usr/bin/env python3
"""Keeps docs/secure-coding.md true as the code grows:

- every path it names (`lib/guest_mem.c`, `devices/bus.c:45`) exists (line
  numbers move: only the file is checked);
- every function it names (`gm_read()`) appears as `name(` in a file named
  on the same line, or, on a line naming no file, somewhere in the tree;
- every fuzz target (tests/fuzz/fuzz_*.c) and every hostile-guest scenario
  (guest/hostile/*.c) is mentioned;
- the seccomp rule counts in its table match what test_sandbox prints.

usage: check_secure_coding_doc.py SOURCE_ROOT [TEST_SANDBOX]
"""
import glob
import os
import re
import subprocess
import sys

from vigiltest import Tap

root = sys.argv[1]
sandbox_exe = sys.argv[2] if len(sys.argv) > 2 else None
doc_path = os.path.join(root, "docs", "secure-coding.md")
tap = Tap()

TREE_DIRS = ("lib", "vmm", "devices", "block", "net", "migration", "vhost-user", "tests",
             "scripts", "docs", "guest", "bench")
ROOT_FILES = ("meson.build", "meson_options.txt", "test.sh", "boot.sh",
              ".clang-tidy", "README.md")
SOURCE_EXT = (".c", ".h", ".py", ".sh", ".build")

with open(doc_path) as f:
    doc = f.read()
lines = doc.splitlines()
code_spans = [(n, s) for n, line in enumerate(lines, 1)
              for s in re.findall(r"`([^`]+)`", line)]


def as_path(span):
    """The repository path a code span names, or None."""
    if "NAME" in span or "*" in span:
        return None  # a pattern such as tests/fuzz/corpus/NAME/
    span = re.sub(r":[0-9][0-9,-]*$", "", span)  # devices/bus.c:45
    if span in ROOT_FILES:
        return span
    if re.fullmatch(r"fuzz_\w+\.c", span):
        return os.path.join("tests", "fuzz", span)
    first = span.split("/")[0]
    if "/" in span and first in TREE_DIRS and " " not in span:
        return span.rstrip("/")
    return None


def read(path):
    try:
        with open(os.path.join(root, path), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


# Paths.
missing = sorted({f"{n}: {s}" for n, s in code_spans
                  if as_path(s) and
                  not os.path.exists(os.path.join(root, as_path(s)))})
tap.ok(not missing, "every path the page names exists", "; ".join(missing))

# Functions, against the files named on the same line.
all_sources = [p for d in TREE_DIRS if d != "docs"
               for p in glob.glob(os.path.join(root, d, "**", "*"),
                                  recursive=True)
               if p.endswith(SOURCE_EXT)]
tree_text = None
bad = []
for n, line in enumerate(lines, 1):
    spans = re.findall(r"`([^`]+)`", line)
    files = [as_path(s) for s in spans if as_path(s) and
             as_path(s).endswith(SOURCE_EXT)]
    for s in spans:
        m = re.fullmatch(r"(\w+)\(\)", s)
        if not m:
            continue
        pattern = re.compile(r"\b" + re.escape(m.group(1)) + r"\s*\(")
        if files:
            found = any(pattern.search(read(f)) for f in files)
        else:
            if tree_text is None:
                tree_text = "\n".join(open(p, errors="replace").read()
                                      for p in all_sources)
            found = bool(pattern.search(tree_text))
        if not found:
            where = ", ".join(files) if files else "the tree"
            bad.append(f"line {n}: {s} not in {where}")
tap.ok(not bad, "every function the page names is where it says", "; ".join(bad))

# Coverage of the fuzz targets and the hostile scenarios.
mentioned = {s for _, s in code_spans}
fuzzers = sorted(os.path.basename(p) for p in
                 glob.glob(os.path.join(root, "tests", "fuzz", "fuzz_*.c")))
absent = [f for f in fuzzers if f not in mentioned and
          f"tests/fuzz/{f}" not in mentioned]
tap.ok(not absent, f"all {len(fuzzers)} fuzz targets are on the page",
       "missing: " + ", ".join(absent))

scenarios = sorted(os.path.basename(p)[:-2] for p in
                   glob.glob(os.path.join(root, "guest", "hostile", "*.c"))
                   if os.path.basename(p) not in ("hostile.c", "table.c"))
absent = [s for s in scenarios if s not in mentioned]
tap.ok(not absent, f"all {len(scenarios)} hostile scenarios are on the page",
       "missing: " + ", ".join(absent))

# The seccomp table against the filters themselves.
if not sandbox_exe:
    tap.skip("seccomp rule counts match test_sandbox", "no test_sandbox given")
else:
    out = subprocess.run([sandbox_exe], capture_output=True, text=True).stdout
    if out.startswith("1..0"):
        tap.skip("seccomp rule counts match test_sandbox", out.strip())
    else:
        counts = dict(re.findall(r"(\w+) allow-list: (\d+) rules", out))
        rows = {
            "vcpu": r"^\| vCPU \| (\d+) \|",
            "io": r"^\| I/O \| (\d+) \|",
            # test_sandbox counts the main list with a control socket.
            "main": r"^\| main with `--api-socket` \| (\d+) \|",
        }
        wrong = []
        for thread, pat in rows.items():
            m = re.search(pat, doc, re.M)
            have = m.group(1) if m else None
            if have != counts.get(thread):
                wrong.append(f"{thread}: page {have}, filter "
                             f"{counts.get(thread)}")
        tap.ok(not wrong, "seccomp rule counts match test_sandbox",
               "; ".join(wrong))

sys.exit(tap.done())
