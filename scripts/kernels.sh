#!/usr/bin/env bash
# Stage: build the base kernel, then apply patches/series to the base one commit at a time
# (git am, zero fuzz) on the same tree and O= directory, building after each patch: the
# bisectability check. Images are cached by (tree, config) hash, so an unchanged step is
# not rebuilt. Leaves images/{base,control,patched}.bzImage and the tree at the series tip.
# Usage: kernels.sh FLAVOUR [FRAGMENT...]   (FLAVOUR names the O= dir: test, bench, ...;
# no fragment: the test kernels' own, lib.sh's TEST_FRAGMENTS)
# STEPS: all (default: the base and every patch, the bisect check), ends (the base and the
# series tip: make bench) or tip (the series tip only: the KCSAN and mutant kernels).
. "$(dirname "$0")/lib.sh"
need git
flavour=$1; shift
[ $# -gt 0 ] || set -- "${TEST_FRAGMENTS[@]}"
STEPS=${STEPS:-all}
case $STEPS in all | ends | tip) ;; *) die "STEPS=$STEPS: all, ends or tip" ;; esac
out=$BUILD/out/$flavour img=$BUILD/images/$flavour
links=${LINKDIR:-$img}   # where base/control/patched.bzImage point into the cache
mkdir -p "$img/cache" "$links"
[ "$STEPS" != all ] || rm -f "$links/control.bzImage"
PATCHDIR=${PATCHDIR:-$TOP/patches}
[ -f "$PATCHDIR/series" ] || die "$PATCHDIR/series not found"
control_after=$(basevar CONTROL_AFTER)

git -C "$TREE" diff --quiet HEAD 2>/dev/null ||
	die "the kernel tree $TREE has uncommitted changes: commit (and make export) or stash them first"
git -C "$TREE" checkout -q --detach base || die "cannot check out the base in $TREE"
rm -rf "$TREE/.git/rebase-apply"
"$TOP/scripts/config.sh" "$out" "$@"
confsum=$(sha1sum < "$out/.config" | cut -c1-12)

step() { # build the current tree state unless an image of it exists; $1: label, $2: name
	local key src
	key=$(git -C "$TREE" rev-parse HEAD^{tree} | cut -c1-12)-$confsum
	src=$img/cache/$key.bzImage
	if [ -f "$src" ]; then
		info "cached: $1"
	else
		"$TOP/scripts/build.sh" "$out" "$src" "$1"
	fi
	[ -z "${2:-}" ] || ln -sf "$src" "$links/$2.bzImage"
}

[ "$STEPS" = tip ] || step "base ($(git -C "$TREE" log -1 --format=%s base))" base
n=0
[ -n "$control_after" ] || [ "$STEPS" != all ] || ln -sf base.bzImage "$links/control.bzImage"
while read -r p; do
	n=$((n + 1))
	[ -f "$PATCHDIR/$p" ] || die "patch $p listed in the series does not exist"
	if ! git -C "$TREE" am -q --keep-cr "$PATCHDIR/$p" >"$BUILD/am.log" 2>&1; then
		git -C "$TREE" am --abort >/dev/null 2>&1 || true
		die "patch $n ($p) does not apply to the base with zero fuzz: $(grep -m1 -E 'error|failed' "$BUILD/am.log")"
	fi
	[ "$STEPS" = all ] || continue
	name=
	[ "$p" = "$control_after" ] && name=control
	step "patch $n: $p" $name
done < <(series_files)
[ "$STEPS" = all ] || step "series tip"
key=$(git -C "$TREE" rev-parse HEAD^{tree} | cut -c1-12)-$confsum
ln -sf "$img/cache/$key.bzImage" "$links/patched.bzImage"
[ -z "$control_after" ] || [ "$STEPS" != all ] || [ -e "$links/control.bzImage" ] ||
	die "CONTROL_AFTER=$control_after is not in the series"
info "$n patches applied, steps built: $STEPS; images in ${img#"$TOP"/}"
