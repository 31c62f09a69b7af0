#!/usr/bin/env bash
# The race stress soak (make soak): gup_race alone, for SOAK_SECONDS (default 660) on the
# patched kernel (test config: lockdep, DEBUG_VM, KASAN), then its verdict. KINDS=control too for
# the negative control. Same binary and invariants as the short run inside `make check`.
. "$(dirname "$0")/lib.sh"
secs=${SOAK_SECONDS:-660}
"$TOP/scripts/kernels.sh" test "${TEST_FRAGMENTS[@]}"
"$TOP/scripts/bins.sh"
status=0
for kind in ${KINDS:-patched}; do
	ONLY_TESTS=1 TESTS="$BUILD/bin/gup_race" \
		TEST_ARGS="\$NEG -t $secs -d /mnt/ext4 -d /mnt/xfs -d /tmp" \
		TEST_TIMEOUT=$((secs + 300)) VM_TIMEOUT=$((secs + 600)) VMDIR="$BUILD/soak" \
		"$TOP/scripts/vm-test.sh" "$kind" || status=1
	grep -E '^    # (iterations|total|.*per second)|^    (ok|not ok)' "$BUILD/soak/$kind/results.tap" | head -20
done
exit $status
