#!/usr/bin/env bash
# The harness's own tests: each one feeds a stage bad input and checks that it fails with a
# clear one-line reason (or, for the good input, that it passes). Prints TAP; exit 1 on failure.
# The kernel cases need a built test kernel (make kernels); they restore the tree at the end.
. "$(dirname "$0")/lib.sh"
need gcc python3 /usr/lib/x86_64-linux-gnu/libc.a
set +e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 fails=0
last=$SECONDS
result() { # result OK DESCRIPTION [OUTPUT]: with the seconds since the previous result
	local t=$((SECONDS - last))
	n=$((n + 1)) last=$SECONDS
	if [ "$1" = 0 ]; then echo "ok $n $2 (${t}s)"; else
		fails=$((fails + 1)); echo "not ok $n $2 (${t}s)"; [ -z "${3:-}" ] || printf '%s\n' "$3" | tail -5 | sed 's/^/# /'
	fi
}
expect_fail() { # expect_fail DESCRIPTION PATTERN CMD...: CMD must fail and print PATTERN
	local desc=$1 pat=$2 out rc
	shift 2
	out=$("$@" 2>&1); rc=$?
	failed_with "$desc" "$pat" "$rc" "$out"
}
failed_with() { # failed_with DESCRIPTION PATTERN RC OUTPUT
	if [ "$3" -ne 0 ] && grep -qE -- "$2" <<<"$4"; then result 0 "$1"; else
		result 1 "$1 (exit $3, wanted /$2/)" "$4"; fi
}
# started FILE CMD...: run CMD in the background, its output in FILE and exit status in FILE.rc;
# expect_failed DESCRIPTION PATTERN FILE, after a wait: what expect_fail checks, for that run.
started() { local f=$1; shift; ( "$@" >"$f" 2>&1; echo $? >"$f.rc" ) & }
expect_failed() { failed_with "$1" "$2" "$(cat "$3.rc" 2>/dev/null || echo 0)" "$(cat "$3")"; }
echo "TAP version 13"

out=$(python3 "$TOP/tests/test_verdict.py" 2>&1); result $? "unit tests: TAP parser, crash detector, table, compare" "$out"

# Dependencies: what a stage runs must come from a package setup installs, by dpkg, not by
# being on this machine; and a stage must say what is missing before it starts.
out=$("$TOP/scripts/deps.py" 2>&1); result $? "deps: every command the stages call comes from a package setup installs" "$out"
grep -v '^coccinelle ' "$PACKAGES_LIST" > "$tmp/no-cocci.list"
expect_fail "deps: a stage's command whose package is not in setup's list is named (coccinelle removed)" \
	'gate.sh:[0-9]+: calls spatch, from package coccinelle, which setup does not install' \
	"$TOP/scripts/deps.py" --list "$tmp/no-cocci.list"
grep -v '^qemu-system-x86 ' "$PACKAGES_LIST" > "$tmp/no-qemu.list"
expect_fail "deps: a stage's command whose package is not in setup's list is named (qemu-system-x86 removed)" \
	'vm.sh(:[0-9]+)?: calls qemu-system-x86_64, from package qemu-system-x86, which setup does not install' \
	"$TOP/scripts/deps.py" --list "$tmp/no-qemu.list"
# cpp is on every machine with gcc, as gcc's dependency: being installed does not count.
printf '#!/usr/bin/env bash\n. "$(dirname "$0")/lib.sh"\ncpp -P /dev/null\n' > "$tmp/planted-stage.sh"
expect_fail "deps: a command installed here only as another package's dependency is named (cpp)" \
	'planted-stage.sh:3: calls cpp, from package cpp, which setup does not install' \
	"$TOP/scripts/deps.py" --scan "$tmp/planted-stage.sh"
printf '#!/usr/bin/env bash\n. "%s/scripts/lib.sh"\nneed gcc\n' "$TOP" > "$tmp/undeclared-stage.sh"
printf 'gcc -v\n' >> "$tmp/undeclared-stage.sh"
sed -i 's/^need gcc$/need git/' "$tmp/undeclared-stage.sh"
expect_fail "deps: a stage that calls a setup package's command without need() is named" \
	'undeclared-stage.sh:4: calls gcc \(package gcc\) without declaring it with need' \
	"$TOP/scripts/deps.py" --scan "$tmp/undeclared-stage.sh"
