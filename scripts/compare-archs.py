#!/usr/bin/env python3
"""The same proof on two architectures: x86_64's boots against another's (arm64's).

Each architecture's own boots are checked by verdict.py and compare.py. This checks them
against each other, kernel by kernel (base, control, patched), over the tests both ran
(gup_longterm, gup_race; guest/clients.c runs on x86_64 only):
  1. the other architecture ran every case x86_64 ran (it may run more: arm64 has two more
     hugetlb sizes, 64K and 32M, which its own compare.py run checks; they are listed);
  2. every case has the same outcome on both (pinned, EFAULT, another errno; a skip on the
     base, which has no test interface, is a skip on both);
  3. so the series changes the same cases on both: the cases whose outcome differs between
     control and patched are the same set, and not an empty one.
Prints TAP; exit 1 on any failure.

Usage: compare-archs.py NAME X86_DIR OTHER_DIR   (each DIR holds base/, control/, patched/
       with verdict.py's summary.json; NAME names the other architecture)
"""
import json
import os
import sys

TESTS = ("gup_longterm", "gup_race")
KINDS = ("base", "control", "patched")


def cases(path):
    with open(path) as f:
        s = json.load(f)
    out = {}
    for t in s["tests"]:
        if t["name"] not in TESTS:
            continue
        for c in t["cases"] or [t]:
            key = "%s: %s" % (t["name"], c["name"]) if c is not t else t["name"]
            out[key] = "skip" if c["result"] == "skip" else (c.get("outcome") or c["result"])
    return out


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    name, x86, other = argv[1:]
    checks = []
    runs = {}
    for kind in KINDS:
        a, b = (cases(os.path.join(d, kind, "summary.json")) for d in (x86, other))
        runs[kind] = (a, b)
        missing = sorted(set(a) - set(b))
        extra = sorted(set(b) - set(a))
        checks.append((bool(a) and not missing, "%s: %s ran every one of the %d cases x86_64 ran%s"
                       % (kind, name, len(a), " (and %d more)" % len(extra) if extra else ""),
                       "; ".join(["%s not run on %s" % (k, name) for k in missing[:10]] +
                                 (["%s only: %d cases, e.g. %s" % (name, len(extra), extra[0])] if extra else []))))
        diff = sorted(k for k in set(a) & set(b) if a[k] != b[k])
        checks.append((not diff, "%s: every case has the same outcome on %s as on x86_64" % (kind, name),
                       "; ".join("%s: x86_64 %s, %s %s" % (k, a[k], name, b[k]) for k in diff[:10])))
    changed = []
    for i in (0, 1):
        c, p = runs["control"][i], runs["patched"][i]
        changed.append(sorted(k for k in set(c) & set(p) if c[k] != p[k]))
    differ = sorted(set(changed[0]) ^ set(changed[1]))
    # of the cases both ran: the other's own ones are its compare.py run's
    common = set(runs["patched"][0]) & set(runs["patched"][1])
    differ = sorted(k for k in differ if k in common)
    checks.append((bool(changed[0]) and not differ,
                   "the series changes the same %d cases on %s as on x86_64" % (len(changed[0]), name),
                   "; ".join("%s changed on %s only" % (k, "x86_64" if k in changed[0] else name) for k in differ[:10])))
    print("TAP version 13")
    print("1..%d" % len(checks))
    fails = 0
    for i, (ok, desc, detail) in enumerate(checks, 1):
        if detail:
            print("# %s" % detail)
        print("%s %d %s" % ("ok" if ok else "not ok", i, desc))
        fails += not ok
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
