#!/usr/bin/env python3
"""Stage: the verdict of one boot, from its output directory (see scripts/vm.sh).

Fails on: QEMU timeout or error, a missing end-of-run token from the guest, any crash
marker in the console log (the lines are printed), a test that did not pass. Writes
summary.json (every test case with its result and outcome) for the side-by-side table.

Usage: verdict.py OUTDIR [KIND]      exit 0: clean run, every test passed or skipped.

KCSAN_FUNCS=FILE (a KCSAN kernel's boot): FILE lists the functions of the code the series
touches, one a line. A KCSAN report fails the run when one of its racing accesses is made
in one of them or at most two calls below one (ACCESS_DEPTH frames from the top of that
access's stack); the other reports are listed in summary.json ("kcsan_other") and printed,
but do not fail it. A race between two functions KCSAN_KNOWN names (6.1's own races that a
series function's stack meets by chance, each with the reason it is not the series') is listed
as known ("kcsan_known"), not failed.
"""
import json
import os
import re
import sys

# Console lines that mean the kernel is broken, whatever the tests said (after
# syzkaller's report parser, pkg/report/linux.go).
CRASH_PATTERNS = [
    r"BUG:",
    r"WARNING:",
    r"INFO: possible (recursive|circular|irq lock inversion) locking",
    r"INFO: (task .* blocked for more than|rcu_\w+ (self-)?detected stall)",
    r"rcu: INFO: rcu_\w+ (self-)?detected stalls?",
    r"possible (recursive|circular) locking dependency",
    r"inconsistent lock state",
    r"general protection fault",
    r"KASAN:",
    r"UBSAN:",
    r"Kernel panic",
    r"Oops[:\s]",
    r"kernel BUG at",
    r"Unable to handle kernel",
    r"watchdog: BUG: soft lockup",
    r"list_(add|del) corruption",
]
CRASH_RE = re.compile("|".join("(?:%s)" % p for p in CRASH_PATTERNS))
TOKEN_RE = re.compile(r"^HARNESS-DONE kind=(\S+)")
RESULT_RE = re.compile(r"^(not ok|ok)\s+(\d+)\s*(?:-\s*)?(.*?)\s*(?:#\s*(SKIP|TODO|TIMEOUT|exit=\S+)\b\s*(.*))?$")
OUTCOME_RE = re.compile(r"^#\s*outcome:\s*(.+?)\s*$")
# A test marks a case whose expected outcome the restriction changes (gup_longterm: the
# expectation with and without -n differ): compare.py checks the series changes those only.
CHANGED_RE = re.compile(r"^#\s*changed by the series:\s*yes\s*$")
# guest/init times each test: the seconds it took and the guest's uptime when it started
TIME_RE = re.compile(r"^# harness: (\S+) took ([0-9.]+)s, started at ([0-9.]+)s of uptime$")


def crash_lines(text):
    """Lines of a console log that carry a crash marker."""
    return [l.rstrip() for l in text.splitlines() if CRASH_RE.search(l)]


KCSAN_START_RE = re.compile(r"BUG: KCSAN: (.*)")
KCSAN_SEP_RE = re.compile(r"^={20,}$")
PRINTK_TIME_RE = re.compile(r"^\[\s*\d+\.\d+\]\s?")
FRAME_RE = re.compile(r"^\s*([A-Za-z_][\w.]*)\+0x[0-9a-f]+/0x[0-9a-f]+")
# The head of one access's stack: "write to 0x... of 8 bytes by task 76 on cpu 1:",
# "race at unknown origin, with read to ... by interrupt on cpu 0:"
ACCESS_RE = re.compile(r"\bon cpu \d+:$")
# A race is the series' when its access is made in one of the series' functions or in a
# helper at most two calls below one (folio_mapping(), an out-of-line READ_ONCE() user).
# Deeper, the series' function is only a caller into another subsystem: GUP's slow path
# faulting a page in (__get_user_pages -> handle_mm_fault -> shmem_fault -> ... ), whose
# races are that subsystem's, seen on the control kernel as well.
ACCESS_DEPTH = 3
# 6.1's own races that the rule above would take for the series', by the two functions
# KCSAN's title names ("data-race in A / B"), in either order. Each is listed, never failed;
# only this exact pair is excused, so a race of either function with anything else still fails.
KCSAN_KNOWN = {
    # sanity_check_pinned_pages(), a CONFIG_DEBUG_VM check in mm/gup.c that the series does
    # not change (6.1 calls it from unpin_user_page(), unpin_user_pages(),
    # unpin_user_pages_dirty_lock() and lockless_pages_from_mm()), reads folio->mapping
    # (folio_test_anon()) with a plain load while truncation clears it
    # (__filemap_remove_folio() -> page_cache_delete()): gup_race releases its pins while
    # another thread punches a hole in the same hugetlbfs file (remove_inode_single_folio()
    # -> hugetlb_delete_from_page_cache()). The check wants the anon bit only, which is clear
    # before and after the store. Seen on arm64's control kernel, with 6.1's mm/gup.c.
    frozenset(("__filemap_remove_folio", "sanity_check_pinned_pages")):
        "6.1's DEBUG_VM check of pinned pages reads folio->mapping while truncation clears it",
}
KCSAN_TITLE_RE = re.compile(r"^data-race in (\S+) / (\S+)$")


