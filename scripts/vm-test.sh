#!/usr/bin/env bash
# Stage: boot each kernel KIND (base, control, patched) with the guest binaries and the run
# list, then give each boot its verdict. Extra static binaries: TESTS="path/to/bin ...".
# TEST_ARGS: arguments for those (the guest's $NEG is "-n" on kernels without the restriction).
# VMDIR: where the boots' logs go (default build/vm). ONLY_TESTS=1: run only TESTS.
# IMAGE: boot this kernel image instead of the flavour's KIND image (one KIND only).
# GUEST_ARCH=arm64: arm64's images and guest binaries, on qemu-system-aarch64 (vm.sh).
# Usage: vm-test.sh KIND...      Exit 1 if any boot's verdict is a failure.
. "$(dirname "$0")/lib.sh"
need python3
[ $# -ge 1 ] || die "usage: vm-test.sh KIND..."
[ -z "${IMAGE:-}" ] || [ $# -eq 1 ] || die "IMAGE= boots one KIND only"
flavour=${FLAVOUR:-test}
VMDIR=${VMDIR:-$BUILD/vm}
# The run list and initramfs of each call are its own (calls for different KINDs may run at
# once, as make check's boots do).
work=$(mktemp -d "${TMPDIR:-/tmp}/vm-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
list=$work/tests.list
bins=()
mkdir -p "$VMDIR"
: > "$list"
# The run list: guest/tests.list's lines for GUEST_ARCH's tests (lib.sh's GUEST_TESTS).
if [ -z "${ONLY_TESTS:-}" ]; then
	for b in $GUEST_TESTS; do
		grep "^$b|" "$TOP/guest/tests.list" | sed "s/\${RACE_SECONDS:-20}/${RACE_SECONDS:-20}/" >> "$list" ||
			die "guest/tests.list has no line for $b"
		[ -x "$BUILD/bin$ASUF/$b" ] || die "guest binary $BUILD/bin$ASUF/$b missing (run: make bins)"
		bins+=("$BUILD/bin$ASUF/$b")
	done
fi
for t in ${TESTS:-}; do
	[ -x "$t" ] || die "TESTS: $t is not an executable file"
	echo "$(basename "$t")|/tests/$(basename "$t") ${TEST_ARGS:-}" >> "$list"
	bins+=("$t")
done
[ -s "$list" ] || die "nothing to run"
# guest/clients.c's vfio cases need the q35 machine with an IOMMU and the edu device (vm.sh)
! grep -q '^clients|' "$list" || export VM_IOMMU=1
"$TOP/scripts/initramfs.sh" "$work/initramfs.cpio" "$list" "${bins[@]}"
fail=0
for kind in "$@"; do
	img=${IMAGE:-$BUILD/images/$flavour$ASUF/$kind.$IMG}
	[ -e "$img" ] || die "no $kind kernel image at $img (run: make kernels)"
	mkdir -p "$VMDIR/$kind"
	cp "$list" "$VMDIR/$kind/tests.list"
	"$TOP/scripts/vm.sh" "$img" "$work/initramfs.cpio" "$VMDIR/$kind" "$kind"
	"$TOP/scripts/verdict.py" "$VMDIR/$kind" "$kind" || fail=1
done
exit $fail
