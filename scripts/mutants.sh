#!/usr/bin/env bash
# Stage: the mutants (mutants/NN-*.patch, see mutants/README). They are built into one kernel,
# the mutant schemata: mutants/schemata.patch and every mutant applied on top of the series
# tip, each mutant's change taken only when the kernel is booted with gup_mutant=NN (its
# number), and the kernel the tip otherwise. One build (an incremental rebuild of mm/gup.c,
# cached by tree like every other image) instead of one per mutant: each relink of the KASAN
# vmlinux walks the whole tree. That kernel is booted with gup_longterm alone, once with
# gup_mutant=0, which must pass or no kill means anything, and once per mutant: a mutant is
# killed when its boot's verdict fails. Mutants marked "Race: yes" or "Expect: race" also
# run gup_race alone RACE_RUNS times for RACE_SECONDS each: how often it kills them is
# reported, not asserted.
# Writes OUT/mutants.tap (one line per mutant) and OUT/table.md.
# Usage: mutants.sh [NAME...]     (default: every mutant; NAME: 01 or 01-fast-allows-all)
#   MUTANTS_EXPECT=killed   only the mutants some gup_longterm case must kill (make check)
#   RACE_RUNS (default 3), RACE_SECONDS (default 60); RACE_RUNS=0: no race runs
#   OUT (default build/mutants); MUTANTS_DIR (default mutants/); SCHEMATA (default
#   mutants/schemata.patch)
. "$(dirname "$0")/lib.sh"
need git python3
OUT=${OUT:-$BUILD/mutants} MUTANTS_DIR=${MUTANTS_DIR:-$TOP/mutants} SCHEMATA=${SCHEMATA:-$TOP/mutants/schemata.patch}
RACE_RUNS=${RACE_RUNS:-3} RACE_SECONDS=${RACE_SECONDS:-60}
mkdir -p "$OUT"
frags=("${TEST_FRAGMENTS[@]}")

# The tip, built: the schemata goes on top of it, in the same O= directory and config.
STEPS=tip "$TOP/scripts/kernels.sh" test "${frags[@]}"
"$TOP/scripts/bins.sh"
tip=$(git -C "$TREE" rev-parse HEAD)
confsum=$(sha1sum < "$BUILD/out/test/.config" | cut -c1-12)
trap 'kill $(jobs -p) 2>/dev/null || true; git -C "$TREE" reset -q --hard "$tip"' EXIT

