#!/usr/bin/env python3
"""Unit tests of the verdict (TAP parser, crash detector), the table and compare.py."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
import verdict  # noqa: E402
import table  # noqa: E402
import matrix  # noqa: E402

TAP = """TAP version 13
# harness: kind=patched kernel=6.1.192
1..2
    TAP version 13
    1..3
    # outcome: pinned
    ok 1 gup_test slow R/W memfd shared
    # changed by the series: yes
    # outcome: EFAULT
    ok 2 gup_test slow R/W ext4 file shared
    ok 3 gup_test slow R/W hugetlb 1G # SKIP no free 1G pages
    # Totals: pass:2 fail:0 xfail:0 xpass:0 skip:1 error:0
# harness: gup_longterm took 41.5s, started at 12.3s of uptime
ok 1 gup_longterm
    1..1
    not ok 1 invariant A: no R/W pin of ext4/xfs shared succeeds
not ok 2 gup_race # exit=1
HARNESS-DONE kind=patched
"""

WARN_LOG = """[    5.1] harness: running gup_longterm
[    5.2] ------------[ cut here ]------------
[    5.3] WARNING: CPU: 1 PID: 77 at mm/gup.c:2460 folio_fast_pin_allowed+0x5a/0x80
[    5.4] Kernel panic - not syncing: panic_on_warn set ...
"""


def write_run(d, tap, console, status="ok"):
    for name, text in (("results.tap", tap), ("console.log", console), ("qemu.status", status)):
        with open(os.path.join(d, name), "w") as f:
            f.write(text)


class ParserTest(unittest.TestCase):
    def test_nested_results_outcomes_and_skips(self):
        tests, token = verdict.parse_tap(TAP)
        self.assertEqual(token, "patched")
        self.assertEqual([t["name"] for t in tests], ["gup_longterm", "gup_race"])
        cases = tests[0]["cases"]
        self.assertEqual([(c["result"], c["outcome"]) for c in cases],
                         [("pass", "pinned"), ("pass", "EFAULT"), ("skip", None)])
        self.assertEqual(cases[2]["reason"], "no free 1G pages")
        self.assertEqual([c["changed"] for c in cases], [False, True, False])
        self.assertEqual(tests[1]["result"], "fail")
        self.assertEqual(tests[1]["cases"][0]["result"], "fail")
        self.assertEqual((tests[0]["seconds"], tests[0]["started"]), (41.5, 12.3))
        self.assertNotIn("seconds", tests[1])

    def test_cases_without_a_result_line_are_a_failed_test(self):
        tests, token = verdict.parse_tap("1..1\n    ok 1 a\n    ok 2 b\n")
        self.assertIsNone(token)
        self.assertEqual(tests[-1]["result"], "fail")

    def test_token_must_not_be_indented(self):
        _, token = verdict.parse_tap("    HARNESS-DONE kind=patched\n")
        self.assertIsNone(token)


class CrashTest(unittest.TestCase):
    def test_markers(self):
        for line in ["WARNING: CPU: 0 PID: 1 at mm/gup.c:1 f+0x1/0x2",
                     "BUG: KASAN: use-after-free in gup_pte_range",
                     "BUG: sleeping function called from invalid context",
                     "WARNING: possible circular locking dependency detected",
                     "general protection fault, probably for non-canonical address",
                     "Kernel panic - not syncing: No working init found",
                     "UBSAN: shift-out-of-bounds in mm/gup.c:10",
                     "rcu: INFO: rcu_sched self-detected stall on CPU",
                     "kernel BUG at mm/filemap.c:1234!",
                     "Oops: 0000 [#1] PREEMPT SMP"]:
            self.assertTrue(verdict.crash_lines(line), line)

    def test_clean_lines(self):
        for line in ["XFS (vdb): Ending clean mount", "harness: running gup_longterm",
                     "EXT4-fs (vda): mounted filesystem with ordered data mode",
                     "# outcome: EFAULT"]:
            self.assertFalse(verdict.crash_lines(line), line)


class VerdictTest(unittest.TestCase):
    def run_verdict(self, tap, console, status="ok"):
        with tempfile.TemporaryDirectory() as d:
            write_run(d, tap, console, status)
            return verdict.verdict(d, "patched")

    def test_clean_run_passes(self):
        ok, reasons, _ = self.run_verdict("1..1\nok 1 t\nHARNESS-DONE kind=patched\n", "boot ok\n")
        self.assertTrue(ok, reasons)

    def test_warning_in_console_fails(self):
        ok, reasons, _ = self.run_verdict("1..1\nok 1 t\nHARNESS-DONE kind=patched\n", WARN_LOG)
        self.assertFalse(ok)
        self.assertIn("WARNING: CPU: 1 PID: 77", "\n".join(reasons))

    def test_missing_token_fails(self):
        ok, reasons, _ = self.run_verdict("1..1\nok 1 t\n", "")
        self.assertFalse(ok)
        self.assertIn("end-of-run token", reasons[0])

    def test_timeout_fails(self):
        ok, reasons, _ = self.run_verdict("", "", "timeout after 20s")
        self.assertFalse(ok)
        self.assertIn("timeout", reasons[0])

    def test_failed_case_fails(self):
        ok, reasons, _ = self.run_verdict(TAP, "")
        self.assertFalse(ok)
        self.assertIn("gup_race", "\n".join(reasons))

    def test_no_results_fails(self):
        ok, _, _ = self.run_verdict("HARNESS-DONE kind=patched\n", "")
        self.assertFalse(ok)

    def test_wrong_kind_fails(self):
        ok, _, _ = self.run_verdict("1..1\nok 1 t\nHARNESS-DONE kind=base\n", "")
        self.assertFalse(ok)


def kcsan_report(title, frames_a, frames_b):
    lines = ["==================================================================",
             "BUG: KCSAN: data-race in " + title, "",
             "write to 0xffff888003f2c818 of 8 bytes by task 60 on cpu 1:"]
    lines += [" %s+0x1c/0x80" % f for f in frames_a]
    lines += ["", "read to 0xffff888003f2c818 of 8 bytes by task 61 on cpu 0:"]
    lines += [" %s+0x2a/0x3c0" % f for f in frames_b]
    lines += ["", "Reported by Kernel Concurrency Sanitizer on:",
              "CPU: 0 PID: 61 Comm: gup_race Not tainted 6.1.192+ #1",
              "=================================================================="]
    return "".join("[   12.%06d] %s\n" % (i, l) for i, l in enumerate(lines))


class KcsanTest(unittest.TestCase):
    """A KCSAN boot: reports through the series' functions fail, the others are listed."""
    OK_TAP = "1..1\nok 1 t\nHARNESS-DONE kind=patched\n"

    def run_kcsan(self, console, funcs="gup_pte_range\nfolio_fast_pin_allowed\n"):
        with tempfile.TemporaryDirectory() as d:
            write_run(d, self.OK_TAP, console)
            path = os.path.join(d, "funcs")
            with open(path, "w") as f:
                f.write(funcs)
            os.environ["KCSAN_FUNCS"] = path
            try:
                return verdict.verdict(d, "patched")
            finally:
                del os.environ["KCSAN_FUNCS"]

    def test_report_through_the_series_fails(self):
        log = kcsan_report("page_cache_delete / gup_pte_range",
                           ["page_cache_delete", "truncate_inode_pages_range"],
                           ["gup_pte_range.constprop.0", "lockless_pages_from_mm"])
        ok, reasons, _ = self.run_kcsan(log)
        self.assertFalse(ok)
        self.assertIn("gup_pte_range", "\n".join(reasons))

    def test_report_in_a_helper_the_series_calls_fails(self):
        # the racing read is in an out-of-line helper called by the series' function
        log = kcsan_report("page_cache_delete / folio_mapping",
                           ["page_cache_delete", "truncate_inode_pages_range"],
                           ["folio_mapping", "folio_fast_pin_allowed", "gup_pte_range"])
        ok, reasons, _ = self.run_kcsan(log)
        self.assertFalse(ok)
        self.assertIn("folio_fast_pin_allowed", "\n".join(reasons))

    def test_report_the_series_only_reaches_through_a_fault_is_listed(self):
        # 6.1's shmem: mapping->nrpages written under the xarray lock, read under
        # info->lock; both tasks fault shmem pages in through GUP's slow path
        fault = ["shmem_get_folio_gfp", "shmem_fault", "__do_fault", "__handle_mm_fault",
                 "handle_mm_fault", "__get_user_pages", "gup_pte_range"]
        log = kcsan_report("shmem_add_to_page_cache.constprop.0 / shmem_recalc_inode",
                           ["shmem_add_to_page_cache.constprop.0"] + fault,
                           ["shmem_recalc_inode"] + fault)
        ok, reasons, s = self.run_kcsan(log, funcs="gup_pte_range\n__get_user_pages\n")
        self.assertTrue(ok, reasons)
        self.assertEqual(s["kcsan_other"],
                         ["data-race in shmem_add_to_page_cache.constprop.0 / shmem_recalc_inode"
                          " (reached through __get_user_pages, gup_pte_range)"])

    def test_report_the_series_is_three_calls_above_is_listed(self):
        log = kcsan_report("a / b", ["a", "b", "c", "gup_pte_range"], ["b", "c"])
        ok, reasons, _ = self.run_kcsan(log)
        self.assertTrue(ok, reasons)
        log = kcsan_report("a / b", ["a", "b", "gup_pte_range"], ["b", "c"])
        ok, reasons, _ = self.run_kcsan(log)
        self.assertFalse(ok)

    def test_report_without_symbols_fails(self):
        # a kernel without KALLSYMS: "0xffff800008120990" frames, which FRAME_RE does not take
        log = kcsan_report("0xffff800008120990", [], [])
        ok, reasons, _ = self.run_kcsan(log)
        self.assertFalse(ok)
        self.assertIn("without symbol names", "\n".join(reasons))

    def test_report_elsewhere_is_listed_not_failed(self):
        log = kcsan_report("ext4_mark_iloc_dirty / ext4_do_update_inode",
                           ["ext4_mark_iloc_dirty"], ["ext4_do_update_inode"])
        ok, reasons, s = self.run_kcsan(log)
        self.assertTrue(ok, reasons)
        self.assertEqual(s["kcsan_other"], ["data-race in ext4_mark_iloc_dirty / ext4_do_update_inode"])

    def test_known_61_race_is_listed_not_failed(self):
        # 6.1's DEBUG_VM check in mm/gup.c (a function the rule counts as the series') races
        # with truncation: listed as known, in either order of the title
        for title, a, b in (("__filemap_remove_folio / sanity_check_pinned_pages",
                             ["__filemap_remove_folio", "filemap_remove_folio"],
                             ["sanity_check_pinned_pages", "unpin_user_pages"]),
                            ("sanity_check_pinned_pages.part.0 / __filemap_remove_folio",
                             ["sanity_check_pinned_pages.part.0", "unpin_user_pages"],
                             ["__filemap_remove_folio", "filemap_remove_folio"])):
            log = kcsan_report(title, a, b)
            ok, reasons, s = self.run_kcsan(
                log, funcs="sanity_check_pinned_pages\nunpin_user_pages\n")
            self.assertTrue(ok, reasons)
            self.assertEqual(len(s["kcsan_known"]), 1)
            self.assertIn("data-race in " + title, s["kcsan_known"][0])
            self.assertEqual(s["kcsan_other"], [])

    def test_known_race_excuses_only_its_pair(self):
        # the same function of mm/gup.c racing with anything else still fails
        log = kcsan_report("page_cache_delete / sanity_check_pinned_pages",
                           ["page_cache_delete"], ["sanity_check_pinned_pages", "unpin_user_pages"])
        ok, reasons, s = self.run_kcsan(log, funcs="sanity_check_pinned_pages\nunpin_user_pages\n")
        self.assertFalse(ok)
        self.assertIn("sanity_check_pinned_pages", "\n".join(reasons))
        self.assertEqual(s["kcsan_known"], [])

    def test_other_crash_still_fails_on_a_kcsan_boot(self):
        ok, reasons, _ = self.run_kcsan(WARN_LOG)
        self.assertFalse(ok)

    def test_without_kcsan_funcs_a_report_is_a_crash(self):
        log = kcsan_report("a / b", ["a"], ["b"])
        with tempfile.TemporaryDirectory() as d:
            write_run(d, self.OK_TAP, log)
            ok, _, _ = verdict.verdict(d, "patched")
        self.assertFalse(ok)


