#!/usr/bin/env python3
"""Compares two sigprop JSON outputs number by number (docs/theory.md
"Performance": the JSON golden may be regenerated only if every changed number
differs by at most 1e-14 relative). Strings must match, except the metadata's
"git" and "build" (the commit and optional parts that built the binary).

Usage: scripts/json_rel_diff.py OLD NEW [TOL]   (default TOL 1e-14)
  -> prints the numbers compared, how many changed, the largest relative
     difference and where; exit 1 if it exceeds TOL or the structures differ.
"""
import json
import math
import sys


def walk(a, b, path, acc):
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            acc["bad"].append(f"{path}: keys differ")
        for k in a:
            if k in b and k not in ("git", "build"):
                walk(a[k], b[k], f"{path}.{k}", acc)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            acc["bad"].append(f"{path}: lengths differ")
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, f"{path}[{i}]", acc)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        acc["n"] += 1
        if a != b and not (math.isnan(a) and math.isnan(b)):
            acc["changed"] += 1
            rel = abs(a - b) / max(abs(a), abs(b))
            if rel > acc["max"]:
                acc["max"], acc["where"] = rel, f"{path}: {a!r} -> {b!r}"
    elif a != b:
        acc["bad"].append(f"{path}: {a!r} != {b!r}")


def main():
    old, new = (json.load(open(f)) for f in sys.argv[1:3])
    tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-14
    acc = {"n": 0, "changed": 0, "max": 0.0, "where": "", "bad": []}
    walk(old, new, "$", acc)
    print(f"{acc['n']} numbers, {acc['changed']} changed, max relative difference "
          f"{acc['max']:.3g} (tolerance {tol:g}){': ' + acc['where'] if acc['where'] else ''}")
    for b in acc["bad"]:
        print("structure:", b)
    sys.exit(1 if acc["bad"] or acc["max"] > tol else 0)


if __name__ == "__main__":
    main()
