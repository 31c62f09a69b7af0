#!/usr/bin/env python3
"""Print the side-by-side table: every test case, its outcome on each kernel.

Usage: table.py SUMMARY.json...   (one per kernel, in column order; from verdict.py)

A cell is the case's outcome as the test reported it ("pinned", "EFAULT", ...), "skip",
or "pass"; a trailing "!" marks a case that did not match its expectation on that kernel.
Boots of more than one machine (uname -m, as the guest reported it) get a column each,
labelled "MACHINE KIND" (x86_64 base ... aarch64 patched), in the order given.
Rows the series changes (the outcome differs between the last two kernels of a machine: its
control and patched) are marked "*" and come first; within each part the rows are grouped by the client that pins (gup_test's
pin_user_pages*() methods, io_uring, AF_XDP, ...), then the rest (interface checks, gup_race).
"""
import json
import re
import sys

# "[partial: ]CLIENT METHOD ACCESS STORE": the case names of gup_longterm and guest/clients.c.
CASE = re.compile(r"^(?P<partial>partial: )?(?P<method>gup_test (?:slow|fast-only short-term|fast-only|fast)"
                  r"|io_uring|AF_XDP umem|rdma (?:rxe|siw)|vfio type1) (?P<access>R/W|R/O) (?P<store>.+)$")
CLIENTS = [("gup_test", "gup_test: pin_user_pages*() slow path, GUP-fast, fast-only"),
           ("io_uring", "io_uring: registered buffers (pin_user_pages)"),
           ("AF_XDP", "AF_XDP: umem registration (pin_user_pages)"),
           ("rdma", "RDMA: ibv_reg_mr() (rxe: pin_user_pages_fast; siw: pin_user_pages; R/O adds FOLL_FORCE|FOLL_WRITE)"),
           ("vfio", "vfio type1: VFIO_IOMMU_MAP_DMA (pin_user_pages_remote; FOLL_WRITE for R/W only)")]
# The tests whose cases are pins by a client of a backing store (the matrix's cells).
PIN_TESTS = ("gup_longterm", "clients")


def parse(name):
    """(client, method, access, store, partial) of a gup_longterm case name, or None."""
    m = CASE.match(name)
    if not m:
        return None
    method = m.group("method")
    return (method.split()[0], method, m.group("access"), m.group("store"), bool(m.group("partial")))


def client_of(key):
    p = parse(key[1])
    return p[0] if p else None


def cell(case):
    if case is None:
        return "-"
    if case["result"] == "skip":
        return "skip"
    text = case.get("outcome") or "pass"
    return text + ("!" if case["result"] == "fail" else "")


def labels(summaries):
    """Each column's label: its kind, prefixed with its machine when there are several."""
    kinds = [s.get("kind") or "?" for s in summaries]
    machines = [s.get("machine") or "?" for s in summaries]
    if len(set(machines)) <= 1:
        return kinds, [list(range(len(kinds)))]
    groups = [[i for i, m in enumerate(machines) if m == g] for g in dict.fromkeys(machines)]
    return ["%s %s" % (m, k) for m, k in zip(machines, kinds)], groups


def table(summaries):
    kinds, groups_of_columns = labels(summaries)
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
    names = {k: "%s: %s" % k if k[0] != k[1] else k[0] for k in rows}
    w = max([len(n) for n in names.values()] + [4])
    cw = max([len(k) for k in kinds] + [10])
    out = ["  %-*s  %s" % (w, "case", "  ".join("%-*s" % (cw, k) for k in kinds))]
    cells = {k: [cell(d.get(k)) for d in index] for k in rows}
    is_changed = {k: any(len(g) >= 2 and cells[k][g[-1]] != cells[k][g[-2]] for g in groups_of_columns)
                  for k in rows}
    changed = sum(is_changed.values())
    groups = [(c, title) for c, title in CLIENTS] + [(None, "other: interface checks, gup_race")]
    for part, title in ((True, "changed by the series"), (False, "not changed")):
        part_rows = [k for k in rows if is_changed[k] == part]
        if not part_rows:
            continue
        out.append("")
        out.append("  == %s (%d) ==" % (title, len(part_rows)))
        for client, heading in groups:
            g = [k for k in part_rows if client_of(k) == client]
            if not g:
                continue
            out.append("  -- %s --" % heading)
            for k in g:
                out.append("%s %-*s  %s" % ("*" if part else " ", w, names[k],
                                             "  ".join("%-*s" % (cw, c) for c in cells[k])))
    verdicts = ["%s: %s" % (k, "clean" if s.get("ok") else "FAILED") for k, s in zip(kinds, summaries)]
    out.append("")
    pairs = " or ".join("%s and %s" % (kinds[g[-2]], kinds[g[-1]]) if len(g) > 1 else "- and %s" % kinds[g[-1]]
                        for g in groups_of_columns)
    out.append("%d cases; %d changed by the series (*) between %s; %s" % (
        len(rows), changed, pairs, ", ".join(verdicts)))
    return "\n".join(out)


def load(paths):
    """The summaries at paths, or None (after a one-line error) if one is missing."""
    summaries = []
    for p in paths:
        try:
            with open(p) as f:
                summaries.append(json.load(f))
        except FileNotFoundError:
            print("ERROR: %s not found (run the boots first: make vm-test)" % p, file=sys.stderr)
            return None
    return summaries


def main(argv):
    if len(argv) < 2:
        print("usage: table.py SUMMARY.json...", file=sys.stderr)
        return 2
    summaries = load(argv[1:])
    if summaries is None:
        return 1
    print(table(summaries))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
