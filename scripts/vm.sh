#!/usr/bin/env bash
# Stage: boot KERNEL with INITRD in QEMU (TCG, 2 vCPUs) with fresh ext4 and xfs disks, wait for
# it to end, keep the console log and the guest's TAP results in OUTDIR. GUEST_ARCH's machine:
# x86_64's q35, arm64's virt (qemu-system-aarch64).
# Usage: vm.sh KERNEL INITRD OUTDIR KIND    (KIND: base, control or patched)
. "$(dirname "$0")/lib.sh"
need mkfs.ext4 mkfs.xfs
if [ "$GUEST_ARCH" = arm64 ]; then
	need qemu-system-aarch64
else
	need qemu-system-x86_64
fi
[ $# -eq 4 ] || die "usage: vm.sh KERNEL INITRD OUTDIR KIND"
kernel=$1 initrd=$2 out=$3 kind=$4
[ -f "$kernel" ] || die "kernel image $kernel not found"
[ -f "$initrd" ] || die "initramfs $initrd not found"
VM_TIMEOUT=${VM_TIMEOUT:-1200}       # host-side limit for the whole boot
TEST_TIMEOUT=${TEST_TIMEOUT:-300}    # guest-side limit per test
VM_MEM=${VM_MEM:-6G}   # the 1 GiB huge page is not found at boot with 3-4 GiB
VM_SMP=${VM_SMP:-2}    # vCPUs: the races need two; make bench boots one (see bench.sh)
mkdir -p "$out"
rm -f "$out/console.log" "$out/results.tap"
truncate -s 0 "$out/console.log" "$out/results.tap"
# Fresh file systems for every boot, so every kernel starts from the same state.
rm -f "$out/ext4.img" "$out/xfs.img"
truncate -s 256M "$out/ext4.img" && mkfs.ext4 -q -F "$out/ext4.img" || die "mkfs.ext4 failed"
truncate -s 512M "$out/xfs.img" && mkfs.xfs -q -f "$out/xfs.img" || die "mkfs.xfs failed"
append="panic_on_warn=${VM_PANIC_ON_WARN:-$PANIC_ON_WARN} panic=-1 oops=panic softlockup_panic=1 rcupdate.rcu_cpu_stall_timeout=60"
# VM_HUGEPAGES: the huge pages reserved at boot (the movablecore= boot reserves none, see check.sh):
# a page of every hugetlb size the guest has, arm64's contiguous-PTE (64K) and contiguous-PMD
# (32M) sizes too; gup_longterm pins one page a case
hugepages="hugepagesz=1G hugepages=1 hugepagesz=2M hugepages=64"
[ "$GUEST_ARCH" != arm64 ] || hugepages+=" hugepagesz=64K hugepages=16 hugepagesz=32M hugepages=2"
append+=" ${VM_HUGEPAGES-$hugepages} transparent_hugepage=madvise secretmem.enable=1"
# x86_64: q35 for every boot: on the pc machine the test kernels (ACPI, for the IOMMU) spend
# ~15 s under TCG on each ACPI PCI interrupt link (\_SB_.LNKx) the virtio disks use. The
# console on the first UART, the guest's TAP results on the second (the guest's default).
# VM_IOMMU=1 (vm-test.sh, for guest/clients.c's vfio cases): QEMU's intel-iommu too (with
# interrupt remapping, which vfio type1 requires), created before the other PCI devices, and
# the edu device for vfio-pci to take.
# arm64: virt with GICv3 (and its ITS, for the PCI devices' MSIs) and the max CPU, its pointer
# authentication with QEMU's cheap algorithm (pauth-impdef: the architected QARMA costs TCG
# most of its time in every function's prologue and epilogue). virt has one UART for the
# normal world: the results go to a virtio console, hvc0 (harness.results=, guest/init).
case $GUEST_ARCH in
x86_64)
	machine=(-machine q35 -cpu max -serial "file:$out/console.log" -serial "file:$out/results.tap")
	append+=" console=ttyS0"
	if [ "${VM_IOMMU:-}" = 1 ]; then
		machine=(-machine q35 -device intel-iommu,intremap=on -device edu "${machine[@]:2}")
		append+=" intel_iommu=on"
	fi
	;;
arm64)
	[ "${VM_IOMMU:-}" != 1 ] || die "VM_IOMMU=1: the arm64 boots have no IOMMU (guest/clients.c runs on x86_64 only)"
	machine=(-machine virt,gic-version=3 -cpu max,pauth-impdef=on -serial "file:$out/console.log"
		-device virtio-serial-pci -chardev "file,id=results,path=$out/results.tap" -device virtconsole,chardev=results)
	append+=" console=ttyAMA0 harness.results=/dev/hvc0"
	;;
esac
append+=" harness.kind=$kind harness.timeout=$TEST_TIMEOUT ${VM_APPEND:-}"
info "booting $kind kernel ($(basename "$kernel")), logs in ${out#"$TOP"/}"
start=$(date +%s)
set +e
timeout -s KILL "$VM_TIMEOUT" "$QEMU" -accel tcg -smp "$VM_SMP" -m "$VM_MEM" -nographic -no-reboot -monitor none \
	-kernel "$kernel" -initrd "$initrd" -append "$append" ${VM_QEMU_ARGS:-} "${machine[@]}" \
	-drive "file=$out/ext4.img,if=none,id=ext4,format=raw" -device virtio-blk-pci,drive=ext4 \
	-drive "file=$out/xfs.img,if=none,id=xfs,format=raw" -device virtio-blk-pci,drive=xfs \
	</dev/null >"$out/qemu.log" 2>&1 &
qemu=$!
# Progress, every 30 s: the test the guest is running (its "harness: running" line) and time.
n=0
while kill -0 "$qemu" 2>/dev/null; do
	sleep 1
	n=$((n + 1))
	[ $((n % 30)) -eq 0 ] || continue
	now=$(grep -ao 'harness: running .*' "$out/console.log" | tail -1 | tr -d '\r')
	info "$kind: ${n}s, ${now:-booting}"
done
wait "$qemu"
rc=$?
set -e
echo "$(( $(date +%s) - start ))" > "$out/seconds"
rm -f "$out/ext4.img" "$out/xfs.img"
if [ $rc -eq 137 ]; then
	echo "timeout after ${VM_TIMEOUT}s" > "$out/qemu.status"
elif [ $rc -ne 0 ]; then
	echo "qemu exited with $rc: $(head -c 300 "$out/qemu.log")" > "$out/qemu.status"
else
	echo ok > "$out/qemu.status"
fi
exit 0