def summary(kind, outcomes, changed=()):
    """A boot's summary: gup_longterm's cases, and guest/clients.c's (names "clients: ...")."""
    tests = []
    for test in ("gup_longterm", "clients"):
        cases = [{"name": n[len("clients: "):] if test == "clients" else n, "result": r, "outcome": o, "reason": "",
                  "changed": n in changed}
                 for n, (r, o) in outcomes.items() if n.startswith("clients: ") == (test == "clients")]
        if cases:
            tests.append({"name": test, "result": "pass", "reason": "", "cases": cases})
    return {"kind": kind, "ok": True, "tests": tests}


# guest/clients.c's rows of shared ext4/xfs mappings, and their outcome on the patched kernel
CLIENT_ROWS = {"clients: %s %s %s file shared" % (c, a, fs): ("EFAULT" if a == "R/W" or c != "vfio type1"
                                                               else "pinned")
               for c in ("rdma rxe", "rdma siw", "vfio type1") for a in ("R/W", "R/O") for fs in ("ext4", "xfs")}
CLIENT_CHANGED = tuple(k for k, v in CLIENT_ROWS.items() if v == "EFAULT")


class CompareTest(unittest.TestCase):
    ROW = "gup_test slow R/W ext4 file shared"
    XDP = "AF_XDP umem R/W ext4 file shared"
    ANON = "gup_test slow R/W private anon"

    def compare(self, base, control, patched, changed=None, args=()):
        changed = (self.ROW, self.XDP) if changed is None else changed
        changed = tuple(changed) + CLIENT_CHANGED
        with tempfile.TemporaryDirectory() as d:
            paths = []
            for kind, s in (("base", base), ("control", control), ("patched", patched)):
                p = os.path.join(d, kind + ".json")
                with open(p, "w") as f:
                    json.dump(summary(kind, s, changed), f)
                paths.append(p)
            r = subprocess.run([sys.executable, os.path.join(HERE, "..", "scripts", "compare.py")] + list(args) + paths,
                               capture_output=True, text=True)
            return r.returncode, r.stdout

    def good(self):
        base = {self.ROW: ("skip", None), self.XDP: ("pass", "pinned"), self.ANON: ("skip", None)}
        control = {self.ROW: ("pass", "pinned"), self.XDP: ("pass", "pinned"), self.ANON: ("pass", "pinned")}
        patched = {self.ROW: ("pass", "EFAULT"), self.XDP: ("pass", "EFAULT"), self.ANON: ("pass", "pinned")}
        for k, v in CLIENT_ROWS.items():
            base[k] = control[k] = ("pass", "pinned")
            patched[k] = ("pass", v)
        return base, control, patched

    def test_expected_change_passes(self):
        rc, out = self.compare(*self.good())
        self.assertEqual(rc, 0, out)

    def test_refusal_not_seen_succeeding_on_control_fails(self):
        base, control, patched = self.good()
        control[self.ROW] = ("pass", "EFAULT")
        rc, out = self.compare(base, control, patched)
        self.assertEqual(rc, 1, out)

    def test_change_outside_the_restricted_rows_fails(self):
        base, control, patched = self.good()
        patched[self.ANON] = ("pass", "EFAULT")
        rc, out = self.compare(base, control, patched)
        self.assertEqual(rc, 1, out)

    def test_skip_on_patched_fails(self):
        base, control, patched = self.good()
        patched[self.ANON] = ("skip", None)
        rc, out = self.compare(base, control, patched)
        self.assertEqual(rc, 1, out)

    def test_hazard_row_not_marked_changed_fails(self):
        rc, out = self.compare(*self.good(), changed=(self.XDP,))
        self.assertEqual(rc, 1, out)

    def test_marked_case_outside_the_hazard_rows_may_change(self):
        base, control, patched = self.good()
        patched[self.ANON] = ("pass", "EFAULT")
        rc, out = self.compare(base, control, patched, changed=(self.ROW, self.XDP, self.ANON))
        self.assertEqual(rc, 0, out)

    def test_rdma_read_only_pin_allowed_on_patched_fails(self):
        base, control, patched = self.good()
        patched["clients: rdma rxe R/O xfs file shared"] = ("pass", "pinned")
        rc, out = self.compare(base, control, patched)
        self.assertEqual(rc, 1, out)
        self.assertIn("not ok 9 rdma rxe: a R/O pin", out)

    def test_vfio_read_only_map_refused_on_patched_fails(self):
        base, control, patched = self.good()
        patched["clients: vfio type1 R/O ext4 file shared"] = ("pass", "EFAULT")
        rc, out = self.compare(base, control, patched)
        self.assertEqual(rc, 1, out)

    def test_real_client_missing_on_base_fails(self):
        base, control, patched = self.good()
        del base["clients: rdma siw R/W ext4 file shared"]
        rc, out = self.compare(base, control, patched)
        self.assertEqual(rc, 1, out)
        self.assertIn("not ok 10 rdma siw: a R/W pin", out)

    def without_clients(self):
        return tuple({k: v for k, v in kind.items() if not k.startswith("clients: ")} for kind in self.good())

    def test_without_clients_reports_their_checks_skipped(self):
        rc, out = self.compare(*self.without_clients(), args=("--without-clients", "arm64"))
        self.assertEqual(rc, 0, out)
        self.assertEqual(out.count("# SKIP arm64"), 3, out)

    def test_missing_clients_without_the_flag_fail(self):
        rc, out = self.compare(*self.without_clients())
        self.assertEqual(rc, 1, out)

    def test_clients_that_ran_despite_the_flag_fail(self):
        rc, out = self.compare(*self.good(), args=("--without-clients", "arm64"))
        self.assertEqual(rc, 1, out)
        self.assertIn("not ok 8 the boots ran no real client", out)

    def test_pin_not_refused_on_patched_fails(self):
        base, control, patched = self.good()
        patched[self.ROW] = ("pass", "pinned")
        rc, out = self.compare(base, control, patched)
        self.assertEqual(rc, 1, out)


