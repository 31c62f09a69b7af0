#!/usr/bin/env python3
"""Cross-kernel assertions over the boots' summaries (base, control, patched).

The control kernel is the base plus the test interface only, so:
  1. every case passes its own expectation on each kernel (verdict.py checks that);
  2. the series changes exactly the cases the test marks as changed by it ("# changed by the
     series: yes": its expectation with and without the restriction differ), among them every
     long-term R/W pin of a shared ext4/xfs file mapping; every other case has the same
     outcome on control and patched;
  3. every pin the series refuses was seen to succeed on the control kernel, in this run
     (io_uring, which refuses such buffers itself on 6.1, changes only its errno: there the
     control case must have passed its own expectation);
  4. the test interface changes nothing else: every case that ran on the pristine base has
     the same outcome there as on the control kernel;
  5. nothing is skipped on the control and patched kernels: the environment provides every
     backing store (THP, shmem THP, hugetlb 2M and 1G, secretmem, ext4, xfs);
  6. the real clients (guest/clients.c: RDMA rxe and siw, vfio type1) each pin an ext4/xfs
     shared mapping R/W on the pristine base and are refused on the patched kernel; a R/O pin
     of one is refused for RDMA (6.1 pins it with FOLL_WRITE | FOLL_FORCE) and allowed for vfio.
Prints TAP; exit 1 on any failure.

Usage: compare.py [--without-clients WHY] BASE.json CONTROL.json PATCHED.json
  --without-clients WHY   the boots did not run guest/clients.c (arm64: it links x86_64's
                          static libibverbs): check 6 is reported skipped, with WHY, and a
                          clients case in any summary is a failure
"""
import json
import re
import sys

# The rows of the hazard itself: every long-term method, R/W, a whole shared ext4/xfs mapping
# (with small pages, and with MADV_HUGEPAGE: PMD-mapped large folios on xfs).
REFUSED_ROW = re.compile(r"^(gup_longterm|clients): (gup_test (slow|fast|fast-only)|io_uring|AF_XDP umem"
                         r"|rdma rxe|rdma siw|vfio type1) R/W (ext4|xfs) file (THP )?shared$")
# The tests whose cases are long-term pins (gup_longterm; guest/clients.c: RDMA and vfio).
PIN_TESTS = ("gup_longterm: ", "clients: ")
# The real clients of guest/clients.c and what 6.1 gives them for a read-only pin of a shared
# ext4/xfs mapping: RDMA pins it with FOLL_WRITE | FOLL_FORCE (ib_umem_get(), siw_umem_get()),
# so the series refuses it; vfio without FOLL_WRITE (vaddr_get_pfns()), so it stays allowed.
REAL_CLIENTS = {"rdma rxe": "EFAULT", "rdma siw": "EFAULT", "vfio type1": "pinned"}


def cases(summary):
    out = {}
    for t in summary["tests"]:
        for c in t["cases"]:
            out["%s: %s" % (t["name"], c["name"])] = c
    return out


