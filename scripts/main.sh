#!/usr/bin/env bash
# The main job: build the base, control and patched kernels (the series applied commit by
# commit) for x86_64 and arm64, boot each with the tests, and print what the series changes
# side by side: one table, a column per kernel and architecture.
# GUEST_ARCHS: the architectures (default: x86_64 arm64); KINDS: the kernels (base control patched).
. "$(dirname "$0")/lib.sh"
need python3 gnuplot
KINDS=${KINDS:-base control patched}
GUEST_ARCHS=${GUEST_ARCHS:-x86_64 arm64}
"$TOP/scripts/base.sh"
status=0 sums=()
for a in $GUEST_ARCHS; do
	vmdir=$BUILD/vm
	[ "$a" = x86_64 ] || vmdir=$BUILD/vm-$a
	# x86_64 builds every patch step (the bisect check); another architecture only what it boots
	steps=all
	[ "$a" = x86_64 ] || steps=proof
	env GUEST_ARCH="$a" STEPS=$steps "$TOP/scripts/kernels.sh" test
	env GUEST_ARCH="$a" "$TOP/scripts/bins.sh"
	env GUEST_ARCH="$a" VMDIR="$vmdir" "$TOP/scripts/vm-test.sh" $KINDS || status=1
	for k in $KINDS; do sums+=("$vmdir/$k/summary.json"); done
done
echo
"$TOP/scripts/table.py" "${sums[@]}"
echo
"$TOP/scripts/matrix.py" "$BUILD/vm/matrix.png" "${sums[@]}" || status=1
echo "Logs: build/vm/<kernel>/ (x86_64), build/vm-arm64/<kernel>/: console.log (kernel), results.tap (tests), summary.json"
exit $status
