#!/usr/bin/env bash
# Stage: make a .config in the O= directory $1 from GUEST_ARCH's tinyconfig + config/guest.config
# (what every QEMU guest does without) + its config/arch/ fragment + the fragments $2...,
# then verify that every option they request survived olddefconfig.
# Usage: config.sh OUTDIR FRAGMENT...
. "$(dirname "$0")/lib.sh"
need "${CROSS}gcc" git flex bison
[ $# -ge 2 ] || die "usage: config.sh OUTDIR FRAGMENT..."
mkdir -p "$1"; out=$(cd "$1" && pwd); shift
[ -f "$ARCH_FRAGMENT" ] || die "no configuration fragment for $GUEST_ARCH: ${ARCH_FRAGMENT#"$TOP"/} not found"
frags=("$TOP/config/guest.config" "$ARCH_FRAGMENT")
for f in "$@"; do [ -f "$f" ] || die "config fragment $f not found"; frags+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
# The .config is a function of the fragments, the toolchain (Kconfig asks the compiler and
# linker what they support), this script and what the tree's kconfig reads: its Kconfig files,
# scripts/, the top Makefile and the tiny configs, none of which the series changes. With the
# same ones as the .config in OUTDIR was made from (its key beside it, .config.key), that
# .config is kept: make tinyconfig, merge_config.sh and olddefconfig take 16 s, at every
# kernels.sh (eight in make check). A changed .config or a failed check keeps nothing.
kpaths=(':(glob)**/Kconfig*' scripts Makefile kernel/configs ':(glob)arch/*/configs')
key=$( { echo "$KARCH $CROSS"; "${CROSS}gcc" --version | head -1
	for t in as ld; do "$("${CROSS}gcc" -print-prog-name=$t)" --version | head -1; done
	cat "${frags[@]}" "$0" "$TOP/scripts/config-check.sh"; git -C "$TREE" ls-files -s -- "${kpaths[@]}"; } |
	sha1sum | cut -c1-16)
if [ -f "$out/.config.key" ] && [ "$(cat "$out/.config.key")" = "$key $(sha1sum < "$out/.config" | cut -c1-40)" ] &&
	git -C "$TREE" diff --quiet HEAD -- "${kpaths[@]}"; then
	info "config: kept (${out#"$TOP"/}/.config, the same fragments, toolchain and Kconfig)"
	exit 0
fi
rm -f "$out/.config.key"
K="make -s -C $TREE O=$out ARCH=$KARCH CROSS_COMPILE=$CROSS"
$K tinyconfig >/dev/null 2>&1 || die "make tinyconfig failed in $out"
(cd "$out" && "$TREE/scripts/kconfig/merge_config.sh" -m -O "$out" .config "${frags[@]}" >/dev/null 2>&1) ||
	die "merge_config.sh failed on ${frags[*]}"
$K olddefconfig >/dev/null 2>&1 || die "make olddefconfig failed in $out"
"$TOP/scripts/config-check.sh" "$out/.config" "${frags[@]}"
echo "$key $(sha1sum < "$out/.config" | cut -c1-40)" > "$out/.config.key"
