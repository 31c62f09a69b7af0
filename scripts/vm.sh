#!/usr/bin/env bash
# Stage: boot KERNEL with INITRD in QEMU (TCG, 2 vCPUs) with fresh ext4 and xfs disks, wait for
# it to end, keep the console log and the guest's TAP results in OUTDIR.
# Usage: vm.sh KERNEL INITRD OUTDIR KIND    (KIND: base, control or patched)
. "$(dirname "$0")/lib.sh"
need qemu-system-x86_64 mkfs.ext4 mkfs.xfs
[ $# -eq 4 ] || die "usage: vm.sh KERNEL INITRD OUTDIR KIND"
kernel=$1 initrd=$2 out=$3 kind=$4
[ -f "$kernel" ] || die "kernel image $kernel not found"
[ -f "$initrd" ] || die "initramfs $initrd not found"
VM_TIMEOUT=${VM_TIMEOUT:-1200}       # host-side limit for the whole boot
TEST_TIMEOUT=${TEST_TIMEOUT:-300}    # guest-side limit per test
VM_MEM=${VM_MEM:-6G}   # the 1 GiB huge page is not found at boot with 3-4 GiB
mkdir -p "$out"
rm -f "$out/console.log" "$out/results.tap"
truncate -s 0 "$out/console.log" "$out/results.tap"
# Fresh file systems for every boot, so every kernel starts from the same state.
rm -f "$out/ext4.img" "$out/xfs.img"
truncate -s 256M "$out/ext4.img" && mkfs.ext4 -q -F "$out/ext4.img" || die "mkfs.ext4 failed"
truncate -s 512M "$out/xfs.img" && mkfs.xfs -q -f "$out/xfs.img" || die "mkfs.xfs failed"
append="console=ttyS0 panic_on_warn=1 panic=-1 oops=panic softlockup_panic=1 rcupdate.rcu_cpu_stall_timeout=60"
# VM_HUGEPAGES: the huge pages reserved at boot (the movablecore= boot reserves none, see check.sh)
append+=" ${VM_HUGEPAGES-hugepagesz=1G hugepages=1 hugepagesz=2M hugepages=64} transparent_hugepage=madvise secretmem.enable=1"
# q35 for every boot: on the pc machine the test kernels (ACPI, for the IOMMU) spend ~15 s
# under TCG on each ACPI PCI interrupt link (\_SB_.LNKx) the virtio disks use.
# VM_IOMMU=1 (vm-test.sh, for guest/clients.c's vfio cases): QEMU's intel-iommu too (with
# interrupt remapping, which vfio type1 requires), created before the other PCI devices, and
# the edu device for vfio-pci to take.
machine=(-machine q35)
if [ "${VM_IOMMU:-}" = 1 ]; then
	machine=(-machine q35 -device intel-iommu,intremap=on -device edu)
	append+=" intel_iommu=on"
fi
append+=" harness.kind=$kind harness.timeout=$TEST_TIMEOUT ${VM_APPEND:-}"
info "booting $kind kernel ($(basename "$kernel")), logs in ${out#"$TOP"/}"
start=$(date +%s)
set +e
timeout -s KILL "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m "$VM_MEM" \
	-nographic -no-reboot -monitor none -serial "file:$out/console.log" -serial "file:$out/results.tap" \
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
