"""The JSON every bench/ script writes with --json, and bench/run-all
gathers: per row (a VMM, a backend) and figure, the median of the runs
and their spread, so that a reader can tell a ratio from noise."""
import json
import math
import statistics


def spread(xs):
    """{"median", "min", "max", "runs"} of the measured values; NaNs (a
    figure a run could not get) are left out and counted as missing."""
    good = [x for x in xs if x is not None and not math.isnan(x)]
    out = {"median": statistics.median(good) if good else None,
           "min": min(good) if good else None,
           "max": max(good) if good else None,
           "runs": len(good)}
    if len(good) != len(xs):
        out["missing"] = len(xs) - len(good)
    return out


def median_of(entry):
    """The median of a spread() entry, NaN when there is none."""
    m = entry.get("median") if entry else None
    return float("nan") if m is None else m


def ratio(num, den):
    """The ratio of two spread() entries' medians, NaN when either is
    missing or the denominator is 0."""
    d = median_of(den)
    return median_of(num) / d if d else float("nan")


def finite(x):
    """x, or None where JSON has no number for it (NaN, infinity)."""
    return x if x is not None and math.isfinite(x) else None


def write(path, bench, params, rows, ratios=None, notes=None):
    """Write one script's results: rows is {row: {figure: spread}}, ratios
    {name: value}, notes a list of lines (what was not measured, why)."""
    if not path:
        return
    doc = {"bench": bench, "params": params, "rows": rows,
           "ratios": {k: finite(v) for k, v in (ratios or {}).items()},
           "notes": notes or []}
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True, allow_nan=False,
                  default=str)
        f.write("\n")