printf 'planted-pkg   no-such-command-planted\n' > "$tmp/planted.list"
printf '. "%s/scripts/lib.sh"\nneed git no-such-command-planted\necho reached\n' "$TOP" > "$tmp/needs.sh"
expect_fail "need: a missing command stops the stage before it starts, naming the command and its package" \
	'^ERROR: needs.sh: command no-such-command-planted not found: it comes from package planted-pkg \(run: make setup\)$' \
	env PACKAGES_LIST="$tmp/planted.list" bash "$tmp/needs.sh"

# Base and config
printf 'KERNEL_VERSION=6.1.192\n' > "$tmp/BASE"
expect_fail "base: a BASE file without the package version is a one-line error" \
	'^ERROR: .*does not record PACKAGE_VERSION' env BASE_FILE="$tmp/BASE" "$TOP/scripts/base.sh"
expect_fail "base: a missing BASE file is a one-line error" '^ERROR: .*not found' \
	env BASE_FILE="$tmp/none" "$TOP/scripts/base.sh"
out=$(TARBALL_VERSION=6.1.999-1 "$TOP/scripts/base.sh" 2>&1)
grep -q 'WARNING: base package is linux-source-6.1 6.1.999-1 but the series was tested on' <<<"$out"
result $? "base: a different base package version is named with both versions" "$out"
expect_fail "base: a missing tarball is a one-line error" '^ERROR: base tarball .* not found' \
	env TREE="$tmp/newtree" TARBALL="$tmp/none.tar.xz" "$TOP/scripts/base.sh"
# (in an O= directory of its own that later runs reuse: kconfig's programs are built once)
printf 'CONFIG_GUP_TEST=y\n# CONFIG_DEBUG_FS is not set\nCONFIG_NO_SUCH_OPTION_PLANTED=y\n' > "$tmp/bad.config"
expect_fail "config: options that did not survive olddefconfig are named" \
	'^ERROR: config options that did not survive olddefconfig: .*CONFIG_GUP_TEST=y.*CONFIG_NO_SUCH_OPTION_PLANTED' \
	"$TOP/scripts/config.sh" "$BUILD/out/selftest-config" "$TOP/config/kernel.config" "$tmp/bad.config"
printf 'CONFIG_GUP_TEST=y\n' > "$tmp/good.config"
printf 'CONFIG_GUP_TEST=y\nCONFIG_DEBUG_FS=y\n' > "$tmp/dotconfig"
"$TOP/scripts/config-check.sh" "$tmp/dotconfig" "$tmp/good.config"
result $? "config: a fragment whose options all survived passes"

# Guest binaries and boots
printf '#include <unistd.h>\nint main(void) { sleep(100000); return 0; }\n' > "$tmp/sleeper.c"
gcc -static -O2 -o "$tmp/sleeper" "$tmp/sleeper.c" && gcc -O2 -o "$tmp/dynamic" "$tmp/sleeper.c"
expect_fail "initramfs: a dynamically linked test binary is refused" 'is not statically linked' \
	env ONLY_TESTS=1 TESTS="$tmp/dynamic" VMDIR="$tmp/vm" "$TOP/scripts/vm-test.sh" patched
if [ -e "$BUILD/images/test/patched.bzImage" ]; then
	# The three boots at once (each its own VMDIR): two of them mostly wait.
	started "$tmp/hang.out" env ONLY_TESTS=1 TESTS="$tmp/sleeper" TEST_TIMEOUT=5 VMDIR="$tmp/vm-hang" \
		"$TOP/scripts/vm-test.sh" patched
	started "$tmp/silent.out" env ONLY_TESTS=1 TESTS="$tmp/sleeper" TEST_TIMEOUT=1000 VM_TIMEOUT=25 \
		VMDIR="$tmp/vm-silent" "$TOP/scripts/vm-test.sh" patched
	started "$tmp/panic.out" env ONLY_TESTS=1 TESTS="$tmp/sleeper" VM_APPEND="rdinit=/no-such-init" VM_TIMEOUT=60 \
		VMDIR="$tmp/vm-panic" "$TOP/scripts/vm-test.sh" patched
	wait
	expect_failed "verdict: a test that hangs in the guest fails the run (per-test timeout)" 'TIMEOUT' "$tmp/hang.out"
	expect_failed "verdict: a guest that never reports fails the run (host timeout)" 'QEMU: timeout' "$tmp/silent.out"
	expect_failed "verdict: a kernel that panics fails the run, showing the panic line" 'Kernel panic' "$tmp/panic.out"
