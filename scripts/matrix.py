#!/usr/bin/env python3
"""Draw the proof as a picture: backing store x client/method, one panel per kernel.

Usage: matrix.py OUT.png SUMMARY.json...   (one per kernel, in column order; from verdict.py)

Each cell is one case of gup_longterm or guest/clients.c (see table.py's parse()): its colour and text are the
outcome the test saw on that kernel (pinned, EFAULT, another errno, skip); a case that did not
match its expectation is drawn with "!" and a thick black border, a case the series changes
(the outcome differs between the last two kernels) with "*" in the last panel. Needs gnuplot
(pngcairo). Exit 1 if gnuplot fails or there is no case to draw.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import table  # noqa: E402

# outcome -> (colour, legend): refused pins red, pins green, anything else its own colour
COLOURS = [("pinned", "#4caf50", "pinned"), ("EFAULT", "#e53935", "EFAULT (refused)"),
           ("skip", "#d0d0d0", "skip (no test interface on the base)"),
           ("other", "#ffb300", "another errno (EOPNOTSUPP, EINVAL, ENOMEM)")]
METHOD_SHORT = {"gup_test slow": "slow", "gup_test fast": "fast", "gup_test fast-only": "fast-only",
                "gup_test fast-only short-term": "short-term", "io_uring": "io_uring",
                "AF_XDP umem": "AF_XDP", "rdma rxe": "rxe", "rdma siw": "siw", "vfio type1": "vfio"}


def colour(text):
    for key, c, _ in COLOURS:
        if text == key:
            return c
    return COLOURS[-1][1]


def grid(summaries):
    """columns [(method, access)], rows [store], cells {kind_index: {(col, row): (text, failed)}}"""
    cols, rows, cells = [], [], []
    for s in summaries:
        d = {}
        for t in s["tests"]:
            if t["name"] not in table.PIN_TESTS:
                continue
            for c in t["cases"]:
                p = table.parse(c["name"])
                if not p:
                    continue
                _, method, access, store, partial = p
                col = (method, access)
                row = ("partial: " if partial else "") + store
                if col not in cols:
                    cols.append(col)
                if row not in rows:
                    rows.append(row)
                d[(col, row)] = (table.cell(c).rstrip("!"), c["result"] == "fail")
        cells.append(d)
    order = list(METHOD_SHORT)
    cols.sort(key=lambda c: (c[1] != "R/W", order.index(c[0]) if c[0] in order else len(order)))
    return cols, rows, cells


def main(argv):
    if len(argv) < 3:
        print("usage: matrix.py OUT.png SUMMARY.json...", file=sys.stderr)
        return 2
    png, summaries = argv[1], table.load(argv[2:])
    if summaries is None:
        return 1
    kinds, _ = table.labels(summaries)
    cols, rows, cells = grid(summaries)
    if not cols:
        print("ERROR: no gup_longterm or clients case in %s" % " ".join(argv[2:]), file=sys.stderr)
        return 1
    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as f:
        dat = f.name
        for k, d in enumerate(cells):
            f.write("# kernel %s\n" % kinds[k])
            for x, col in enumerate(cols):
                for y, row in enumerate(rows):
                    text, failed = d.get((col, row), ("-", False))
                    prev = cells[k - 1].get((col, row), ("-", False))[0] if k > 0 else text
                    label = text + ("!" if failed else "") + ("*" if k == len(cells) - 1 and
                                                               k > 0 and prev != text else "")
                    f.write('%d %d 0x%s %d "%s"\n' % (x, len(rows) - 1 - y,
                                                      colour(text)[1:] if text != "-" else "ffffff",
                                                      3 if failed else 1, label))
            f.write("\n\n")
    xtics = ", ".join('"%s %s" %d' % (METHOD_SHORT.get(m, m), a, i) for i, (m, a) in enumerate(cols))
    ytics = ", ".join('"%s" %d' % (r.replace('"', "'"), len(rows) - 1 - i) for i, r in enumerate(rows))
    left, panel_w = 230, 20 + 70 * len(cols)
    width, height = left + panel_w * len(kinds) + 20, 150 + 19 * len(rows)
    gp = ['set terminal pngcairo size %d,%d font ",9"' % (width, height),
          "set output '%s'" % png,
          "set multiplot title 'gup\\_longterm and the real clients: which long-term pins each kernel allows "
          "(a cell: backing store x client/method; * = changed by the series, ! = unexpected)'",
          "set xrange [-0.5:%f]" % (len(cols) - 0.5), "set yrange [-0.5:%f]" % (len(rows) - 0.5),
          "set xtics (%s) rotate by -40 noenhanced scale 0 font ',8'" % xtics,
          "unset key", "set style fill solid 1.0 border lc rgb 'white'",
          "set tmargin at screen %f" % (1 - 65.0 / height), "set bmargin at screen %f" % (80.0 / height)]
    for k, kind in enumerate(kinds):
        gp.append("set title '%s' noenhanced" % kind)
        gp.append("set lmargin at screen %f" % ((left + k * panel_w + 10.0) / width))
        gp.append("set rmargin at screen %f" % ((left + (k + 1) * panel_w - 10.0) / width))
        if k == 0:
            gp.append("set ytics (%s) noenhanced scale 0 font ',8'" % ytics)
        else:
            gp.append("unset ytics")
        gp.append("plot '%s' index %d using 1:2:(0.48):(0.48):3 with boxxyerror fc rgb variable, "
                  "'' index %d using 1:2:5 with labels font ',7' noenhanced" % (dat, k, k))
    gp.append("unset multiplot")
    r = subprocess.run(["gnuplot"], input="\n".join(gp) + "\n", text=True, capture_output=True)
    os.unlink(dat)
    if r.returncode != 0:
        print("ERROR: gnuplot failed: %s" % r.stderr.strip()[:300], file=sys.stderr)
        return 1
    print("matrix: %s (%d stores x %d client/methods, %d kernels; colours: %s)" % (
        png, len(rows), len(cols), len(kinds), ", ".join("%s %s" % (c, l) for _, c, l in COLOURS)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
