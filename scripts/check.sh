#!/usr/bin/env bash
# The test command: the whole pipeline on the base, control and patched kernels, failing on
# any unexpected result on any of them, the cross-kernel assertions (the negative control),
# the patch quality gate and the harness's own tests. Ends with "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"
set +e
LOGS=$BUILD/check
mkdir -p "$LOGS"
pass=0 fail=0 skip=0 failed=() quiet=
record() { # record RESULT DESCRIPTION   (RESULT: pass, fail or skip)
	case $1 in
	pass) pass=$((pass + 1)); [ -n "$quiet" ] || echo "ok - $2" ;;
	skip) skip=$((skip + 1)); [ -n "$quiet" ] || echo "ok - $2 # SKIP" ;;
	*) fail=$((fail + 1)); failed+=("$2"); echo "not ok - $2" ;;
	esac
}
stage() { # stage NAME CMD...: one result, with the stage's time; on failure its last lines
	local name=$1 log=$LOGS/$(echo "$1" | tr -c 'a-zA-Z0-9\n' '-').log t0=$SECONDS
	shift
	if "$@" >"$log" 2>&1; then
		record pass "$name ($((SECONDS - t0))s)"
	else
		record fail "$name ($((SECONDS - t0))s)"
		grep -E '^(ERROR|WARNING|FAIL|not ok)|gate: .*FAIL' "$log" | head -20 | sed 's/^/    /'
		tail -3 "$log" | sed 's/^/    | /'
	fi
}
count_tap() { # count_tap PREFIX FILE: fold a TAP file's top-level results into the totals
	local line
	while IFS= read -r line; do
		case "$line" in
		"ok "*"# SKIP"*) record skip "$1: ${line#ok }" ;;
		"ok "*) record pass "$1: ${line#ok }" ;;
		"not ok "*) record fail "$1: ${line#not ok }" ;;
		esac
	done < "$2"
}
start=$(date +%s)
echo "TAP version 13"
stage "setup: the packages the harness needs are installed" "$TOP/scripts/setup.sh"
need python3 nm
stage "base: Debian linux-source-6.1 unpacked and tagged" "$TOP/scripts/base.sh"
stage "series: every patch applies with zero fuzz and every step builds (bisectable, debug config)" \
	"$TOP/scripts/kernels.sh" test "$TOP/config/kernel.config" "$TOP/config/debug.config"
stage "bins: the kselftests build through the vm/ Makefile, statically" "$TOP/scripts/bins.sh"

# The KASAN and KCSAN kernels (the series tip only) compile in the background while the test
# kernels boot: a TCG boot keeps about one core busy, and the build, niced, takes the rest.
# Nothing else touches the kernel tree until their stages below have waited for them.
debug_builds() {
	local name t0 frags
	for name in kasan kcsan; do
		case $name in
		kasan) [ "${KASAN:-1}" != 0 ] || continue; frags=("$TOP"/config/{kernel,debug,kasan,faults}.config) ;;
		kcsan) [ "${KCSAN:-1}" != 0 ] || continue; frags=("$TOP"/config/{kernel,kcsan}.config) ;;
		esac
		t0=$SECONDS
		env STEPS=tip nice -n 10 "$TOP/scripts/kernels.sh" "$name" "${frags[@]}" >"$LOGS/build-$name.log" 2>&1
		echo "$? $((SECONDS - t0))" > "$LOGS/build-$name.status"
	done
}
built() { # built NAME: wait for the background build of NAME; its log, its own time, its status
	local rc secs
	while [ ! -f "$LOGS/build-$1.status" ]; do
		kill -0 "$bg" 2>/dev/null || [ -f "$LOGS/build-$1.status" ] ||
			{ echo "ERROR: the background builds ended before the $1 kernel was built"; return 1; }
		sleep 2
	done
	cat "$LOGS/build-$1.log"
	read -r rc secs < "$LOGS/build-$1.status"
	echo "the $1 kernel took ${secs}s to build, in the background"
	return "$rc"
}
rm -f "$LOGS"/build-*.status
debug_builds &
bg=$!
trap 'kill "$bg" 2>/dev/null || true' EXIT

