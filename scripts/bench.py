#!/usr/bin/env python3
"""Parse gup_test benchmark boots and print instructions per pinned page, base vs patched.

Under QEMU -icount shift=0,sleep=off one guest instruction takes one nanosecond of guest
time, so gup_test's "get:N us" is N thousand instructions. Each kernel is booted twice:
each row's minimum must agree between the two boots to 0.1 instruction per page
(the method's repeatability check). Figures are minima over repeats 2..N of both boots:
a timer interrupt inside a measured window only ever adds instructions.

Usage: bench.py OUT.png LIST BASE_RUN1 BASE_RUN2 PATCHED_RUN1 PATCHED_RUN2   (boot directories)
"""
import re
import subprocess
import sys

TIME = re.compile(r"Time: get:(\d+) put:(\d+) us")
RESULT = re.compile(r"^(ok|not ok) \d+ (.*?)(?: # .*)?$")
SIZE = re.compile(r"-m (\d+)")
TOLERANCE = 0.1  # instructions per page


def parse(rundir):
    """{row name: [get_us of each repeat]} from one boot's results.tap (and the list)."""
    rows, pending = {}, []
    with open(rundir + "/results.tap") as f:
        for line in f:
            m = TIME.search(line)
            if m and line.startswith("    "):
                pending.append(int(m.group(1)))
                continue
            m = RESULT.match(line.strip())
            if m and not line.startswith(" "):
                if m.group(1) != "ok" or not pending:
                    raise SystemExit("ERROR: benchmark %r failed or printed no figure in %s" % (m.group(2), rundir))
                rows[m.group(2)] = pending
                pending = []
    if not rows:
        raise SystemExit("ERROR: no benchmark results in %s" % rundir)
    return rows


def pages(cmd_by_name, name):
    mb = int(SIZE.search(cmd_by_name[name]).group(1))
    return mb * 1024 * 1024 // 4096


def main(argv):
    if len(argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    png, listfile, b1, b2, p1, p2 = argv[1:]
    cmds = dict(l.rstrip("\n").split("|", 1) for l in open(listfile) if l.strip())
    runs = [parse(d) for d in (b1, b2, p1, p2)]
    # Repeatability: for every row, the minima of the two boots of a kernel agree to within
    # TOLERANCE instructions per page. (A timer tick that lands inside a measured window adds
    # a few thousand instructions to that one repeat and never removes any: the minimum over
    # repeats is the noise-free figure.)
    status = 0
    spread = raw = 0.0
    for a, b, label in ((runs[0], runs[1], "base"), (runs[2], runs[3], "patched")):
        for k in a:
            per_page = 1000.0 / pages(cmds, k)
            spread = max(spread, abs(min(a[k][1:]) - min(b[k][1:])) * per_page)
            figures = a[k][1:] + b[k][1:]
            raw = max(raw, (max(figures) - min(figures)) * per_page)
    repeat_ok = spread <= TOLERANCE
    names = [n for n in cmds if n in runs[0] and n in runs[2]]
    print("%-40s %12s %12s %8s" % ("instructions per pinned page", "base", "patched", "ratio"))
    data = []
    for n in names:
        npg = pages(cmds, n)
        # The first repeat also pays for first-touch effects in the guest: leave it out.
        base = min(runs[0][n][1:] + runs[1][n][1:]) * 1000.0 / npg
        patched = min(runs[2][n][1:] + runs[3][n][1:]) * 1000.0 / npg
        ratio = patched / base if base else float("nan")
        data.append((n, base, patched, ratio))
        print("%-40s %12.2f %12.2f %8.4f" % (n, base, patched, ratio))
    print("repeatability: minima of two boots of each kernel differ by at most %.3f instructions "
          "per page (limit %.1f): %s; largest raw spread of a single repeat %.3f (timer ticks)" % (
              spread, TOLERANCE, "ok" if repeat_ok else "NOT REPEATABLE", raw))
    if not repeat_ok:
        status = 1
    with open(png + ".dat", "w") as f:
        for i, (n, base, patched, ratio) in enumerate(data):
            f.write('%d "%s" %.3f %.3f %.5f\n' % (i, n.replace("LONGTERM+WRITE", "LT+W"), base, patched, ratio))
    gp = """set terminal pngcairo size 1100,600 font ",10"
set output '%s'
set title 'gup\\_test: instructions per pinned page (QEMU -icount shift=0), Linux 6.1.192 base vs patched'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'instructions per page'
set yrange [0:360]
set rmargin 12
set xtics rotate by -35 noenhanced
set key top center horizontal
set y2label 'patched / base'
set y2range [0.98:1.05]
set y2tics
plot '%s.dat' using 3:xtic(2) title 'base', '' using 4 title 'patched', \\
     '' using 1:5 axes x1y2 with linespoints lw 2 pt 7 title 'ratio (right axis)'
""" % (png, png)
    r = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
    if r.returncode != 0:
        print("WARNING: gnuplot failed: %s" % r.stderr.strip()[:300])
        status = 1
    else:
        print("plot: %s" % png)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
