#!/usr/bin/env bash
# Stage: pack the guest initramfs with the kernel tree's usr/gen_init_cpio: busybox-static,
# guest/init, the test binaries and the run list. For another GUEST_ARCH, that architecture's
# busybox-static (debian-deb.sh), and every binary must be of that architecture.
# Usage: initramfs.sh OUT.cpio LIST [BIN...]    (LIST lines: name|command; BINs go to /tests/)
. "$(dirname "$0")/lib.sh"
need file busybox
out=$1 list=$2; shift 2
gen=${GEN_INIT_CPIO:-$BUILD/out/test$ASUF/usr/gen_init_cpio}
[ -x "$gen" ] || die "usr/gen_init_cpio not found at $gen (build a kernel first)"
if [ "$GUEST_ARCH" = x86_64 ]; then
	busybox=$(command -v busybox || true)
	[ -n "$busybox" ] && file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || busybox=/bin/busybox
	file -L "$busybox" | grep -q 'statically linked' || die "busybox-static is not installed (run: make setup)"
else
	busybox=$("$TOP/scripts/debian-deb.sh" busybox-static "$DEB_ARCH")/bin/busybox || exit 1
	file -L "$busybox" | grep -q 'statically linked' || die "busybox-static:$DEB_ARCH has no static $busybox"
fi
[ -f "$list" ] || die "test list $list not found"
spec=$(mktemp)
trap 'rm -f "$spec"' EXIT
{
	for d in /bin /dev /proc /sys /tmp /mnt /tests /root; do echo "dir $d 755 0 0"; done
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "file /bin/busybox $busybox 755 0 0"
	echo "file /init $TOP/guest/init 755 0 0"
	echo "file /tests/list $(realpath "$list") 644 0 0"
	for b in "$@"; do
		[ -f "$b" ] || die "test binary $b not found"
		file -L "$b" | grep -qE 'statically linked|static-pie' || die "test binary $b is not statically linked"
		file -L "$b" | grep -qF ", $ELF_MACHINE," || die "test binary $b is not a $GUEST_ARCH program: $(file -bL "$b" | cut -d, -f1-2)"
		echo "file /tests/$(basename "$b") $(realpath "$b") 755 0 0"
	done
} > "$spec"
mkdir -p "$(dirname "$out")"
"$gen" "$spec" > "$out" || die "gen_init_cpio failed"
