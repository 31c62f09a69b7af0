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
	local name=$1 log=$LOGS/$(echo "$1" | tr -c 'a-zA-Z0-9\n' '-').log t0=$SECONDS pid rc n=0 line last=
	shift
	# While it runs: every 30 s its elapsed time and the last progress line ("==> ...") of
	# its log, when that changed, else every 2 minutes.
	"$@" >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		n=$((n + 1))
		[ $((n % 30)) -eq 0 ] || continue
		line=$(grep -a '^==> ' "$log" | tail -1 | cut -c5-124)
		[ "$line" != "$last" ] || [ $((n % 120)) -eq 0 ] || continue
		last=$line
		echo "#   ${name%%:*}: $((SECONDS - t0))s${line:+, $line}"
	done
	wait "$pid"
	rc=$?
	if [ $rc -eq 0 ]; then
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
# await FILE PID WHAT: wait until the job PID has written FILE (a background job its status,
# make check its stage's flag); fail, naming WHAT, if the job ended without writing it (rather
# than wait until CI's limit).
await() {
	while [ ! -f "$1" ]; do
		kill -0 "$2" 2>/dev/null || [ -f "$1" ] || { echo "ERROR: the job that was to write ${1##*/} (pid $2) ended before $3"; return 1; }
		sleep 1
	done
}
# beside NAME CMD...: start CMD in the background (its log and status in $LOGS/beside-NAME.*);
# waited NAME, as a stage's command, waits for it and gives its log and status. For stages that
# keep at most one core busy or wait on the disk, run beside another.
beside() {
	local name=$1
	shift
	rm -f "$LOGS/beside-$name.status"
	( "$@" >"$LOGS/beside-$name.log" 2>&1; echo $? >"$LOGS/beside-$name.status" ) &
	beside_pid[$name]=$!
}
waited() {
	await "$LOGS/beside-$1.status" "${beside_pid[$1]}" "$1 reported a status" || return 1
	cat "$LOGS/beside-$1.log"
	return "$(cat "$LOGS/beside-$1.status")"
}
declare -A beside_pid=()
start=$(date +%s)
echo "TAP version 13"
stage "setup: the packages the harness needs are installed" "$TOP/scripts/setup.sh"
need python3 nm gnuplot
stage "base: Debian linux-source-6.1 unpacked and tagged" "$TOP/scripts/base.sh"
# arm64: base, control and patched (tinyconfig + arch/arm64, kernel, clients, debug, kcsan),
# booted two at a time under qemu-system-aarch64 (virt) with gup_longterm and gup_race: the same
# verdicts and cross-kernel checks as x86_64's (the real clients, x86_64 only, excepted), and
# every case with the same outcome as on x86_64, kernel by kernel (compare-archs.py).
# They run under KCSAN, the data race detector (x86_64's run under KASAN; the two exclude
# each other): a report whose racing access is made in a function of mm/gup.c, mm/gup_test.c or
# the mm/mmap.c helpers, or at most two calls below one, fails the boot (verdict.py); reports
# elsewhere are listed (6.1 has races the series does not touch), and each boot needs KCSAN's
# own boot-time selftest passed, so that no report means a working detector. The boots start
# in the background job once arm64's kernels are built and x86_64's four boots are done
# ($LOGS/x86_64-boots.done): with the kernels cached, four guests on two cores at once made
# x86_64's control boot take 262 s (98 s alone) against its tests' 300 s limit. Their pid is in
# $LOGS/arm64-boots.pid; beside the stages that follow, a test may take longer than 300 s.
arm64_boots() {
	local kind funcs=$BUILD/vm-arm64/series-functions
	await "$LOGS/x86_64-boots.done" $$ "x86_64's boots were done" || return 1
	mkdir -p "$BUILD/vm-arm64"
	nm --defined-only "$BUILD/out/test-arm64/mm/gup.o" "$BUILD/out/test-arm64/mm/gup_test.o" |
		awk '$2 ~ /^[tTwW]$/ { print $3 }' > "$funcs"
	printf '%s\n' vma_needs_dirty_tracking vma_wants_writenotify >> "$funcs"
	for kind in base control patched; do
		while [ "$(jobs -rp | wc -l)" -ge "${BOOT_JOBS:-2}" ]; do wait -n; done
		( env GUEST_ARCH=arm64 VMDIR="$BUILD/vm-arm64" KCSAN_FUNCS="$funcs" TEST_TIMEOUT=900 VM_TIMEOUT=1800 \
			"$TOP/scripts/vm-test.sh" "$kind" \
			>"$LOGS/vm-arm64-$kind.log" 2>&1
		  echo $? > "$LOGS/vm-arm64-$kind.status" ) &
	done
	wait
}
arm64_booted() { # arm64_booted KIND: its boot's verdict, and KCSAN's selftest passed in it
	local console=$BUILD/vm-arm64/$1/console.log
	booted "arm64-$1" "$BUILD/vm-arm64" "$arm64_pid" || return 1
	grep -Eq 'kcsan: selftest: ([0-9]+)/\1 tests passed' "$console" ||
		{ echo "ERROR: KCSAN's boot-time selftest did not pass: the detector may not be working"; return 1; }
	grep -h 'kcsan: selftest' "$console" | tr -d '\r'
}
# Built in the background, niced: Debian's configs of every architecture (make archs and its
# planted self-test, in their own worktree and O= directories) from the start, at nice 19, in
# what the x86_64 stages leave idle: a core while the series stage links each step or walks
# the tree, while a test kernel boots (a TCG guest keeps about one core busy), while the gate
# and the self-tests run one command at a time. And arm64's base, control and patched kernels
# and guest binaries (in the arm64 worktree, build/linux-arm64, and its O= directory) once the
# series stage is done ($LOGS/series.done), at nice 10, ahead of make archs, since the arm64
# boots wait for them: kernels.sh keeps the steps' commits under refs that every worktree
# shares, and two kernels.sh applying the series at once would write the same refs.
background_builds() {
	bg_build archs 19 &
	await "$LOGS/series.done" $$ "the series stage was done" || return 1
	bg_build arm64 10
	wait
}
bg_build() { # bg_build NAME NICE: build NAME; its status and own time in $LOGS/build-NAME.status
	local name=$1 t0=$SECONDS rc
	case $name in
	arm64) env GUEST_ARCH=arm64 STEPS=proof nice -n "$2" "$TOP/scripts/kernels.sh" test &&
		env GUEST_ARCH=arm64 nice -n "$2" "$TOP/scripts/bins.sh" ;;
	archs) nice -n "$2" "$TOP/scripts/archs.sh" && nice -n "$2" "$TOP/scripts/archs-selftest.sh" ;;
	esac >"$LOGS/build-$name.log" 2>&1
	rc=$?
	echo "$rc $((SECONDS - t0))" > "$LOGS/build-$name.status"
	if [ "$name" = arm64 ] && [ "$rc" = 0 ]; then
		arm64_boots &
		echo $! > "$LOGS/arm64-boots.pid"
	fi
}
built() { # built NAME: wait for the background build of NAME; its log, its own time, its status
	local rc secs
	await "$LOGS/build-$1.status" "$bg" "$1 was built" || return 1
	cat "$LOGS/build-$1.log"
	read -r rc secs < "$LOGS/build-$1.status"
	echo "$1 took ${secs}s to build, in the background"
	return "$rc"
}
rm -f "$LOGS"/build-*.status "$LOGS"/arm64-boots.pid "$LOGS"/vm-arm64-*.status "$LOGS/x86_64-boots.done" "$LOGS/series.done"
background_builds &
bg=$!
trap 'kill "$bg" $(cat "$LOGS/arm64-boots.pid" 2>/dev/null) 2>/dev/null || true' EXIT

