#!/usr/bin/env python3
"""Read compiler-style analyzer output (gcc -fanalyzer, clang-tidy) on
stdin, keep the findings in vigil's host code, drop those a justified
suppression covers, print the rest, and exit 1 if any remain.

usage: analyzer-filter.py SUPPRESSIONS ROOT BUILDDIR DIR...

A finding is a line "FILE:LINE:COL: warning|error: MESSAGE [CHECK]" (for
gcc, the last bracket: "[CWE-401] [-Wanalyzer-malloc-leak]"); a relative
FILE is relative to BUILDDIR, where the compiler ran. It counts when FILE
lies under ROOT/DIR for one of the DIRs. Suppressions are
"FILE CHECK SNIPPET" lines, each after a '#' comment that justifies it
(tests/analyzers/README.md): they match a finding of CHECK in FILE whose
source line contains SNIPPET.
"""
import os
import re
import sys

FINDING = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): "
                     r"(?:warning|error): (?P<msg>.*) \[(?P<check>[^\]\s]+)\]$")


def load_suppressions(path):
    entries, justified = [], False
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line:
                justified = False
                continue
            if line.startswith("#"):
                justified = True
                continue
            parts = line.split(None, 2)
            if len(parts) < 3 or not justified:
                sys.exit(f"{path}:{n}: an entry is 'FILE CHECK SNIPPET' "
                         "after a '#' line that justifies it")
            entries.append({"file": parts[0], "check": parts[1],
                            "snippet": parts[2], "where": f"{path}:{n}",
                            "used": 0})
    return entries


def source_line(path, number):
    try:
        with open(path, errors="replace") as f:
            for n, line in enumerate(f, 1):
                if n == number:
                    return line
    except OSError:
        pass
    return ""


def main():
    supp_path, root, build = sys.argv[1], os.path.realpath(sys.argv[2]), \
        os.path.realpath(sys.argv[3])
    dirs = sys.argv[4:]
    entries = load_suppressions(supp_path)
    seen, kept, suppressed = set(), [], 0
    for raw in sys.stdin:
        m = FINDING.match(raw.rstrip("\n"))
        if not m:
            continue
        path = os.path.realpath(os.path.join(build, m["file"]))
        rel = os.path.relpath(path, root)
        if rel.split(os.sep)[0] not in dirs:
            continue
        key = (rel, m["line"], m["col"], m["check"])
        if key in seen:
            continue  # a header's finding, once per file that includes it
        seen.add(key)
        text = source_line(path, int(m["line"]))
        for e in entries:
            if (e["file"] == rel and e["check"] == m["check"] and
                    e["snippet"] in text):
                e["used"] += 1
                suppressed += 1
                break
        else:
            kept.append(f"{rel}:{m['line']}:{m['col']}: {m['msg']} "
                        f"[{m['check']}]")
    for k in kept:
        print(k)
    for e in entries:
        if not e["used"]:
            print(f"note: {e['where']}: suppression matched nothing "
                  f"({e['file']} {e['check']}); drop it if the code changed")
    print(f"{len(seen)} findings, {suppressed} suppressed, "
          f"{len(kept)} remaining")
    return 1 if kept else 0


sys.exit(main())