class CompareArchsTest(unittest.TestCase):
    ROW = "gup_test slow R/W ext4 file shared"
    ANON = "gup_test fast R/W private anon"

    def good(self):
        return {"base": {self.ROW: ("skip", None), self.ANON: ("skip", None)},
                "control": {self.ROW: ("pass", "pinned"), self.ANON: ("pass", "pinned")},
                "patched": {self.ROW: ("pass", "EFAULT"), self.ANON: ("pass", "pinned")}}

    def run_archs(self, x86, other):
        with tempfile.TemporaryDirectory() as d:
            for arch, runs in (("x86", x86), ("arm64", other)):
                for kind, outcomes in runs.items():
                    os.makedirs(os.path.join(d, arch, kind))
                    with open(os.path.join(d, arch, kind, "summary.json"), "w") as f:
                        json.dump(summary(kind, outcomes), f)
            r = subprocess.run([sys.executable, os.path.join(HERE, "..", "scripts", "compare-archs.py"), "arm64",
                                os.path.join(d, "x86"), os.path.join(d, "arm64")], capture_output=True, text=True)
            return r.returncode, r.stdout

    def test_the_same_outcomes_pass(self):
        rc, out = self.run_archs(self.good(), self.good())
        self.assertEqual(rc, 0, out)

    def test_an_outcome_that_differs_fails(self):
        other = self.good()
        other["patched"][self.ROW] = ("pass", "pinned")
        rc, out = self.run_archs(self.good(), other)
        self.assertEqual(rc, 1, out)
        self.assertIn("not ok 6 patched: every case has the same outcome", out)
        self.assertIn("not ok 7 the series changes the same", out)

    def test_more_cases_on_the_other_architecture_pass(self):
        other = self.good()
        for kind, o in (("base", ("skip", None)), ("control", ("pass", "pinned")), ("patched", ("pass", "pinned"))):
            other[kind]["gup_test slow R/W memfd hugetlb 64kB shared"] = o
        rc, out = self.run_archs(self.good(), other)
        self.assertEqual(rc, 0, out)
        self.assertIn("(and 1 more)", out)

    def test_a_case_missing_on_the_other_architecture_fails(self):
        other = self.good()
        del other["control"][self.ANON]
        rc, out = self.run_archs(self.good(), other)
        self.assertEqual(rc, 1, out)
        self.assertIn("not ok 3 control: arm64 ran every one", out)


