#!/usr/bin/env python3
"""Parse gup_test benchmark boots and print instructions per pinned page, base vs patched.

Under QEMU -icount shift=0,sleep=off one guest instruction takes one nanosecond of guest
time, so gup_test's "get:N us" is N thousand instructions. Each kernel is booted twice:
the figures of the two boots must be identical (the method's repeatability check).

Usage: bench.py OUT.png LIST BASE_RUN1 BASE_RUN2 PATCHED_RUN1 PATCHED_RUN2   (boot directories)
"""
import re
import subprocess
import sys

TIME = re.compile(r"Time: get:(\d+) put:(\d+) us")
RESULT = re.compile(r"^(ok|not ok) \d+ (.*?)(?: # .*)?$")
SIZE = re.compile(r"-m (\d+)")


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
    status = 0
    for a, b, label in ((runs[0], runs[1], "base"), (runs[2], runs[3], "patched")):
        if a != b:
            diff = [k for k in a if a.get(k) != b.get(k)]
            print("WARNING: %s figures differ between the two boots: %s" % (label, "; ".join(
                "%s %s vs %s" % (k, a.get(k), b.get(k)) for k in diff[:5])))
            status = 1
    names = [n for n in cmds if n in runs[0] and n in runs[2]]
    print("%-40s %12s %12s %8s" % ("instructions per pinned page", "base", "patched", "ratio"))
    data = []
    for n in names:
        npg = pages(cmds, n)
        # The first repeat also pays for first-touch effects in the guest; take the last.
        base = runs[0][n][-1] * 1000.0 / npg
        patched = runs[2][n][-1] * 1000.0 / npg
        ratio = patched / base if base else float("nan")
        data.append((n, base, patched, ratio))
        print("%-40s %12.2f %12.2f %8.4f" % (n, base, patched, ratio))
    print("repeatability: every figure identical across two boots of each kernel: %s" %
          ("yes" if status == 0 else "NO"))
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
set xtics rotate by -35 noenhanced
set key top left
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