stage "series: every patch applies with zero fuzz and every step builds (bisectable; lockdep, DEBUG_VM, KASAN)" \
	"$TOP/scripts/kernels.sh" test "${TEST_FRAGMENTS[@]}"
touch "$LOGS/series.done"
stage "bins: the kselftests build through the vm/ Makefile, statically" "$TOP/scripts/bins.sh"
# What config/rdma.config and config/vfio.config add to every test kernel's build: the objects
# of the directories only they bring in (ACPI comes with INTEL_IOMMU, net/ipv4 with INET).
objs() { find "$BUILD/out/test/${1:-}" -name '*.o' ! -name '*.mod.o' 2>/dev/null | wc -l; }
n=0
for d in drivers/infiniband drivers/vfio drivers/iommu drivers/acpi drivers/pci/msi net/ipv4; do n=$((n + $(objs $d))); done
echo "# the real clients' fragments (rdma.config, vfio.config): $n of $(objs) objects of each test kernel"

# Boot each kernel, two at a time (a TCG guest keeps about one core busy): its verdict (token,
# crash markers, every test's own assertions) and every test case counted one by one. Then the
# bisect point, the series up to its slow-path patch (patches/BASE's SLOWPATH_AFTER), with the
# real clients only (guest/clients.c -s).
boot_one() {
	case $1 in
	slowpath) env VMDIR="$BUILD/vm-slowpath" ONLY_TESTS=1 TESTS="$BUILD/bin/clients" \
		TEST_ARGS='$NEG -d /mnt/ext4 -d /mnt/xfs' "$TOP/scripts/vm-test.sh" slowpath ;;
	*) "$TOP/scripts/vm-test.sh" "$1" ;;
	esac
}
boots() {
	local kind
	for kind in base control patched slowpath; do
		while [ "$(jobs -rp | wc -l)" -ge "${BOOT_JOBS:-2}" ]; do wait -n; done
		( boot_one "$kind" >"$LOGS/vm-$kind.log" 2>&1; echo $? > "$LOGS/vm-$kind.status" ) &
	done
	wait
	touch "$LOGS/x86_64-boots.done"
}
booted() { # booted NAME [VMDIR [PID]]: wait for NAME's boot (KIND, or arm64-KIND); its log and status
	local kind=${1#arm64-}
	await "$LOGS/vm-$1.status" "${3:-$boots_pid}" "the $1 boot reported a status" || return 1
	cat "$LOGS/vm-$1.log"
	echo "the $1 boot took $(cat "${2:-$BUILD/vm}/$kind/seconds" 2>/dev/null || echo ?)s"
	return "$(cat "$LOGS/vm-$1.status")"
}
count_cases() { # count_cases NAME SUMMARY: every case of a boot, counted one by one
	[ -f "$2" ] || return 0
	python3 - "$2" > "$LOGS/cases-$1.tap" <<'PY'
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
	count_tap "$1" "$LOGS/cases-$1.tap"
	quiet=
	echo "# $1: booted in $(cat "$(dirname "$2")/seconds")s; $(grep -c '^ok' "$LOGS/cases-$1.tap") cases ok ($(grep -c '# SKIP' "$LOGS/cases-$1.tap") of them skipped), $(grep -c '^not ok' "$LOGS/cases-$1.tap") not ok"
}
rm -f "$LOGS"/vm-*.status
boots &
boots_pid=$!
trap 'kill "$bg" "$boots_pid" "${beside_pid[@]}" $(cat "$LOGS/arm64-boots.pid" 2>/dev/null) 2>/dev/null || true' EXIT
for kind in base control patched; do
	stage "boot $kind: clean run (end token, no crash marker or KASAN report, every test passed)" \
		booted "$kind"
	count_cases "$kind" "$BUILD/vm/$kind/summary.json"
done
# What the real clients add to each boot: their test's time, and the IOMMU (the main boots)
# against none (the faults boot, the same patched kernel): the guest's uptime when its first
# test started.
python3 - "$BUILD"/vm/{base,control,patched}/summary.json <<'PY'
import json, sys
for p in sys.argv[1:]:
    try:
        s = json.load(open(p))
    except (OSError, ValueError):
        continue
    t = {x["name"]: x for x in s["tests"]}
    first = s["tests"][0] if s["tests"] else {}
    if "clients" in t and "seconds" in t["clients"]:
        print("# %s: clients (RDMA, vfio) took %.1fs of the boot's tests; the first test started at "
              "%.1fs of uptime (q35, intel-iommu)" % (s["kind"], t["clients"]["seconds"], first.get("started", 0)))
PY
# The bisect point: with the slow-path refusal only, GUP-fast still pins what the slow path
# refuses. rxe (ib_umem_get(): pin_user_pages_fast()) registers the prefaulted shared ext4/xfs
# mapping while siw (pin_user_pages()) and vfio (pin_user_pages_remote()) are refused: the
# GUP-fast patch is what closes the gap for RDMA. clients -s expects exactly that; this checks
# the rows themselves too, so that a wrong expectation cannot pass the boot.
slowpath_boot() {
	booted slowpath "$BUILD/vm-slowpath" || return 1
	python3 - "$BUILD/vm-slowpath/slowpath/summary.json" <<'PY'
import json, sys
cases = {c["name"]: c.get("outcome") for t in json.load(open(sys.argv[1]))["tests"] for c in t["cases"]}
want = {"%s R/W %s file shared" % (c, fs): o for fs in ("ext4", "xfs")
        for c, o in (("rdma rxe", "pinned"), ("rdma siw", "EFAULT"), ("vfio type1", "EFAULT"))}
bad = ["%s: %s (expected %s)" % (k, cases.get(k), o) for k, o in want.items() if cases.get(k) != o]
for k, o in want.items():
    print("slow-path step: %s: %s" % (k, cases.get(k)))
if bad:
    print("ERROR: the slow-path step's real clients: " + "; ".join(bad))
sys.exit(1 if bad else 0)
PY
}
stage "boot the slow-path step (patch $(basevar SLOWPATH_AFTER | cut -c1-4)): rxe (GUP-fast) still pins shared ext4/xfs, siw and vfio are refused" \
	slowpath_boot
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
# The faults boot runs beside the movablecore one (two TCG guests, as the boots above).
beside faults env VMDIR="$BUILD/vm-faults" ONLY_TESTS=1 TESTS="$BUILD/bin/gup_race" \
	TEST_ARGS='$NEG -f 7 -s 1 -t 30 -d /mnt/ext4 -d /mnt/xfs -d /tmp' "$TOP/scripts/vm-test.sh" patched
stage "boot patched with movablecore=2G: fast-only long-term pins of movable pages expected to fail" movable

# The patched kernel (KASAN, with fault injection built in) once more: failslab,
# fail_page_alloc and fail_usercopy fail every 7th call of gup_race's pinning threads (and only
# theirs): pins fail with an errno, never crash, warn or leak; refused pins stay refused,
# pinned pages hold the pattern, the pin counters balance.
stage "boot patched with faults injected into the pins (gup_race -f 7, fixed seed; KASAN)" waited faults
grep -h '# faults injected:' "$BUILD/vm-faults/patched/results.tap" 2>/dev/null | sed 's/^ *#/#/'
tr -d '\r' < "$BUILD/vm-faults/patched/results.tap" 2>/dev/null |
	sed -n 's/^# harness: \(.*\) took .*, started at \(.*\)s of uptime$/# faults boot: the first test (\1) started at \2s of uptime (q35, no IOMMU)/p'

# Mutants: the deliberately broken variants of the series, built into one kernel on the tip
# (mm/gup.c only; a mutant schemata, mutants/README), which is booted once per mutant that
# gup_longterm must catch, with gup_mutant=NN; each must be killed, and the same kernel with
# gup_mutant=0, the tip, must pass the same boot. (make mutants runs the race ones too.)
stage "mutants: every deterministic mutant of the series is killed by gup_longterm (mutants/)" \
	env OUT="$BUILD/check-mutants" MUTANTS_EXPECT=killed RACE_RUNS=0 "$TOP/scripts/mutants.sh"
if [ -s "$BUILD/check-mutants/mutants.tap" ]; then
	cp "$BUILD/check-mutants/mutants.tap" "$BUILD/check-mutants/table.md" "$LOGS/"
	count_tap "mutant" "$LOGS/mutants.tap"
fi

if "$TOP/scripts/compare.py" "$BUILD"/vm/{base,control,patched}/summary.json > "$LOGS/compare.tap" 2>&1; then :; fi
count_tap "base vs control vs patched" "$LOGS/compare.tap"
grep -q '^ok\|^not ok' "$LOGS/compare.tap" || record fail "base vs control vs patched: compare.py produced no result"

# The mailing-list series and the distro drop (worktrees of their own, mostly disk) run beside
# the gate. make series mails as whoever runs it; the check uses a stated test identity, so that
# it passes the same on every machine (the harness self-test shows the refusal without one).
beside series env GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=user.name GIT_CONFIG_VALUE_0="make check" \
	GIT_CONFIG_KEY_1=user.email GIT_CONFIG_VALUE_1=make-check@localhost "$TOP/scripts/mail-series.sh"
beside distro "$TOP/scripts/distro.sh"
stage "gate: patch quality (checkpatch, sparse/W=1, coccinelle, kernel-doc, rst, zero fuzz, export)" \
	"$TOP/scripts/gate.sh"
stage "series: the mailing-list series (sender's DCO, stable-style upstream lines, To/Cc) applies with git am onto a fresh base" \
	waited series
stage "distro: the Debian patch-queue drop applies in series order with zero fuzz" waited distro
stage "selftest: the harness's own tests" env ARCHS_SELFTEST=0 "$TOP/scripts/selftest.sh"
stage "arm64: base, control and patched build, cross-compiled (KCSAN, DEBUG_VM), with the guest binaries" built arm64
arm64_pid=$(cat "$LOGS/arm64-boots.pid" 2>/dev/null || true)
for kind in base control patched; do
	stage "boot arm64 $kind: clean run (end token, no crash marker, no KCSAN report in the series' code, every test passed)" \
		arm64_booted "$kind"
	count_cases "arm64-$kind" "$BUILD/vm-arm64/$kind/summary.json"
	grep -hE 'KCSAN report (elsewhere|of a known)' "$LOGS/vm-arm64-$kind.log" 2>/dev/null | sort | uniq -c | sed "s/^/# arm64 $kind: /"
done
if "$TOP/scripts/compare.py" --without-clients "guest/clients.c runs on x86_64 only" \
	"$BUILD"/vm-arm64/{base,control,patched}/summary.json > "$LOGS/compare-arm64.tap" 2>&1; then :; fi
count_tap "arm64: base vs control vs patched" "$LOGS/compare-arm64.tap"
grep -q '^ok\|^not ok' "$LOGS/compare-arm64.tap" || record fail "arm64: compare.py produced no result"
if "$TOP/scripts/compare-archs.py" arm64 "$BUILD/vm" "$BUILD/vm-arm64" > "$LOGS/compare-archs.tap" 2>&1; then :; fi
count_tap "x86_64 vs arm64" "$LOGS/compare-archs.tap"
grep -q '^ok\|^not ok' "$LOGS/compare-archs.tap" || record fail "x86_64 vs arm64: compare-archs.py produced no result"
# Debian's configs (built in the background since the boots): every patch step compiles the
# objects the series touches with no new W=1 or sparse warning, and the kABI holds.
stage "archs: Debian's amd64, arm64, ppc64el, s390x and i386 configs: every patch step compiles, no new W=1/sparse warning, no CRC of an exported symbol changes; a planted warning and CRC change fail it" \
	built archs
sed -n '/^Debian.s 6.1 configs/,/^$/p' "$LOGS/build-archs.log" | sed '/^$/d; s/^/# /'

stage "matrix: the picture of every case on every kernel (build/vm/matrix.png)" \
	"$TOP/scripts/matrix.py" "$BUILD/vm/matrix.png" "$BUILD"/vm/{base,control,patched}/summary.json

echo
"$TOP/scripts/table.py" "$BUILD"/vm/{base,control,patched}/summary.json "$BUILD"/vm-arm64/{base,control,patched}/summary.json 2>/dev/null | tail -1
echo "check took $(( $(date +%s) - start ))s; logs in ${LOGS#"$TOP"/}/"
if [ $fail -gt 0 ]; then
	echo "FAILED:"
	printf '  %s\n' "${failed[@]}" | head -30
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