class TableTest(unittest.TestCase):
    def test_changed_rows_are_marked(self):
        s1 = summary("control", {"a": ("pass", "pinned"), "b": ("pass", "pinned")})
        s2 = summary("patched", {"a": ("pass", "pinned"), "b": ("fail", "EFAULT")})
        out = table.table([s1, s2])
        lines = out.splitlines()
        self.assertTrue(any(l.startswith("*") and "EFAULT!" in l for l in lines), out)
        self.assertIn("1 changed", out)

    def test_a_column_per_kernel_and_machine_each_machine_compared_on_its_own(self):
        cols = []
        for machine, b in (("x86_64", "pinned"), ("aarch64", "EFAULT")):
            for kind, o in (("control", "pinned"), ("patched", b)):
                cols.append(dict(summary(kind, {"a": ("pass", "pinned"), "b": ("pass", o)}), machine=machine))
        out = table.table(cols)
        self.assertIn("x86_64 control", out)
        self.assertIn("aarch64 patched", out)
        lines = out.splitlines()
        # b changes on aarch64 only (its control and patched), not between x86_64 and aarch64
        self.assertTrue(any(l.startswith("* gup_longterm: b ") for l in lines), out)
        self.assertFalse(any(l.startswith("* gup_longterm: a ") for l in lines), out)
        self.assertIn("1 changed", out)

    def test_changed_rows_lead_grouped_by_client(self):
        rows = ["io_uring R/W anon private", "AF_XDP umem R/W ext4 file shared",
                "gup_test fast R/W anon private", "gup_test slow R/W ext4 file shared"]
        s1 = summary("control", {n: ("pass", "pinned") for n in rows})
        s2 = summary("patched", dict({n: ("pass", "pinned") for n in rows},
                                     **{rows[1]: ("pass", "EFAULT"), rows[3]: ("pass", "EFAULT")}))
        lines = table.table([s1, s2]).splitlines()
        at = [next(i for i, l in enumerate(lines) if n in l) for n in rows]
        # changed (gup_test, then AF_XDP), then unchanged (gup_test, then io_uring)
        self.assertEqual(sorted(at), [at[3], at[1], at[2], at[0]], "\n".join(lines))
        self.assertTrue(lines[at[3]].startswith("*") and lines[at[1]].startswith("*"))
        self.assertFalse(lines[at[2]].startswith("*") or lines[at[0]].startswith("*"))

    def test_case_names_parse_into_client_method_access_store(self):
        self.assertEqual(table.parse("partial: gup_test fast-only R/W ext4 file shared then anon"),
                         ("gup_test", "gup_test fast-only", "R/W", "ext4 file shared then anon", True))
        self.assertEqual(table.parse("AF_XDP umem R/O memfd shared")[:3], ("AF_XDP", "AF_XDP umem", "R/O"))
        self.assertIsNone(table.parse("interface: START with size 0"))