# Boot each kernel: its verdict (token, crash markers, every test's own assertions) and
# every test case counted one by one.
for kind in base control patched; do
	stage "boot $kind: clean run (end token, no crash marker, every test passed)" \
		"$TOP/scripts/vm-test.sh" "$kind"
	if [ -f "$BUILD/vm/$kind/summary.json" ]; then
		python3 - "$BUILD/vm/$kind/summary.json" "$kind" > "$LOGS/cases-$kind.tap" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for t in s["tests"]:
    for c in t["cases"] or [t]:
        name = "%s: %s" % (t["name"], c["name"]) if c is not t else t["name"]
        r = c["result"]
        print(("ok %s # SKIP %s" % (name, c.get("reason") or "")) if r == "skip"
              else ("ok " if r == "pass" else "not ok ") + name)
PY
		quiet=1
		count_tap "$kind" "$LOGS/cases-$kind.tap"
		quiet=
		echo "# $kind: $(grep -c '^ok' "$LOGS/cases-$kind.tap") cases ok ($(grep -c '# SKIP' "$LOGS/cases-$kind.tap") of them skipped), $(grep -c '^not ok' "$LOGS/cases-$kind.tap") not ok"
	fi
done
# ZONE_MOVABLE: the patched kernel once more with movablecore=, gup_longterm only. GUP-fast
# refuses long-term pins of movable pages on every kernel (try_grab_folio()) and fast-only has
# no fallback: the test must expect that, and must have met such pages (else the boot proved
# nothing). No huge pages are reserved in this boot: 2M ones would be allocated in
# ZONE_MOVABLE, and 6.1's follow_hugetlb_page() (not touched by the series) WARNs on a
# long-term slow-path pin of those, on the control kernel as on the patched one.
movable() {
	env VMDIR="$BUILD/vm-movable" VM_APPEND="movablecore=2G" VM_HUGEPAGES= ONLY_TESTS=1 TESTS="$BUILD/bin/gup_longterm" \
		TEST_ARGS='$NEG -d /mnt/ext4 -d /mnt/xfs -d /tmp -d /dev/hugepages -d /dev/hugepages-1G' \
		"$TOP/scripts/vm-test.sh" patched || return 1
	# gup_longterm prints this for each case that met a movable page
	grep -q 'pages in ZONE_MOVABLE' "$BUILD/vm-movable/patched/results.tap" ||
		{ echo "ERROR: no pinned range had pages in ZONE_MOVABLE: movablecore= tested nothing"; return 1; }
}
stage "boot patched with movablecore=2G: fast-only long-term pins of movable pages expected to fail" movable

# The patched kernel once more with KASAN on top of the debug options, and fault injection
# built in: the race stress test and gup_longterm under the memory-safety checker, then the
# race stress test with failures injected into its pins (KASAN=0 skips both).
if [ "${KASAN:-1}" != 0 ]; then
	stage "kasan: the series tip builds with KASAN, lockdep, DEBUG_VM and fault injection" built kasan
	grep -h 'took .* in the background' "$LOGS"/kasan--*.log | sed 's/^/# /'
	stage "boot patched+KASAN: clean run (no KASAN report, every test passed)" \
		env FLAVOUR=kasan VMDIR="$BUILD/vm-kasan" "$TOP/scripts/vm-test.sh" patched
	# failslab, fail_page_alloc and fail_usercopy fail every 7th call of gup_race's pinning
	# threads (and only theirs): pins fail with an errno, never crash, warn or leak; refused
	# pins stay refused, pinned pages hold the pattern, the pin counters balance.
	stage "boot patched+KASAN with faults injected into the pins (gup_race -f 7, fixed seed)" \
		env FLAVOUR=kasan VMDIR="$BUILD/vm-faults" ONLY_TESTS=1 TESTS="$BUILD/bin/gup_race" \
		TEST_ARGS='$NEG -f 7 -s 1 -t 30 -d /mnt/ext4 -d /mnt/xfs -d /tmp' "$TOP/scripts/vm-test.sh" patched
	grep -h '# faults injected:' "$BUILD/vm-faults/patched/results.tap" 2>/dev/null | sed 's/^ *#/#/'
else
	record skip "kasan: KASAN=0"
