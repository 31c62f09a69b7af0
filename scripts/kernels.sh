#!/usr/bin/env bash
# Stage: build the base kernel, then apply patches/series to the base one commit at a time
# (git am, zero fuzz) on the same tree and O= directory, building after each patch: the
# bisectability check. Images are cached by (tree, config) hash, so an unchanged step is
# not rebuilt. Leaves images/FLAVOUR/{base,control,patched}.bzImage and the tree at the series
# tip. With GUEST_ARCH=arm64: out/FLAVOUR-arm64 and images/FLAVOUR-arm64/KIND.Image.
# Usage: kernels.sh FLAVOUR [FRAGMENT...]   (FLAVOUR names the O= dir: test, bench, ...;
# no fragment: the test kernels' own, lib.sh's TEST_FRAGMENTS)
# STEPS: all (default: the base and every patch, the bisect check), proof (the base, the
# control step and the tip: what arm64 boots), ends (the base and the series tip: make bench)
# or tip (the series tip only: the KCSAN and mutant kernels).
. "$(dirname "$0")/lib.sh"
need git
flavour=$1; shift
[ $# -gt 0 ] || set -- "${TEST_FRAGMENTS[@]}"
STEPS=${STEPS:-all}
case $STEPS in all | proof | ends | tip) ;; *) die "STEPS=$STEPS: all, proof, ends or tip" ;; esac
out=$BUILD/out/$flavour$ASUF img=$BUILD/images/$flavour$ASUF
links=${LINKDIR:-$img}   # where base/control/patched.$IMG point into the cache
mkdir -p "$img/cache" "$links"
case $STEPS in all | proof) rm -f "$links/control.$IMG" "$links/slowpath.$IMG" ;; esac
PATCHDIR=$(cd "${PATCHDIR:-$TOP/patches}" 2>/dev/null && pwd) || die "PATCHDIR ${PATCHDIR:-} not found"
[ -f "$PATCHDIR/series" ] || die "$PATCHDIR/series not found"
control_after=$(basevar CONTROL_AFTER)
slowpath_after=$(basevar SLOWPATH_AFTER)   # the bisect point: images/FLAVOUR/slowpath.$IMG

arch_worktree
git -C "$TREE" diff --quiet HEAD 2>/dev/null ||
	die "the kernel tree $TREE has uncommitted changes: commit (and make export) or stash them first"
rm -rf "$TREE/.git/rebase-apply"
"$TOP/scripts/config.sh" "$out" "$@"
confsum=$(sha1sum < "$out/.config" | cut -c1-12)

# The series' commits are kept under refs/series/HASH (of the base and the patch files), so
# that a later run with the same patches checks out only a step it must build. Checking out the
# base and applying the series again rewrites every file the series changes, mm/internal.h
# among them, and the next build in an O= directory would recompile every object of mm/.
ref=refs/series/$( { git -C "$TREE" rev-parse base; cd "$PATCHDIR" && series_files |
	while read -r p; do [ ! -f "$p" ] || sha1sum "$p"; done; } | sha1sum | cut -c1-16)
reuse=
git -C "$TREE" rev-parse -q --verify "$ref/tip" >/dev/null && reuse=1

# A step whose patch changes only files no kernel build reads (Documentation/, the
# selftests) gets the image of the step before it (when that one was the previous step: not
# with STEPS=ends), as the build would compile and link nothing (lib.sh's NOT_BUILT).
prev=
step() { # step COMMIT LABEL [NAME]: build COMMIT unless an image of its tree exists
	local c=$1 key src
	key=$(git -C "$TREE" rev-parse "$c^{tree}" | cut -c1-12)-$confsum
	src=$img/cache/$key.$IMG
	if [ -f "$src" ]; then
		info "cached: $2"
	elif [ "$prev" = "$(git -C "$TREE" rev-parse "$c~^{tree}" 2>/dev/null | cut -c1-12)-$confsum" ] &&
		[ -f "$img/cache/$prev.$IMG" ] &&
		[ -z "$(git -C "$TREE" diff --name-only "$c~" "$c" -- . "${NOT_BUILT[@]/#/:!}")" ]; then
		info "not rebuilt: $2 changes only ${NOT_BUILT[*]}; the previous step's image"
		cp "$img/cache/$prev.$IMG" "$src"
	else
		[ "$(git -C "$TREE" rev-parse HEAD)" = "$(git -C "$TREE" rev-parse "$c")" ] ||
			git -C "$TREE" checkout -q --detach "$c" || die "cannot check out $2 in $TREE"
		"$TOP/scripts/build.sh" "$out" "$src" "$2"
	fi
	prev=$key
	[ -z "${3:-}" ] || ln -sf "$src" "$links/$3.$IMG"
}

[ -n "$reuse" ] || git -C "$TREE" checkout -q --detach base || die "cannot check out the base in $TREE"
[ "$STEPS" = tip ] || step base "base ($(git -C "$TREE" log -1 --format=%s base))" base
n=0
[ -n "$control_after" ] || [[ ! $STEPS =~ ^(all|proof)$ ]] || ln -sf "base.$IMG" "$links/control.$IMG"
while read -r p; do
	n=$((n + 1))
	[ -f "$PATCHDIR/$p" ] || die "patch $p listed in the series does not exist"
	if [ -n "$reuse" ]; then
		c=$(git -C "$TREE" rev-parse "$ref/$n")
	elif git -C "$TREE" am -q --keep-cr "$PATCHDIR/$p" >"$BUILD/am.log" 2>&1; then
		c=$(git -C "$TREE" rev-parse HEAD)
		git -C "$TREE" update-ref "$ref/$n" "$c"
	else
		git -C "$TREE" am --abort >/dev/null 2>&1 || true
		die "patch $n ($p) does not apply to the base with zero fuzz: $(grep -m1 -E 'error|failed' "$BUILD/am.log")"
	fi
	case $STEPS in
	all) ;;
	proof) [ "$p" = "$control_after" ] || continue ;;
	*) continue ;;
	esac
	name=
	[ "$p" = "$control_after" ] && name=control
	[ "$p" = "$slowpath_after" ] && name=slowpath
	step "$c" "patch $n: $p" $name
done < <(series_files)
[ -n "$reuse" ] || git -C "$TREE" update-ref "$ref/tip" "$c"
[ "$STEPS" = all ] || step "$c" "series tip"
# Leave the tree at the tip (no file is rewritten when it is there already).
[ "$(git -C "$TREE" rev-parse HEAD)" = "$c" ] || git -C "$TREE" checkout -q --detach "$c" ||
	die "cannot check out the series tip in $TREE"
key=$(git -C "$TREE" rev-parse HEAD^{tree} | cut -c1-12)-$confsum
ln -sf "$img/cache/$key.$IMG" "$links/patched.$IMG"
[ -z "$control_after" ] || [[ ! $STEPS =~ ^(all|proof)$ ]] || [ -e "$links/control.$IMG" ] ||
	die "CONTROL_AFTER=$control_after is not in the series"
info "$n patches applied${reuse:+ (the commits of an earlier run: ${ref#refs/})}, steps built: $STEPS; images in ${img#"$TOP"/}"
