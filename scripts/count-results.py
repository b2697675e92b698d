#!/usr/bin/env python3
"""Read meson test results.

  count-results.py LOG.json             prints "passed failed skipped"
  count-results.py --console OUT        the same from meson test's console
                                        output (a run cut short leaves no
                                        JSON log, but its finished tests'
                                        lines)
  count-results.py --unfinished OUT T...  the tests T that have no result
                                        line in the console output OUT
  count-results.py --failures LOG.json  each failed test's "not ok" TAP
                                        lines with the comments after them
                                        (the end of a CI log is often all
                                        that is kept)
"""
import json
import re
import sys

# "12/16 vigil:functional+kvm / blk   OK   30.55s   22 subtests passed"
CONSOLE_LINE = re.compile(r"^\s*\d+/\d+ \S+ / (\S+)\s+([A-Z]+)\b")


def json_records(path):
    with open(path) as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def json_results(path):
    for r in json_records(path):
        yield r.get("name", "").split(" / ")[-1], r.get("result", "")


def print_failures(path, comments=4):
    for r in json_records(path):
        if r.get("result") in ("OK", "EXPECTEDFAIL", "SKIP"):
            continue
        name = r.get("name", "").split(" / ")[-1]
        print(f"{name}: {r.get('result')}")
        shown = 0
        for line in (r.get("stdout") or "").splitlines():
            if line.startswith("not ok"):
                print(f"  {line}")
                shown = comments
            elif shown and line.startswith("#"):
                print(f"  {line}")
                shown -= 1
            else:
                shown = 0


def console_results(path):
    with open(path, errors="replace") as f:
        for line in f:
            m = CONSOLE_LINE.match(line)
            if m:
                yield m.group(1), m.group(2)


def main(argv):
    if argv[0] == "--failures":
        print_failures(argv[1])
        return
    if argv[0] == "--unfinished":
        done = {name for name, _ in console_results(argv[1])}
        print("\n".join(t for t in argv[2:] if t not in done))
        return
    results = (console_results(argv[1]) if argv[0] == "--console"
               else json_results(argv[0]))
    passed = failed = skipped = 0
    for _, result in results:
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
    print(passed, failed, skipped)


main(sys.argv[1:])
