#!/usr/bin/env bash
# Stage: the series as a Debian kernel packager takes it, in build/distro/:
#   features/all/gup-longterm/<subject-slug>.patch   the patches, unchanged, named without numbers
#   series    a fragment to append to debian/patches/series as is: a heading, then the patches
#   config    the Kconfig options the tests need (config/kernel.config's settings)
# Then check that the patches apply in that order at 'base' with zero fuzz, as quilt does
# (patch -p1 -F0), in a throwaway worktree; the kernel work tree is not touched.
. "$(dirname "$0")/lib.sh"
need git patch
out=$BUILD/distro
sub=features/all/gup-longterm
git -C "$TREE" rev-parse -q --verify base >/dev/null || die "no kernel work tree with a 'base' tag at $TREE (run: make tree)"
mapfile -t patches < <(series_files)
[ ${#patches[@]} -gt 0 ] || die "patches/series lists no patches"

tmp=$(mktemp -d)
cleanup() {
	set +e
	git -C "$TREE" worktree remove --force "$tmp/wt" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

slug() { # the patch's subject, lower case, every run of other characters than [a-z0-9_] a '-'
	git mailinfo "$tmp/msg" "$tmp/diff" < "$1" | sed -n 's/^Subject: //p' |
		tr '[:upper:]' '[:lower:]' | sed -E 's/[^a-z0-9_]+/-/g; s/^-+//; s/-+$//'
}

rm -rf "$out"
mkdir -p "$out/$sub"
{
	echo "# gup-longterm: refuse long-term writable pins of file-backed page cache (backported from 6.5)"
	for p in "${patches[@]}"; do
		[ -f "$TOP/patches/$p" ] || die "patch $p listed in patches/series does not exist"
		name=$(slug "$TOP/patches/$p").patch
		[ "$name" != .patch ] || die "$p has no subject"
		[ ! -e "$out/$sub/$name" ] || die "$p: another patch already has the name $name"
		cp "$TOP/patches/$p" "$out/$sub/$name"
		echo "$sub/$name"
	done
} > "$out/series"

# Kconfig settings only: the harness's comments are dropped, "# CONFIG_X is not set" is kept.
{
	echo "# Kconfig options the gup-longterm tests need (tools/testing/selftests/vm/gup_longterm"
	echo "# and the harness's QEMU guest), from the harness's config/kernel.config."
	grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set$)' "$TOP/config/kernel.config"
} > "$out/config"

# The check: every patch applies in series order at base, with zero fuzz and no offset.
git -C "$TREE" worktree add -q --detach "$tmp/wt" base >"$tmp/wt.log" 2>&1 ||
	die "cannot create a worktree at 'base': $(tail -1 "$tmp/wt.log")"
while read -r entry; do
	patch -d "$tmp/wt" -p1 -F0 -N --no-backup-if-mismatch -r - < "$out/$entry" >"$tmp/patch.log" 2>&1 ||
		die "$entry does not apply with zero fuzz: $(grep -m1 -iE 'fail|reject|error|malformed' "$tmp/patch.log")"
	! grep -q '(offset ' "$tmp/patch.log" || die "$entry applies only with an offset: $(grep -m1 '(offset ' "$tmp/patch.log")"
done < <(grep -v '^#' "$out/series")
info "distro: ${#patches[@]} patches in ${out#"$TOP"/}/$sub/, series fragment and config; they apply in order at base with zero fuzz"
