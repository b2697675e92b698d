#!/usr/bin/env python3
"""Each benchmark under bench/ runs once with tiny sizes, through
bench/run-all --quick, and reports its figures: the scripts keep working
(their command lines for vigil, the floor and QEMU, their parsing of what
the guests print, their JSON) without anyone timing anything here. A
figure a script could not get shows as "nan", "?" or "failed" in its
output or as a missing median in its JSON, and fails the check.

usage: test_bench_smoke.py SOURCE_ROOT BUILD_DIR
"""
import json
import os
import re
import sys
import tempfile

from vigiltest import Tap, require_kvm, run

src, build = sys.argv[1], sys.argv[2]
tap = Tap()
require_kvm()
MISSING = re.compile(r"\bnan\b|(^|\s)\?(\s|$)|\bfailed\b|Traceback")
BENCHES = ["boot", "snapshot", "blk", "linux-blk", "net"]


def missing_figures(doc):
    """Row/figure names whose median is missing, and rows without any."""
    bad = [f"{row}/{fig}" for row, figs in doc.get("rows", {}).items()
           for fig, e in figs.items() if e.get("median") is None]
    return bad + ([] if doc.get("rows") else ["no rows"])


with tempfile.TemporaryDirectory() as out:
    r = run([sys.executable, os.path.join(src, "bench", "run-all"),
             "--quick", "--only", ",".join(BENCHES), "--build", build,
             "--out", out], timeout=1500)
    tap.ok(r.returncode == 0 and not r.timed_out,
           "bench/run-all --quick: every benchmark ran", r.summary())
    for name in BENCHES:
        path = os.path.join(out, f"{name}.json")
        text_path = os.path.join(out, f"{name}.txt")
        doc = json.load(open(path)) if os.path.exists(path) else {}
        text = open(text_path).read() if os.path.exists(text_path) else ""
        bad = [l for l in text.splitlines() if MISSING.search(l)]
        lost = missing_figures(doc)
        tap.ok(doc and not bad and not lost,
               f"bench/{name}: prints and writes every figure",
               f"missing in output: {bad[:3]}; in JSON: {lost[:5]}\n"
               f"{text[-2000:]}")
    results = os.path.join(out, "results.json")
    merged = json.load(open(results)) if os.path.exists(results) else {}
    tap.ok(sorted(merged.get("benches", {})) == sorted(BENCHES),
           "bench/run-all: results.json gathers every benchmark",
           f"{sorted(merged.get('benches', {}))}")
sys.exit(tap.done())