def main(argv):
    without = None
    if len(argv) > 2 and argv[1] == "--without-clients":
        without, argv = argv[2], argv[:1] + argv[3:]
    if len(argv) != 4:
        print("usage: compare.py [--without-clients WHY] BASE.json CONTROL.json PATCHED.json", file=sys.stderr)
        return 2
    base, control, patched = (cases(json.load(open(p))) for p in argv[1:])
    checks = []

    def check(ok, desc, detail="", skip=None):
        checks.append((ok, desc, detail, skip))

    longterm = {k: v for k, v in patched.items() if k.startswith(PIN_TESTS)}
    refused = sorted(k for k in longterm if longterm[k].get("changed"))
    hazard = sorted(k for k in longterm if REFUSED_ROW.search(k))
    unmarked = [k for k in hazard if k not in refused]
    check(len(hazard) > 0 and not unmarked,
          "the patched run has long-term R/W pin cases of ext4/xfs shared mappings, each marked as "
          "changed by the series", "%d cases, %d marked changed in all; unmarked: %s"
          % (len(hazard), len(refused), "; ".join(unmarked[:5]) or "none"))
    changed = sorted(k for k in longterm if k in control and
                     (control[k].get("outcome") != longterm[k].get("outcome")))
    unexpected = [k for k in changed if k not in refused]
    check(not unexpected, "the series changes no outcome outside the cases marked as changed by it",
          "; ".join("%s: %s -> %s" % (k, control[k].get("outcome"), longterm[k].get("outcome"))
                    for k in unexpected[:10]))
    not_refused = [k for k in refused if longterm[k]["result"] == "skip" or longterm[k].get("outcome") == "pinned"]
    check(not not_refused, "every such pin is refused on the patched kernel", "; ".join(not_refused[:10]))
    no_control = []
    for k in refused:
        c = control.get(k)
        if c is None or c["result"] != "pass" or ("io_uring" not in k and c.get("outcome") != "pinned"):
            no_control.append("%s: %s" % (k, c.get("outcome") if c else "missing"))
    check(not no_control, "negative control: every pin the series refuses succeeds on the control kernel",
          "; ".join(no_control[:10]))
    base_diff = [k for k, c in base.items() if c["result"] != "skip" and k in control and
                 control[k].get("outcome") != c.get("outcome")]
    check(not base_diff, "the test interface alone changes no outcome (base vs control)",
          "; ".join(base_diff[:10]))
    skipped = ["%s on %s" % (k, kind) for kind, cs in (("control", control), ("patched", patched))
               for k, c in cs.items() if c["result"] == "skip"]
    check(not skipped, "every case ran on the control and patched kernels (no skip hides a missing feature)",
          "; ".join(skipped[:10]))
    xdp = [k for k in refused if "AF_XDP" in k and base.get(k, {}).get("outcome") == "pinned"]
    check(len(xdp) > 0,
          "negative control on the pristine base: a real in-kernel client (AF_XDP) pins ext4/xfs shared R/W",
          "%d cases" % len(xdp))
    if without is not None:
        ran = sorted(k for cs in (base, control, patched) for k in cs if k.startswith("clients: "))
        check(not ran, "the boots ran no real client, as --without-clients says", "; ".join(ran[:5]))
        for client in sorted(REAL_CLIENTS):
            check(True, "%s: R/W and R/O pins of ext4/xfs shared mappings" % client, skip=without)
    for client, ro in sorted(REAL_CLIENTS.items()) if without is None else ():
        rows = ["clients: %s R/W %s file shared" % (client, fs) for fs in ("ext4", "xfs")]
        missing = [k for k in rows if base.get(k, {}).get("outcome") != "pinned" or
                   patched.get(k, {}).get("outcome") != "EFAULT"]
        check(not missing, "%s: a R/W pin of an ext4/xfs shared mapping succeeds on the pristine base "
              "and is refused (EFAULT) on the patched kernel" % client,
              "; ".join("%s: base %s, patched %s" % (k, base.get(k, {}).get("outcome"),
                                                     patched.get(k, {}).get("outcome")) for k in missing))
        rows = ["clients: %s R/O %s file shared" % (client, fs) for fs in ("ext4", "xfs")]
        wrong = [k for k in rows if patched.get(k, {}).get("outcome") != ro]
        check(not wrong, "%s: a R/O pin of an ext4/xfs shared mapping is %s on the patched kernel (6.1 %s)"
              % (client, "refused" if ro == "EFAULT" else "allowed",
                 "pins it with FOLL_WRITE | FOLL_FORCE" if ro == "EFAULT" else "pins it without FOLL_WRITE"),
              "; ".join("%s: %s" % (k, patched.get(k, {}).get("outcome")) for k in wrong))

    print("TAP version 13")
    print("1..%d" % len(checks))
    fails = 0
    for i, (ok, desc, detail, skip) in enumerate(checks, 1):
        if detail:
            print("# %s" % detail)
        print("%s %d %s%s" % ("ok" if ok else "not ok", i, desc, " # SKIP %s" % skip if skip else ""))
        fails += not ok
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