def kcsan_known(title):
    """The reason a report's race is a known one of 6.1 (KCSAN_KNOWN), or None."""
    m = KCSAN_TITLE_RE.match(title)
    if not m:
        return None
    return KCSAN_KNOWN.get(frozenset(f.split(".")[0] for f in m.groups()))


def kcsan_reports(text):
    """(reports, other lines): each KCSAN report as {title, frames, accesses} (accesses:
    the frames of each racing access's stack, top first; frames: all of them), and the
    console without the reports' lines (so that their "BUG:" is not taken for a crash)."""
    reports, rest, cur = [], [], None
    for raw in text.splitlines():
        line = PRINTK_TIME_RE.sub("", raw.rstrip())
        m = KCSAN_START_RE.search(line)
        if m:
            cur = {"title": m.group(1), "frames": [], "accesses": []}
            reports.append(cur)
            continue
        if cur is not None:
            if KCSAN_SEP_RE.match(line):
                cur = None
                continue
            if ACCESS_RE.search(line):
                cur["accesses"].append([])
                continue
            f = FRAME_RE.match(line)
            if f:
                name = f.group(1).split(".")[0]
                cur["frames"].append(name)
                if cur["accesses"]:
                    cur["accesses"][-1].append(name)
            continue
        rest.append(raw)
    return reports, "\n".join(rest)


