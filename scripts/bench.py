#!/usr/bin/env python3
"""Parse gup_test benchmark boots and print instructions per pinned page, base vs patched.

Under QEMU -icount shift=0,sleep=off one guest instruction takes one nanosecond of guest
time, so gup_test's "get:N us" is N thousand instructions. Each kernel is booted twice:
each row's minimum must agree between the two boots to 0.1 instruction per page
(the method's repeatability check). Figures are minima over repeats 2..N of both boots:
a timer interrupt inside a measured window only ever adds instructions. gup_test's clock
counts whole microseconds (1000 instructions over the range): where one of them is more than
half the goal's margin of a row's figure (RESOLUTION), a ratio cannot be judged against the
goal, and the run fails as an unrepeatable one does.

Usage: bench.py OUT.png LIST ARCH BASE_RUN1 BASE_RUN2 PATCHED_RUN1 PATCHED_RUN2 [ARCH ...]
(boot directories; one group of five per architecture: a base, patched and ratio column each,
side by side in one table and one plot)
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


GOAL = 1.005  # patched / base, every row
RESOLUTION = (GOAL - 1) / 2  # the largest share of a row's figure one microsecond may be


def main(argv):
    if len(argv) < 8 or (len(argv) - 3) % 5:
        print(__doc__, file=sys.stderr)
        return 2
    png, listfile = argv[1:3]
    cmds = dict(l.rstrip("\n").split("|", 1) for l in open(listfile) if l.strip())
    groups = [argv[i:i + 5] for i in range(3, len(argv), 5)]
    arches = [g[0] for g in groups]
    runs = {g[0]: [parse(d) for d in g[1:]] for g in groups}
    # Repeatability: for every row, the minima of the two boots of a kernel agree to within
    # TOLERANCE instructions per page. (A timer tick that lands inside a measured window adds
    # a few thousand instructions to that one repeat and never removes any: the minimum over
    # repeats is the noise-free figure.)
    status = 0
    spread = raw = 0.0
    for r in runs.values():
        for a, b in ((r[0], r[1]), (r[2], r[3])):
            for k in a:
                per_page = 1000.0 / pages(cmds, k)
                spread = max(spread, abs(min(a[k][1:]) - min(b[k][1:])) * per_page)
                figures = a[k][1:] + b[k][1:]
                raw = max(raw, (max(figures) - min(figures)) * per_page)
    repeat_ok = spread <= TOLERANCE
    names = [n for n in cmds if all(n in r[0] and n in r[2] for r in runs.values())]
    head = "%-40s" % "instructions per pinned page"
    for arch in arches:
        prefix = arch + " " if len(arches) > 1 else ""
        head += " %12s %12s %8s" % (prefix + "base", prefix + "patched", "ratio")
    print(head)
    data, worst, coarse = [], (0.0, None), (0.0, None)
    for n in names:
        npg = pages(cmds, n)
        line, row = "%-40s" % n, [n]
        for arch in arches:
            r = runs[arch]
            # The first repeat also pays for first-touch effects in the guest: leave it out.
            base = min(r[0][n][1:] + r[1][n][1:]) * 1000.0 / npg
            patched = min(r[2][n][1:] + r[3][n][1:]) * 1000.0 / npg
            ratio = patched / base if base else float("nan")
            worst = max(worst, (ratio, "%s %s" % (arch, n)))
            # gup_test reports whole microseconds: one of them, as a share of the figure
            coarse = max(coarse, (1000.0 / npg / base if base else float("inf"), "%s %s" % (arch, n)))
            row += [base, patched, ratio]
            line += " %12.2f %12.2f %8.4f" % (base, patched, ratio)
        data.append(row)
        print(line)
    print("repeatability: minima of two boots of each kernel differ by at most %.3f instructions "
          "per page (limit %.1f): %s; largest raw spread of a single repeat %.3f (timer ticks)" % (
              spread, TOLERANCE, "ok" if repeat_ok else "NOT REPEATABLE", raw))
    fine = coarse[0] <= RESOLUTION
    print("resolution: gup_test's clock counts whole microseconds, at most %.2f%% of a row's "
          "figure (%s; limit %.2f%%): %s" % (coarse[0] * 100, coarse[1], RESOLUTION * 100,
                                             "ok" if fine else "TOO COARSE to judge the goal"))
    print("goal: every row within %.1f%% of the base: %s (largest ratio %.4f, %s)" % (
        (GOAL - 1) * 100, "met" if worst[0] <= GOAL else "NOT MET", worst[0], worst[1]))
    if not repeat_ok or not fine:
        status = 1
    with open(png + ".dat", "w") as f:
        for i, row in enumerate(data):
            f.write('%d "%s" %s\n' % (i, row[0].replace("LONGTERM+WRITE", "LT+W"),
                                       " ".join("%.5f" % v for v in row[1:])))
    bars, lines = [], []
    for j, arch in enumerate(arches):
        prefix = arch + " " if len(arches) > 1 else ""
        c = 3 + 3 * j
        bars.append("'' using %d%s title '%sbase'" % (c, ":xtic(2)" if j == 0 else "", prefix))
        bars.append("'' using %d title '%spatched'" % (c + 1, prefix))
        lines.append("'' using 1:%d axes x1y2 with linespoints lw 2 pt 7 title '%sratio (right axis)'" % (c + 2, prefix))
    plot = ", ".join(bars + lines)
    gp = """set terminal pngcairo size %d,600 font ",10" noenhanced
set output '%s'
set title 'gup_test: instructions per pinned page (QEMU -icount shift=0), Linux 6.1.192 base vs patched, %s'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'instructions per page'
set yrange [0:%d]
set rmargin 12
set xtics rotate by -35 noenhanced
set key top center horizontal
set y2label 'patched / base'
set y2range [%.3f:%.3f]
set y2tics
plot '%s.dat' %s
""" % (1100 + 300 * (len(arches) - 1), png, " and ".join(arches),
       int(max([v for row in data for v in row[1::3] + row[2::3]] + [300]) * 1.25),
       min([r for row in data for r in row[3::3]] + [0.99]) - 0.005,
       max([r for row in data for r in row[3::3]] + [GOAL]) + 0.01, png, plot[3:])
    r = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
    if r.returncode != 0:
        print("WARNING: gnuplot failed: %s" % r.stderr.strip()[:300])
        status = 1
    else:
        print("plot: %s" % png)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