class MatrixTest(unittest.TestCase):
    def test_grid_is_store_by_method_with_rw_first(self):
        s = summary("patched", {"gup_test slow R/O anon private": ("pass", "pinned"),
                                "io_uring R/W ext4 file shared": ("fail", "pinned"),
                                "partial: gup_test fast R/W anon then ext4 file shared": ("pass", "EFAULT"),
                                "interface: START with size 0": ("pass", "EINVAL")})
        cols, rows, cells = matrix.grid([s])
        self.assertEqual(cols, [("gup_test fast", "R/W"), ("io_uring", "R/W"), ("gup_test slow", "R/O")])
        self.assertEqual(rows, ["anon private", "ext4 file shared", "partial: anon then ext4 file shared"])
        self.assertEqual(cells[0][(("io_uring", "R/W"), "ext4 file shared")], ("pinned", True))


def bench_run(d, gets):
    """A benchmark boot: results.tap, every row with the same repeats' get figures (us)."""
    os.makedirs(d)
    lines = ["TAP version 13"]
    for i, name in enumerate(BenchTest.ROWS, 1):
        lines += ["    PIN_FAST_BENCHMARK: Time: get:%d put:10 us" % g for g in gets]
        lines.append("ok %d %s" % (i, name))
    with open(os.path.join(d, "results.tap"), "w") as f:
        f.write("\n".join(lines) + "\n")