else
	for t in "per-test timeout" "host timeout" "panic"; do echo "ok $((n += 1)) verdict: $t # SKIP no test kernel built (make kernels)"; done
fi

# Series: bad patches (these move the kernel tree; it is restored at the end)
if [ -f "$BUILD/out/test/.config" ]; then
	mkdir -p "$tmp/noapply" "$tmp/nobuild" "$tmp/links"
	first=$(series_files | head -1)
	cp "$TOP/patches/$first" "$tmp/noapply/" && cp "$TOP/patches/$first" "$tmp/nobuild/"
	# A patch whose context is not in the base: it must not apply (zero fuzz).
	awk '!done && hunk && /^ / { print " PLANTED-DRIFT" substr($0, 2); done = 1; next }
	     /^@@ / { hunk = 1 } { print }' "$TOP/patches/$(series_files | sed -n 2p)" > "$tmp/noapply/0002-context-drift.patch"
	printf '%s\n' "$first" 0002-context-drift.patch > "$tmp/noapply/series"
	expect_fail "series: a patch that does not apply with zero fuzz stops the run, named" \
		'^ERROR: patch 2 \(0002-context-drift.patch\) does not apply' \
		env PATCHDIR="$tmp/noapply" LINKDIR="$tmp/links" "$TOP/scripts/kernels.sh" test \
		"${TEST_FRAGMENTS[@]}"
	cat > "$tmp/nobuild/0002-planted-build-break.patch" <<'PATCH'
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: harness selftest <selftest@localhost>
Date: Sat, 1 Jan 2000 00:00:00 +0000
Subject: [PATCH] planted: break the build

---
 mm/gup.c | 1 +
 1 file changed, 1 insertion(+)

diff --git a/mm/gup.c b/mm/gup.c
--- a/mm/gup.c
+++ b/mm/gup.c
@@ -1,4 +1,5 @@
 // SPDX-License-Identifier: GPL-2.0-only
+#error planted build break
 #include <linux/kernel.h>
 #include <linux/errno.h>
 #include <linux/err.h>
PATCH
	printf '%s\n' "$first" 0002-planted-build-break.patch "$(series_files | sed -n 2p)" > "$tmp/nobuild/series"
	cp "$TOP/patches/$(series_files | sed -n 2p)" "$tmp/nobuild/"
	expect_fail "series: a patch that breaks the build in the middle of the series is named" \
		'^ERROR: build failed: patch 2: 0002-planted-build-break.patch' \
		env PATCHDIR="$tmp/nobuild" LINKDIR="$tmp/links" "$TOP/scripts/kernels.sh" test \
		"${TEST_FRAGMENTS[@]}"
	# A new sparse warning: the series plus one patch that adds a __user cast.
	mkdir -p "$tmp/sparse" && cp "$TOP"/patches/*.patch "$TOP/patches/series" "$tmp/sparse/"
	cat > "$tmp/sparse/9999-planted-sparse.patch" <<'PATCH'
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: harness selftest <selftest@localhost>
Date: Sat, 1 Jan 2000 00:00:00 +0000
Subject: [PATCH] planted: a new sparse warning

---
 mm/gup_test.c | 6 ++++++
 1 file changed, 6 insertions(+)

diff --git a/mm/gup_test.c b/mm/gup_test.c
--- a/mm/gup_test.c
+++ b/mm/gup_test.c
@@ -1,3 +1,9 @@
+int gup_test_planted(void __user *p);
+int gup_test_planted(void __user *p)
+{
+	return *(int *)p;
+}
+
 #include <linux/kernel.h>
 #include <linux/mm.h>
 #include <linux/slab.h>
PATCH
	echo 9999-planted-sparse.patch >> "$tmp/sparse/series"
	expect_fail "gate: a new sparse warning fails the gate, naming the file" \
		"new warning: mm/gup_test.c: warning: cast removes address space '__user'" \
		env PATCHDIR="$tmp/sparse" "$TOP/scripts/gate-build.sh"
	# A mutant that no test can see (a comment) must be reported as a survivor, failing the run.
	mkdir -p "$tmp/mutants"
	cat > "$tmp/mutants/01-planted-comment.patch" <<'PATCH'
Breaks: nothing (a comment): mutants.sh must call it a survivor
Expect: killed
Dirs: /mnt/ext4

diff --git a/mm/gup.c b/mm/gup.c
--- a/mm/gup.c
+++ b/mm/gup.c
@@ -1,4 +1,5 @@
 // SPDX-License-Identifier: GPL-2.0-only
+/* planted: MUTANT(1) guards nothing here: a mutant that changes nothing */
 #include <linux/kernel.h>
 #include <linux/errno.h>
 #include <linux/err.h>
