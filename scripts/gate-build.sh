#!/usr/bin/env bash
# Gate check: sparse (C=2) and W=1 on every object the series touches, at the base and at
# the series tip, in the test kernel's O= directory. A warning at the tip that the base does
# not have (compared without line numbers) fails, naming the file and the warning.
# PATCHDIR (default patches/) selects the series, so the harness's own tests can plant one.
. "$(dirname "$0")/lib.sh"
need git gcc ccache sparse
PATCHDIR=${PATCHDIR:-$TOP/patches}
out=$BUILD/out/test
[ -f "$out/.config" ] || die "no configured kernel build in $out (run: make kernels)"
git -C "$TREE" diff --quiet HEAD || die "the kernel tree has uncommitted changes"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git -C "$TREE" checkout -q --detach base
rm -rf "$TREE/.git/rebase-apply"
while read -r p; do
	git -C "$TREE" am -q "$PATCHDIR/$p" 2>/dev/null || { git -C "$TREE" am --abort 2>/dev/null; die "$p does not apply"; }
done < <(series_files)
tip=$(git -C "$TREE" rev-parse HEAD)
objs=$(git -C "$TREE" diff --name-only base "$tip" | grep -E '^(mm|fs|kernel|lib|include|arch/x86)/.*\.c$' | sed 's/\.c$/.o/' || true)
[ -n "$objs" ] || { info "gate-build: the series touches no built C file"; exit 0; }

# check LABEL: sparse + W=1 warnings of the touched objects, without line numbers; one make
# for all of them (each make of the kernel tree costs seconds before it compiles anything)
check() {
	(cd "$out" && rm -f $objs)
	make -s -C "$TREE" O="$out" ARCH=x86_64 CC="ccache gcc" -j"$(nproc)" -k C=2 W=1 $objs 2>&1 >/dev/null |
		grep -E 'warning:|error:' | sed -E 's/:[0-9]+:[0-9]+:/:/; s/^.*\/(mm|fs|kernel|lib|include|arch)\//\1\//' |
		sort > "$work/$1" || true
}
check tip
git -C "$TREE" checkout -q --detach base
check base
git -C "$TREE" checkout -q --detach "$tip"
new=0
extra=$(comm -13 "$work/base" "$work/tip")
if [ -n "$extra" ]; then
	new=1
	printf '%s\n' "$extra" | sed 's/^/gate-build: new warning: /'
fi
# Rebuild the touched objects with the normal flags, so the next kernel build is unaffected.
(cd "$out" && rm -f $objs)
[ $new -eq 0 ] || die "sparse/W=1: the series adds warnings (listed above)"
info "gate-build: sparse (C=2) and W=1 on $(echo $objs | wc -w) touched objects: no new warnings"
