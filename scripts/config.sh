#!/usr/bin/env bash
# Stage: make a .config in the O= directory $1 from GUEST_ARCH's tinyconfig + its
# config/arch/ fragment + the fragments $2..., then verify that every option they request
# survived olddefconfig.
# Usage: config.sh OUTDIR FRAGMENT...
. "$(dirname "$0")/lib.sh"
need "${CROSS}gcc" flex bison
[ $# -ge 2 ] || die "usage: config.sh OUTDIR FRAGMENT..."
mkdir -p "$1"; out=$(cd "$1" && pwd); shift
[ -f "$ARCH_FRAGMENT" ] || die "no configuration fragment for $GUEST_ARCH: ${ARCH_FRAGMENT#"$TOP"/} not found"
frags=("$ARCH_FRAGMENT")
for f in "$@"; do [ -f "$f" ] || die "config fragment $f not found"; frags+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
K="make -s -C $TREE O=$out ARCH=$KARCH CROSS_COMPILE=$CROSS"
$K tinyconfig >/dev/null 2>&1 || die "make tinyconfig failed in $out"
(cd "$out" && "$TREE/scripts/kconfig/merge_config.sh" -m -O "$out" .config "${frags[@]}" >/dev/null 2>&1) ||
	die "merge_config.sh failed on ${frags[*]}"
$K olddefconfig >/dev/null 2>&1 || die "make olddefconfig failed in $out"
"$TOP/scripts/config-check.sh" "$out/.config" "${frags[@]}"