PATCH
	expect_fail "mutants: a mutant that no test kills is reported as a survivor" \
		'not ok 2 - 01-planted-comment: SURVIVED gup_longterm' \
		env MUTANTS_DIR="$tmp/mutants" OUT="$tmp/mut" RACE_RUNS=0 sh -c \
		'"$0" >/dev/null 2>&1; rc=$?; cat "$OUT/mutants.tap"; exit $rc' "$TOP/scripts/mutants.sh"
	# Restore the kernel tree at the series tip (every image is cached: no build).
	"$TOP/scripts/kernels.sh" test "${TEST_FRAGMENTS[@]}" >"$tmp/restore.log" 2>&1
	result $? "series: the tree is restored at the series tip" "$(cat "$tmp/restore.log")"
	# Once more with the same patches: the series' commits are reused and, the tree being at
	# the tip already, no file is rewritten (else the next build recompiles all of mm/).
	before=$(git -C "$TREE" rev-parse HEAD; stat -c %Y "$TREE/mm/internal.h" "$TREE/mm/gup.c")
	"$TOP/scripts/kernels.sh" test "${TEST_FRAGMENTS[@]}" >"$tmp/again.log" 2>&1 &&
		grep -q 'the commits of an earlier run' "$tmp/again.log" &&
		[ "$(git -C "$TREE" rev-parse HEAD; stat -c %Y "$TREE/mm/internal.h" "$TREE/mm/gup.c")" = "$before" ]
	result $? "series: a second run with the same patches reuses their commits and rewrites no file" "$(cat "$tmp/again.log")"
else
	for t in "zero fuzz" "build break" "sparse" "restore" "reuse"; do echo "ok $((n += 1)) series: $t # SKIP no configured kernel build (make kernels)"; done
fi

# make archs: a planted W=1/sparse warning and CRC change must fail it, named (make check runs
# this in its background archs job instead, which owns the archs worktree: ARCHS_SELFTEST=0).
if [ "${ARCHS_SELFTEST:-1}" = 0 ]; then
	echo "ok $((n += 1)) archs: a planted warning and CRC change are named # SKIP run by make check's archs stage"
elif [ -e "$BUILD/linux-archs/.git" ]; then
	out=$("$TOP/scripts/archs-selftest.sh" 2>&1); result $? "archs: a planted W=1/sparse warning and CRC change fail make archs, named" "$out"
else
	echo "ok $((n += 1)) archs: a planted warning and CRC change are named # SKIP no archs worktree (make archs)"
fi

# The mailed series is signed by whoever runs make series: without an identity it refuses.
expect_fail "series: without a git identity the mailing-list series is refused in one line" \
	'^ERROR: git config user.name and user.email are not set' \
	env GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 "$TOP/scripts/mail-series.sh"

# Gate: its kept verdict, and a planted style violation (the build checks are covered above).
# The clean series passes checkpatch, and a second run with the same inputs replays that kept
# verdict; the same directory with one patch changed is checked again and fails.
if [ -x "$TOP/scripts/gate.sh" ]; then
	mkdir -p "$tmp/ws" && cp "$TOP"/patches/*.patch "$TOP/patches/series" "$tmp/ws/"
	env PATCHDIR="$tmp/ws" GATE_CHECKS=checkpatch "$TOP/scripts/gate.sh" >"$tmp/gate1.out" 2>&1 &&
		out=$(env PATCHDIR="$tmp/ws" GATE_CHECKS=checkpatch "$TOP/scripts/gate.sh" 2>&1) &&
		grep -q '^gate: kept verdict, passed' <<<"$out" && grep -q '^gate: checkpatch: PASS' <<<"$out"
	result $? "gate: a second run with the same inputs replays the kept passing verdict" "$(cat "$tmp/gate1.out"; echo "${out:-}")"
	victim=$(series_files | sed -n 3p)
	sed -i '0,/^+\t/s/^+\t\(.*\)$/+\t\1 /' "$tmp/ws/$victim"
	expect_fail "gate: a patch with trailing whitespace fails checkpatch, named" "$victim" \
		env PATCHDIR="$tmp/ws" GATE_CHECKS=checkpatch "$TOP/scripts/gate.sh"
fi
echo "1..$n"
echo "# selftest: $((n - fails)) passed, $fails failed"
[ $fails -eq 0 ]