# One short boot: gup_longterm over ext4, xfs, tmpfs and 2M hugetlbfs, 2 GiB and 2M pages
# only (a 1G huge page takes seconds to clear under TCG, and no mutant needs it).
boot() { # boot MUTANT DIR TEST ARGS...: the schemata kernel booted with gup_mutant=MUTANT
	local m=$1 dir=$2 t=$3
	shift 3
	env IMAGE="$img" VMDIR="$dir" ONLY_TESTS=1 TESTS="$BUILD/bin/$t" TEST_ARGS="$*" VM_APPEND="gup_mutant=$m" \
		VM_MEM=2G VM_HUGEPAGES="hugepagesz=2M hugepages=64" \
		TEST_TIMEOUT=$((RACE_SECONDS + 300)) VM_TIMEOUT=$((RACE_SECONDS + 600)) \
		"$TOP/scripts/vm-test.sh" patched >"$dir.log" 2>&1
}
longterm_args='$NEG -d /mnt/ext4 -d /mnt/xfs -d /tmp -d /dev/hugepages'
race_args="\$NEG -t $RACE_SECONDS -d /mnt/ext4 -d /mnt/xfs -d /tmp"
# killers DIR: the failed cases of a boot (or its verdict's reasons), for the table
killers() {
	python3 - "$1/patched/summary.json" <<'PY'
import json, sys
try:
    s = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("no verdict"); sys.exit()
failed = [c["name"] for t in s["tests"] for c in (t["cases"] or [t]) if c["result"] == "fail"]
if failed:
    print("%d case%s: %s%s" % (len(failed), "s" * (len(failed) > 1), "; ".join(failed[:3]),
                               " ..." if len(failed) > 3 else ""))
else:
    print("; ".join(s["reasons"])[:200] or "no failed case")
PY
}
field() { sed -n "s/^$2: //p" "$1" | head -1; }
# started DIR: the boot started a test (guest/init logs "harness: running NAME" to the console
# before each). A boot that fails before that says nothing of the mutant: a guest hung after
# /init under a loaded host once ("rcu_sched kthread timer wakeup didn't happen") and was
# counted as a kill. Such a boot is run again; a mutant is killed only by a boot that ran.
started() { grep -q 'harness: running ' "$1/patched/console.log" 2>/dev/null; }
# longterm_args_of MUTANT: gup_longterm's arguments for the mutant's boot. A Dirs: header
# gives the directories of the stores whose cases it breaks, a subset of the tip's four: the
# in-memory stores always run, and fewer file systems make the boot cheaper, not the kill
# weaker, since a mutant is killed only by a boot that fails (a Dirs: too narrow shows as
# SURVIVED). One of them must be ext4 or xfs: without a file system that tracks dirty pages
# gup_longterm fails whatever the kernel does, which would count as a kill. The tip boots with
# all four.
longterm_args_of() {
	local d dirs args='$NEG' tracked=
	dirs=$(field "$1" Dirs)
	[ -n "$dirs" ] || { echo "$longterm_args"; return; }
	for d in $dirs; do
		grep -qw -- "-d $d" <<<"$longterm_args" || die "${1#"$TOP"/}: Dirs: $d is not one of the tip's ($longterm_args)"
		case $d in /mnt/ext4 | /mnt/xfs) tracked=1 ;; esac
		args+=" -d $d"
	done
	[ -n "$tracked" ] || die "${1#"$TOP"/}: Dirs: $dirs has no file system that tracks dirty pages (/mnt/ext4 or /mnt/xfs): gup_longterm would fail on any kernel"
	echo "$args"
}

