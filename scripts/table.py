#!/usr/bin/env python3
"""Print the side-by-side table: every test case, its outcome on each kernel.

Usage: table.py SUMMARY.json...   (one per kernel, in column order; from verdict.py)

A cell is the case's outcome as the test reported it ("pinned", "EFAULT", ...), "skip",
or "pass"; a trailing "!" marks a case that did not match its expectation on that kernel.
Rows the series changes (the outcome differs between the last two kernels) are marked "*".
"""
import json
import sys


def cell(case):
    if case is None:
        return "-"
    if case["result"] == "skip":
        return "skip"
    text = case.get("outcome") or "pass"
    return text + ("!" if case["result"] == "fail" else "")


def table(summaries):
    kinds = [s.get("kind") or "?" for s in summaries]
    rows, seen = [], set()
    for s in summaries:
        for t in s["tests"]:
            for c in t["cases"] or [dict(t, outcome=None)]:
                key = (t["name"], c["name"])
                if key not in seen:
                    seen.add(key)
                    rows.append(key)
    index = []
    for s in summaries:
        d = {}
        for t in s["tests"]:
            for c in t["cases"] or [dict(t, outcome=None)]:
                d[(t["name"], c["name"])] = c
        index.append(d)
    names = ["%s: %s" % k if k[0] != k[1] else k[0] for k in rows]
    w = max([len(n) for n in names] + [4])
    cw = max([len(k) for k in kinds] + [10])
    out = ["  %-*s  %s" % (w, "case", "  ".join("%-*s" % (cw, k) for k in kinds))]
    changed = 0
    for key, name in zip(rows, names):
        cells = [cell(d.get(key)) for d in index]
        mark = " "
        if len(cells) >= 2 and cells[-1] != cells[-2]:
            mark = "*"
            changed += 1
        out.append("%s %-*s  %s" % (mark, w, name, "  ".join("%-*s" % (cw, c) for c in cells)))
    verdicts = ["%s: %s" % (k, "clean" if s.get("ok") else "FAILED") for k, s in zip(kinds, summaries)]
    out.append("")
    out.append("%d cases; %d changed by the series (*) between %s and %s; %s" % (
        len(rows), changed, kinds[-2] if len(kinds) > 1 else "-", kinds[-1], ", ".join(verdicts)))
    return "\n".join(out)


def main(argv):
    if len(argv) < 2:
        print("usage: table.py SUMMARY.json...", file=sys.stderr)
        return 2
    summaries = []
    for p in argv[1:]:
        try:
            with open(p) as f:
                summaries.append(json.load(f))
        except FileNotFoundError:
            print("ERROR: %s not found (run the boots first: make vm-test)" % p, file=sys.stderr)
            return 1
    print(table(summaries))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
