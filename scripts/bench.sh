#!/usr/bin/env bash
# The cost benchmark (make bench): gup_test's PIN_FAST/GUP_FAST benchmarks over anonymous 4K,
# THP, shmem and hugetlb ranges on the base and the patched kernel in the same run, on
# kernels without debug options, under QEMU -icount shift=0,sleep=off (one instruction per
# nanosecond of guest time: deterministic instruction counts). Each kernel boots twice; the
# two boots' figures must be identical. Prints the table and writes build/bench/bench.png.
. "$(dirname "$0")/lib.sh"
need python3 gnuplot
STEPS=ends "$TOP/scripts/kernels.sh" bench "$TOP"/config/{kernel,clients,bench}.config
[ -x "$BUILD/bin/gup_test" ] || "$TOP/scripts/bins.sh"
out=$BUILD/bench
mkdir -p "$out"
grep -v '^#' "$TOP/guest/bench.list" > "$out/tests.list"
GEN_INIT_CPIO=$BUILD/out/bench/usr/gen_init_cpio "$TOP/scripts/initramfs.sh" "$out/initramfs.cpio" \
	"$out/tests.list" "$BUILD/bin/gup_test"
for kind in base patched; do
	for run in 1 2; do
		VM_QEMU_ARGS="-icount shift=0,sleep=off" VM_TIMEOUT=${VM_TIMEOUT:-1800} \
			"$TOP/scripts/vm.sh" "$BUILD/images/bench/$kind.bzImage" "$out/initramfs.cpio" "$out/$kind-$run" "$kind"
		"$TOP/scripts/verdict.py" "$out/$kind-$run" "$kind" >/dev/null ||
			die "benchmark boot $kind-$run failed: $("$TOP/scripts/verdict.py" "$out/$kind-$run" "$kind" | head -1)"
	done
done
"$TOP/scripts/bench.py" "$out/bench.png" "$out/tests.list" "$out"/base-{1,2} "$out"/patched-{1,2} | tee "$out/bench.txt"