def parse_tap(text):
    """Parse the guest's nested TAP: top-level tests, each with its (indented) subtest cases.

    Returns (tests, token_kind): tests is a list of dicts {name, result, reason, cases},
    a case is {name, result ("pass"/"fail"/"skip"), outcome, changed, reason}: changed is
    True when the test marked the case as one the series changes; token_kind is the
    kind named by the end-of-run token, or None when the token is missing.
    """
    tests, pending, outcome, changed, token, timing = [], [], None, False, None, None
    for raw in text.splitlines():
        raw = raw.rstrip("\r\n")
        indented = raw.startswith("    ")
        line = raw.strip()
        if not indented:
            m = TOKEN_RE.match(line)
            if m:
                token = m.group(1)
                continue
            m = TIME_RE.match(line)
            if m:
                timing = {"seconds": float(m.group(2)), "started": float(m.group(3))}
                continue
        m = OUTCOME_RE.match(line)
        if m and indented:
            outcome = m.group(1)
            continue
        if indented and CHANGED_RE.match(line):
            changed = True
            continue
        m = RESULT_RE.match(line)
        if not m:
            continue
        ok, _num, desc, directive, why = m.groups()
        if directive == "SKIP":
            result = "skip"
        elif ok == "ok":
            result = "pass"
        else:
            result = "fail"
        if indented:
            pending.append({"name": desc, "result": result, "outcome": outcome,
                            "changed": changed, "reason": (why or directive or "").strip()})
            outcome, changed = None, False
        else:
            tests.append({"name": desc, "result": result,
                          "reason": " ".join(x for x in (directive, why) if x).strip(),
                          "cases": pending})
            if timing:
                tests[-1].update(timing)
            pending, timing = [], None
    if pending:  # cases printed by a test whose result line never came (crash, hang)
        tests.append({"name": "(unfinished test)", "result": "fail",
                      "reason": "no result line", "cases": pending})
    return tests, token


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def verdict(outdir, kind=None):
    """Return (ok, reasons, summary) for one boot's output directory."""
    reasons = []
    status = read(os.path.join(outdir, "qemu.status")).strip() or "no qemu.status"
    if status != "ok":
        reasons.append("QEMU: " + status)
    results = read(os.path.join(outdir, "results.tap"))
    tests, token = parse_tap(results)
    # the guest's own machine (uname -m, guest/init's header line): table.py's columns
    m = re.search(r"^# harness: kind=\S+ kernel=\S+ machine=(\S+)", results, re.M)
    machine = m.group(1) if m else None
    if token is None:
        reasons.append("the guest never reported its end-of-run token (hang, panic or early exit)")
    elif kind and token != kind:
        reasons.append("the guest reported kind=%s, expected %s" % (token, kind))
    console = read(os.path.join(outdir, "console.log"))
    kcsan_other, kcsan_known_races = [], []
    if os.environ.get("KCSAN_FUNCS"):
        funcs = set(read(os.environ["KCSAN_FUNCS"]).split())
        if not funcs:
            reasons.append("KCSAN_FUNCS: no function names in %s" % os.environ["KCSAN_FUNCS"])
        reports, console = kcsan_reports(console)
        for r in reports:
            # A report without function names (a kernel without KALLSYMS prints addresses)
            # cannot be told apart: it would never match the series' functions.
            if not any(not f.startswith("0x") for f in r["frames"]):
                reasons.append("KCSAN report without symbol names, cannot tell whose code it is in: %s"
                               % r["title"])
                continue
            known = kcsan_known(r["title"])
            if known:
                kcsan_known_races.append("%s: %s" % (r["title"], known))
                continue
            # a report whose access stacks were not recognised is judged by all its frames
            heads = [a[:ACCESS_DEPTH] for a in r["accesses"] if a] or [r["frames"]]
            mine = sorted(set(f for h in heads for f in h) & funcs)
            if mine:
                reasons.append("KCSAN report in code the series touches (%s): %s"
                               % (", ".join(mine), r["title"]))
            else:
                callers = sorted(set(r["frames"]) & funcs)
                kcsan_other.append(r["title"] + (" (reached through %s)" % ", ".join(callers)
                                                 if callers else ""))
    crashes = crash_lines(console)
    if crashes:
        reasons.append("kernel crash markers in console.log:\n    " + "\n    ".join(crashes[:20]))
    if not tests:
        reasons.append("no test results")
    for t in tests:
        if t["result"] == "fail":
            bad = [c["name"] for c in t["cases"] if c["result"] == "fail"]
            reasons.append("test %s failed (%s)%s" % (t["name"], t["reason"] or "not ok",
                           (": " + "; ".join(bad[:10])) if bad else ""))
    summary = {"kind": kind or token, "machine": machine, "ok": not reasons, "reasons": reasons, "tests": tests}
    if os.environ.get("KCSAN_FUNCS"):
        summary["kcsan_other"] = kcsan_other
        summary["kcsan_known"] = kcsan_known_races
    return not reasons, reasons, summary


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: verdict.py OUTDIR [KIND]", file=sys.stderr)
        return 2
    outdir = argv[1]
    kind = argv[2] if len(argv) == 3 else None
    ok, reasons, summary = verdict(outdir, kind)
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    counts = {"pass": 0, "fail": 0, "skip": 0}
    for t in summary["tests"]:
        for c in t["cases"] or [t]:
            counts[c["result"]] += 1
    label = kind or summary["kind"] or "?"
    line = "%s: %d passed, %d failed, %d skipped" % (label, counts["pass"], counts["fail"], counts["skip"])
    for title in summary.get("kcsan_other", []):
        print("  KCSAN report elsewhere (listed, not failed): " + title)
    for title in summary.get("kcsan_known", []):
        print("  KCSAN report of a known 6.1 race (listed, not failed): " + title)
    if ok:
        print("PASS " + line)
        return 0
    print("FAIL %s: %s" % (line, reasons[0].splitlines()[0]))
    for r in reasons:
        print("  - " + r)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
