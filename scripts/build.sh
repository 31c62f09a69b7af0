#!/usr/bin/env bash
# Stage: build the kernel checked out in $TREE into the O= directory OUTDIR and copy its
# boot image (GUEST_ARCH's: bzImage, arm64's uncompressed Image) to DEST. Same CC= on every
# make (ccache), so Kbuild never rebuilds everything.
# Usage: build.sh OUTDIR DEST [LABEL]
. "$(dirname "$0")/lib.sh"
need "${CROSS}gcc" ccache flex bison bc perl /usr/include/gelf.h
[ "$KARCH" != x86_64 ] || need lz4   # the bzImage's compressor (config/arch/x86_64.config)
[ $# -ge 2 ] || die "usage: build.sh OUTDIR DEST [LABEL]"
[ -f "$1/.config" ] || die "no .config in $1 (run the config stage first)"
out=$(cd "$1" && pwd) dest=$2 label=${3:-$(git -C "$TREE" log -1 --format=%s)}
export CCACHE_BASEDIR=$TREE   # the cache and its mode: lib.sh
log=$out/build.log
info "building: $label (${out#"$TOP"/})"
if ! make -C "$TREE" O="$out" ARCH=$KARCH CROSS_COMPILE=$CROSS CC="ccache ${CROSS}gcc" -j"$(nproc)" "$IMG" >"$log" 2>&1; then
	grep -E 'error|Error' "$log" | head -20 >&2
	die "build failed: $label (log: $log)"
fi
# A relink always makes a new image (the version string has the build's number and time):
# an image byte-identical to the one built here before, from a tree that differs in a file
# the build reads (not only lib.sh's NOT_BUILT), means make relinked nothing, and the image
# is the other tree's kernel. (It happened once, in a cold make check: a mutant's image was
# the previous mutant's, and its boot counted as a kill; the cause was not found.) Fail
# rather than boot the wrong kernel.
tree=$(git -C "$TREE" write-tree) sum=$(sha1sum < "$out/$KIMAGE" | cut -d' ' -f1)
if [ -f "$out/.last-image" ] && read -r ltree lsum < "$out/.last-image" && [ "$lsum" = "$sum" ] &&
	! git -C "$TREE" diff --quiet "$ltree" "$tree" -- . "${NOT_BUILT[@]/#/:!}"; then
	die "build of $label: make relinked nothing, the image is the one built before from tree ${ltree:0:12} (now ${tree:0:12}); remove ${out#"$TOP"/} and build again"
fi
echo "$tree $sum" > "$out/.last-image"
mkdir -p "$(dirname "$dest")"
cp "$out/$KIMAGE" "$dest"
info "built: $label -> ${dest#"$TOP"/}"