# number_of FILE: a mutant's number, from its name (NN-what-it-breaks.patch): the N of its
# MUTANT(N) in the schemata kernel and of the gup_mutant=N it is booted with
number_of() { local b; b=$(basename "$1"); [[ $b =~ ^([0-9]+)- ]] && echo $((10#${BASH_REMATCH[1]})); }
[ -f "$SCHEMATA" ] || die "the mutant schemata ${SCHEMATA#"$TOP"/} not found"
all=() mutants=()
declare -A args_of number_seen
for f in "$MUTANTS_DIR"/[0-9]*.patch; do
	[ -f "$f" ] || die "no mutant in $MUTANTS_DIR"
	name=$(basename "$f" .patch) num=$(number_of "$f") ||
		die "${f#"$TOP"/}: a mutant's name starts with its number (NN-what-it-breaks.patch)"
	[ "$num" -gt 0 ] || die "${f#"$TOP"/}: mutant 0 is the tip (gup_mutant=0): number mutants from 1"
	[ -z "${number_seen[$num]:-}" ] || die "${f#"$TOP"/} and ${number_seen[$num]} have the same number $num"
	number_seen[$num]=${f#"$TOP"/}
	all+=("$f")
	if [ $# -gt 0 ]; then
		want=
		for a in "$@"; do case $name in "$a" | "$a"-*) want=1 ;; esac; done
		[ -n "$want" ] || continue
	fi
	if [ "${MUTANTS_EXPECT:-}" = killed ]; then
		[ "$(field "$f" Expect)" = killed ] || continue
	fi
	mutants+=("$f")
	args_of[$f]=$(longterm_args_of "$f") || exit 1
done
[ ${#mutants[@]} -gt 0 ] || die "no mutant matches: $*"

tap=$OUT/mutants.tap rows=$OUT/rows.tsv
: > "$tap"; : > "$rows"
n=0 status=0
# result ok|not-ok NAME BREAKS VERDICT KILLERS SECONDS: a TAP line and a table row, each one
# line (a verdict's reasons may span lines: a crash marker and the lines after it)
result() {
	local -a f=("$2" "$3" "$4" "$5" "$6")
	f=("${f[@]//[$'\t\n']/ }")
	n=$((n + 1))
	if [ "$1" = ok ]; then echo "ok $n - ${f[0]}: ${f[2]}" >> "$tap"; else echo "not ok $n - ${f[0]}: ${f[2]}" >> "$tap"; status=1; fi
	printf '%s\t%s\t%s\t%s\t%s\n' "${f[@]}" >> "$rows"
	info "mutant $2: $4 (${6}s)"
}

# The schemata kernel: the schemata, then every mutant (those not run too: the kernel, and so
# its cached image, is the same whichever are run), on the tip. A mutant that does not apply
# on top of those before it, or that does not select itself with MUTANT(its number), is
# left out and named; a kernel that does not build is every run mutant's result.
declare -A early
git -C "$TREE" reset -q --hard "$tip"
git -C "$TREE" apply --index "$SCHEMATA" 2>"$OUT/schemata.apply.log" ||
	die "the mutant schemata ${SCHEMATA#"$TOP"/} does not apply to the tip: $(head -1 "$OUT/schemata.apply.log")"
for f in "${all[@]}"; do
	name=$(basename "$f" .patch) num=$(number_of "$f")
	if ! grep -q "^+.*MUTANT($num)" "$f"; then
		early[$name]="does not select itself: no added line has MUTANT($num)"
	elif ! git -C "$TREE" apply --index "$f" 2>"$OUT/$name.apply.log"; then
		early[$name]="does not apply to the tip with the schemata and the mutants before it: $(head -1 "$OUT/$name.apply.log")"
	fi
	if [ -n "${early[$name]:-}" ]; then info "mutant $name, left out of the schemata kernel: ${early[$name]}"; fi
done
img=$BUILD/images/test/cache/$(git -C "$TREE" write-tree | cut -c1-12)-$confsum.bzImage
t0=$SECONDS
if [ ! -f "$img" ] && ! "$TOP/scripts/build.sh" "$BUILD/out/test" "$img" "mutant schemata" 2>"$OUT/schemata.build.log"; then
	broken="does not build: the schemata kernel: $(grep -m1 ERROR "$OUT/schemata.build.log")"
	for f in "${mutants[@]}"; do early[$(basename "$f" .patch)]=$broken; done
fi
build_secs=$((SECONDS - t0))
git -C "$TREE" reset -q --hard "$tip"

# The boots, at most MUTANT_JOBS (2) at once (a TCG boot keeps about one core busy); the
# results are then read in order.
jobs_max=${MUTANT_JOBS:-2}
bg_boot() { # bg_boot MUTANT DIR TEST ARGS...: boot in the background; DIR.rc and DIR.secs when done
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
	local t0=$SECONDS
	info "booting: $(basename "$2") (${3}, gup_mutant=$1)"
	( rc=0; boot "$@" || rc=$?; echo $((SECONDS - t0)) > "$2.secs"; echo $rc > "$2.rc" ) &
}
rm -f "$OUT"/*.rc "$OUT"/*.secs
if [ -f "$img" ]; then
	bg_boot 0 "$OUT/tip" gup_longterm "$longterm_args"
	for f in "${mutants[@]}"; do
		name=$(basename "$f" .patch)
		[ -z "${early[$name]:-}" ] || continue
		[ "$(field "$f" Expect)" != killed ] || bg_boot "$(number_of "$f")" "$OUT/$name" gup_longterm "${args_of[$f]}"
	done
	wait
fi

# again NAME MUTANT ARGS: when NAME's gup_longterm boot ($OUT/NAME) failed before its first
# test (or left no status), boot it once more in its place; NAME.rc and NAME.secs then are
# that boot's status and both boots' time.
again() {
	local t0=$SECONDS rc=0
	if [ -f "$OUT/$1.rc" ] && { [ "$(cat "$OUT/$1.rc")" = 0 ] || started "$OUT/$1"; }; then return 0; fi
	info "$1: its boot left no status or failed before its first test ($(killers "$OUT/$1")); booting it again"
	boot "$2" "$OUT/$1" gup_longterm "$3" || rc=$?
	echo $(($(cat "$OUT/$1.secs" 2>/dev/null || echo 0) + SECONDS - t0)) > "$OUT/$1.secs"
	echo $rc > "$OUT/$1.rc"
}
if [ ! -f "$img" ]; then
	result not-ok "tip" "nothing: gup_mutant=0, the series as it is" "the schemata kernel does not build: no kill below means anything" \
		"$(grep -m1 ERROR "$OUT/schemata.build.log")" "$build_secs"
else
	again tip 0 "$longterm_args"
	if [ "$(cat "$OUT/tip.rc" 2>/dev/null)" = 0 ]; then
		result ok "tip" "nothing: gup_mutant=0, the series as it is" "passes" "-" "$(cat "$OUT/tip.secs")"
	else
		result not-ok "tip" "nothing: gup_mutant=0, the series as it is" "FAILS the mutant boot: no kill below means anything" \
			"$(killers "$OUT/tip")" "$(cat "$OUT/tip.secs" 2>/dev/null || echo 0)"
	fi
fi
for f in "${mutants[@]}"; do
	name=$(basename "$f" .patch) num=$(number_of "$f")
	breaks=$(field "$f" Breaks) expect=$(field "$f" Expect) race=$(field "$f" Race)
	secs=0
	if [ -n "${early[$name]:-}" ]; then
		result not-ok "$name" "$breaks" "${early[$name]}" "-" "$secs"
		continue
	fi
	verdict= who=-
	case $expect in
	killed)
		again "$name" "$num" "${args_of[$f]}"
		secs=$(cat "$OUT/$name.secs" 2>/dev/null || echo 0)
		if [ "$(cat "$OUT/$name.rc")" = 0 ]; then
			result not-ok "$name" "$breaks" "SURVIVED gup_longterm" "-" "$secs"
			continue
		fi
		if ! started "$OUT/$name"; then
			result not-ok "$name" "$breaks" "no verdict: two boots failed before their first test" \
				"$(killers "$OUT/$name")" "$secs"
			continue
		fi
		verdict="killed" who="gup_longterm: $(killers "$OUT/$name")"
		;;
	race*) ;;
	*) result not-ok "$name" "$breaks" "unknown Expect: '$expect' in ${f#"$TOP"/}" "-" 0; continue ;;
	esac
	if { [ -n "$race" ] || [ "${expect%% *}" = race ]; } && [ "$RACE_RUNS" -eq 0 ]; then
		[ -z "$verdict" ] || verdict+="; "
		verdict+="gup_race not run (RACE_RUNS=0)"
	elif [ -n "$race" ] || [ "${expect%% *}" = race ]; then
		kills=0 t0=$SECONDS
		for r in $(seq 1 "$RACE_RUNS"); do
			boot "$num" "$OUT/$name-race$r" gup_race "$race_args" || {
				kills=$((kills + 1))
				[ "$who" != - ] || who="gup_race: $(killers "$OUT/$name-race$r")"
			}
		done
		secs=$((secs + SECONDS - t0))
		[ -z "$verdict" ] || verdict+="; "
		verdict+="gup_race killed it in $kills of $RACE_RUNS runs of ${RACE_SECONDS}s"
	fi
	result ok "$name" "$breaks" "$verdict" "$who" "$secs"
done
info "the schemata kernel: ${build_secs}s to build (0 when its image was cached), ${#mutants[@]} mutants booted"

python3 - "$rows" > "$OUT/table.md" <<'PY'
import sys
print("| mutant | what it breaks | verdict | killed by | time |")
print("| --- | --- | --- | --- | --- |")
for line in open(sys.argv[1]):
    name, breaks, verdict, who, secs = line.rstrip("\n").split("\t")
    cell = lambda s: s.replace("|", "\\|")
    print("| %s | %s | %s | %s | %ss |" % (name, cell(breaks), cell(verdict), cell(who), secs))
PY
cat "$OUT/table.md"
exit $status