fi
# KCSAN: the series tip built with the data race detector, running the race stress test. A
# report with a frame in mm/gup.c, mm/gup_test.c or the mm/mmap.c helper fails the boot;
# reports elsewhere are listed (6.1 has known races the series does not touch).
kcsan_boot() {
	local funcs=$BUILD/vm-kcsan/series-functions
	mkdir -p "$BUILD/vm-kcsan"
	nm --defined-only "$BUILD/out/kcsan/mm/gup.o" "$BUILD/out/kcsan/mm/gup_test.o" |
		awk '$2 ~ /^[tTwW]$/ { print $3 }' > "$funcs" || return 1
	printf '%s\n' vma_needs_dirty_tracking vma_wants_writenotify >> "$funcs"
	env FLAVOUR=kcsan VMDIR="$BUILD/vm-kcsan" ONLY_TESTS=1 TESTS="$BUILD/bin/gup_race" KCSAN_FUNCS="$funcs" \
		TEST_ARGS='$NEG -t 30 -s 1 -d /mnt/ext4 -d /mnt/xfs -d /tmp' "$TOP/scripts/vm-test.sh" patched || return 1
	# No report must mean a working detector: KCSAN's own boot-time selftest passed.
	grep -Eq 'kcsan: selftest: ([0-9]+)/\1 tests passed' "$BUILD/vm-kcsan/patched/console.log" ||
		{ echo "ERROR: KCSAN's boot-time selftest did not pass: the detector may not be working"; return 1; }
	grep -h 'kcsan: selftest' "$BUILD/vm-kcsan/patched/console.log"
}
if [ "${KCSAN:-1}" != 0 ]; then
	stage "kcsan: the series tip builds with KCSAN" built kcsan
	grep -h 'took .* in the background' "$LOGS"/kcsan--*.log | sed 's/^/# /'
	stage "boot patched+KCSAN: no data race reported in the code the series touches (gup_race)" kcsan_boot
	grep -h 'KCSAN report elsewhere' "$LOGS"/boot-patched-KCSAN*.log 2>/dev/null | sort | uniq -c | sed 's/^/# /'
else
	record skip "kcsan: KCSAN=0"
fi
# Mutants: each deliberately broken variant of the series that gup_longterm must catch is
# built on the tip (mm/gup.c only) and booted once; each must be killed, and the unmutated
# tip must pass the same boot. (make mutants runs the race ones too.)
stage "mutants: every deterministic mutant of the series is killed by gup_longterm (mutants/)" \
	env OUT="$BUILD/check-mutants" MUTANTS_EXPECT=killed RACE_RUNS=0 "$TOP/scripts/mutants.sh"
if [ -s "$BUILD/check-mutants/mutants.tap" ]; then
	cp "$BUILD/check-mutants/mutants.tap" "$BUILD/check-mutants/table.md" "$LOGS/"
	count_tap "mutant" "$LOGS/mutants.tap"
fi

if "$TOP/scripts/compare.py" "$BUILD"/vm/{base,control,patched}/summary.json > "$LOGS/compare.tap" 2>&1; then :; fi
count_tap "base vs control vs patched" "$LOGS/compare.tap"
grep -q '^ok\|^not ok' "$LOGS/compare.tap" || record fail "base vs control vs patched: compare.py produced no result"

stage "gate: patch quality (checkpatch, sparse/W=1, coccinelle, kernel-doc, rst, zero fuzz, export)" \
	"$TOP/scripts/gate.sh"
# make series mails as whoever runs it; the check uses a stated test identity, so that it
# passes the same on every machine (the harness self-test shows the refusal without one).
stage "series: the mailing-list series (sender's DCO, stable-style upstream lines, To/Cc) applies with git am onto a fresh base" \
	env GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=user.name GIT_CONFIG_VALUE_0="make check" \
	GIT_CONFIG_KEY_1=user.email GIT_CONFIG_VALUE_1=make-check@localhost "$TOP/scripts/mail-series.sh"
stage "distro: the Debian patch-queue drop applies in series order with zero fuzz" "$TOP/scripts/distro.sh"
stage "selftest: the harness's own tests" "$TOP/scripts/selftest.sh"

echo
"$TOP/scripts/table.py" "$BUILD"/vm/{base,control,patched}/summary.json 2>/dev/null | tail -1
echo "check took $(( $(date +%s) - start ))s; logs in ${LOGS#"$TOP"/}/"
if [ $fail -gt 0 ]; then
	echo "FAILED:"
	printf '  %s\n' "${failed[@]}" | head -30
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
