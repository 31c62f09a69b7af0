#!/usr/bin/env bash
# The cost benchmark (make bench): gup_test's PIN_FAST/GUP_FAST benchmarks over 256 MiB of
# anonymous 4K, THP, shmem and 2M hugetlb memory on the base and the patched kernel in the same
# run, on kernels without debug options, under QEMU -icount shift=0,sleep=off (one instruction
# per nanosecond of guest time: deterministic instruction counts), on x86_64 and arm64
# (BENCH_ARCHS). Each kernel boots twice; the two boots' figures must agree (bench.py). Prints
# one table, the architectures side by side, and writes build/bench/bench.png.
#
# The boots have one vCPU: with icount, TCG runs the vCPUs in turn on one thread and guest
# time advances with the instructions of all of them, so a second vCPU's work (its ticks, a
# kworker) lands inside the measured window. On x86_64 that work happened to repeat from boot
# to boot (two boots' minima within 0.031 instruction a page); on arm64 it did not (0.32
# apart, 0.046 with one vCPU). norandmaps: the ranges sit at the same addresses in every boot.
# The two boots of a kernel run at once: instruction counts do not depend on the host's load.
. "$(dirname "$0")/lib.sh"
need python3 gnuplot
BENCH_ARCHS=${BENCH_ARCHS:-x86_64 arm64}
out=$BUILD/bench
mkdir -p "$out"
grep -v '^#' "$TOP/guest/bench.list" > "$out/tests.list"
groups=()
for a in $BENCH_ARCHS; do
	(
		export GUEST_ARCH=$a
		unset TREE
		. "$(dirname "$0")/lib.sh"
		STEPS=ends "$TOP/scripts/kernels.sh" bench "$TOP"/config/{kernel,clients,bench}.config
		[ -x "$BUILD/bin$ASUF/gup_test" ] || "$TOP/scripts/bins.sh"
		GEN_INIT_CPIO=$BUILD/out/bench$ASUF/usr/gen_init_cpio "$TOP/scripts/initramfs.sh" "$out/initramfs$ASUF.cpio" \
			"$out/tests.list" "$BUILD/bin$ASUF/gup_test"
		mkdir -p "$out/$a"
		for kind in base patched; do
			for run in 1 2; do
				VM_SMP=1 VM_APPEND=norandmaps VM_HUGEPAGES="hugepagesz=2M hugepages=128" \
					VM_QEMU_ARGS="-icount shift=0,sleep=off" VM_TIMEOUT=${VM_TIMEOUT:-1800} \
					"$TOP/scripts/vm.sh" "$BUILD/images/bench$ASUF/$kind.$IMG" "$out/initramfs$ASUF.cpio" \
					"$out/$a/$kind-$run" "$kind" > "$out/$a/$kind-$run.log" 2>&1 &
			done
			wait
			for run in 1 2; do
				"$TOP/scripts/verdict.py" "$out/$a/$kind-$run" "$kind" >/dev/null ||
					die "benchmark boot $a $kind-$run failed: $("$TOP/scripts/verdict.py" "$out/$a/$kind-$run" "$kind" | head -1) (log: $out/$a/$kind-$run.log)"
			done
		done
	) || exit 1
	groups+=("$a" "$out/$a"/base-{1,2} "$out/$a"/patched-{1,2})
done
"$TOP/scripts/bench.py" "$out/bench.png" "$out/tests.list" "${groups[@]}" | tee "$out/bench.txt"
