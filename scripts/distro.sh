#!/usr/bin/env bash
# Stage: the series as a Debian kernel packager takes it, in build/distro/:
#   features/all/gup-longterm/<subject-slug>.patch   the patches, named without numbers, with the
#             DEP-3 headers Debian's kernel patches carry: Origin (the upstream commit a patch
#             backports, or "vendor" for a patch of this 6.1 series only), Forwarded and
#             Last-Update (the patch's date), so that they go into debian/patches unchanged
#   series    a fragment to append to debian/patches/series as is: a heading, then the patches
#   config    the Kconfig options the tests need (config/kernel.config and clients.config)
# Then check that the patches apply in that order at 'base' with zero fuzz, as quilt does
# (patch -p1 -F0), in a worktree of its own (build/wt-distro); the kernel work tree is not touched.
. "$(dirname "$0")/lib.sh"
need git patch flock
out=$BUILD/distro
sub=features/all/gup-longterm
git -C "$TREE" rev-parse -q --verify base >/dev/null || die "no kernel work tree with a 'base' tag at $TREE (run: make tree)"
mapfile -t patches < <(series_files)
[ ${#patches[@]} -gt 0 ] || die "patches/series lists no patches"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# dep3 PATCH: PATCH with DEP-3 headers after its Subject: (git format-patch headers are DEP-3
# too). A patch whose message names "Upstream: commit <sha>" is a backport of that commit,
# already upstream; the others exist only in this series for 6.1.
dep3() {
	local up date
	up=$(sed -n 's/^Upstream: commit \([0-9a-f]\{12,40\}\) .*/\1/p' "$1" | head -1)
	date=$(sed -n 's/^Date: //p' "$1" | head -1)
	date=$(date -u -d "$date" +%Y-%m-%d) || return 1
	awk -v up="$up" -v date="$date" '
		!done && /^$/ && subj {
			if (up != "") {
				print "Origin: backport, https://git.kernel.org/linus/" up
				print "Forwarded: not-needed"
			} else {
				print "Origin: vendor, gup-longterm-6.1 (Linux 6.1 only)"
				print "Forwarded: no"
			}
			print "Last-Update: " date
			done = 1
		}
		/^Subject: / { subj = 1 }
		{ print }' "$1"
}

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
		dep3 "$TOP/patches/$p" > "$out/$sub/$name" || die "$p: cannot add its DEP-3 headers"
		echo "$sub/$name"
	done
} > "$out/series"

# Kconfig settings only: the harness's comments are dropped, "# CONFIG_X is not set" is kept.
{
	echo "# Kconfig options the gup-longterm tests need (tools/testing/selftests/vm/gup_longterm"
	echo "# and the harness's QEMU guest), from the harness's config/kernel.config and clients.config."
	# (not config/guest.config nor config/arch/: what the guests do without, their console and
	# image compression are the harness's QEMU choices)
	cat "$TOP"/config/{kernel,clients}.config | grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set$)'
} > "$out/config"

# Every patch carries the three DEP-3 headers, in its header block.
for entry in $(grep -v '^#' "$out/series"); do
	for h in Origin Forwarded Last-Update; do
		sed '/^$/q' "$out/$entry" | grep -q "^$h: " || die "$entry has no DEP-3 $h: header"
	done
done

# The check: every patch applies in series order at base, with zero fuzz and no offset.
# In a worktree kept between runs (build/wt-distro, one run at a time) and put back at base:
# a new worktree would write out the whole kernel tree every run.
wt=$BUILD/wt-distro
base_worktree "$wt"
while read -r entry; do
	patch -d "$wt" -p1 -F0 -N --no-backup-if-mismatch -r - < "$out/$entry" >"$tmp/patch.log" 2>&1 ||
		die "$entry does not apply with zero fuzz: $(grep -m1 -iE 'fail|reject|error|malformed' "$tmp/patch.log")"
	! grep -q '(offset ' "$tmp/patch.log" || die "$entry applies only with an offset: $(grep -m1 '(offset ' "$tmp/patch.log")"
done < <(grep -v '^#' "$out/series")
info "distro: ${#patches[@]} patches in ${out#"$TOP"/}/$sub/, series fragment and config; they apply in order at base with zero fuzz"