class BenchTest(unittest.TestCase):
    # 128 MiB: 32768 pages; under -icount shift=0 get:8192 us is 8192000 instructions, 250 a page
    ROWS = {"anon 4K: PIN_FAST": "/tests/gup_test -a -T -m 128", "shmem 4K: GUP_FAST": "/tests/gup_test -u -m 128"}

    def run_bench(self, *groups):
        """groups: (ARCH, [the get figures of base-1, base-2, patched-1, patched-2])"""
        with tempfile.TemporaryDirectory() as t:
            with open(os.path.join(t, "list"), "w") as f:
                f.write("".join("%s|%s\n" % kv for kv in self.ROWS.items()))
            args = []
            for arch, runs in groups:
                args.append(arch)
                for name, gets in zip(("base-1", "base-2", "patched-1", "patched-2"), runs):
                    args.append(os.path.join(t, arch, name))
                    bench_run(args[-1], gets)
            return subprocess.run([sys.executable, os.path.join(HERE, "..", "scripts", "bench.py"),
                                   os.path.join(t, "bench.png"), os.path.join(t, "list")] + args,
                                  capture_output=True, text=True)

    def test_architectures_side_by_side_with_the_goal(self):
        # The first repeat (first touch) is left out; the minimum of the others counts.
        same = [[9000, 8192, 8195]] * 4
        slower = [[9000, 8192, 8193]] * 2 + [[9000, 8274, 8280]] * 2
        r = self.run_bench(("x86_64", same), ("arm64", slower))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        head, first = r.stdout.splitlines()[:2]
        self.assertEqual(head.split()[4:], ["x86_64", "base", "x86_64", "patched", "ratio",
                                            "arm64", "base", "arm64", "patched", "ratio"])
        self.assertEqual(first.split()[-6:], ["250.00", "250.00", "1.0000", "250.00", "252.50", "1.0100"])
        self.assertIn("goal: every row within 0.5% of the base: NOT MET (largest ratio 1.0100, arm64 ", r.stdout)

    def test_one_architecture_meets_the_goal(self):
        r = self.run_bench(("x86_64", [[9000, 8192]] * 2 + [[9000, 8200]] * 2))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.split("\n")[0].split()[4:], ["base", "patched", "ratio"])
        self.assertIn("goal: every row within 0.5% of the base: met (largest ratio 1.0010", r.stdout)

    def test_a_range_too_small_for_the_clock_fails(self):
        # 200 us over 32768 pages: one microsecond is 0.5% of the row, more than half the goal
        r = self.run_bench(("x86_64", [[300, 200]] * 4))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("TOO COARSE", r.stdout)

    def test_two_boots_of_a_kernel_that_disagree_fail(self):
        # 5 us over 32768 pages: 0.15 instructions a page, above the 0.1 tolerance
        r = self.run_bench(("x86_64", [[9000, 8192], [9000, 8197], [9000, 8192], [9000, 8192]]))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("NOT REPEATABLE", r.stdout)


if __name__ == "__main__":
    unittest.main()
