#!/usr/bin/env bash
# Regenerate patches/ from the work tree's commits since 'base': one git format-patch file
# per commit, named by subject slug with its number, and patches/series in the same order.
# Stable across runs and git versions: see EXPORT_OPTS in lib.sh; dates are the commits' own.
. "$(dirname "$0")/lib.sh"
need git
git -C "$TREE" rev-parse -q --verify base >/dev/null || die "no kernel work tree with a 'base' tag at $TREE (run: make tree)"
git -C "$TREE" diff --quiet HEAD || die "the kernel tree has uncommitted changes: commit them first"
n=$(git -C "$TREE" rev-list --count base..HEAD)
[ "$n" -gt 0 ] || die "no commits on top of 'base' in $TREE: nothing to export"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$TREE" format-patch "${EXPORT_OPTS[@]}" -o "$tmp" base..HEAD ||
	die "git format-patch failed"
# Keep the heading comments of the old series; list the new files in order.
old_series=$TOP/patches/series
{
	echo "# Refuse long-term writable pins of file-backed page cache (Linux 6.1)."
	echo "# Applied in this order with zero fuzz; see README.md."
	for f in "$tmp"/*.patch; do
		b=$(basename "$f")
		case "$b" in
		0001-*) echo; echo "# Test interface (no behaviour change): base + this = the negative control kernel" ;;
		0002-*) echo; echo "# The restriction (upstream's gup_huge_pgd() fix first, as upstream has it)" ;;
		esac
		case "$b" in *selftests*) [ -n "${st:-}" ] || { echo; echo "# Tests"; st=1; } ;; esac
		echo "$b"
	done
} > "$tmp/series"
rm -f "$TOP"/patches/*.patch
cp "$tmp"/*.patch "$tmp/series" "$TOP/patches/"
# The steps patches/BASE names by file (CONTROL_AFTER: 0001; SLOWPATH_AFTER: the patch of the
# same number as before), renamed with the patches.
control=$(basename "$(ls "$tmp"/0001-*.patch)")
if grep -q '^CONTROL_AFTER=' "$TOP/patches/BASE"; then
	sed -i "s/^CONTROL_AFTER=.*/CONTROL_AFTER=$control/" "$TOP/patches/BASE"
else
	echo "CONTROL_AFTER=$control" >> "$TOP/patches/BASE"
fi
slow=$(basevar SLOWPATH_AFTER | cut -c1-4)
if [ -n "$slow" ]; then
	f=$(ls "$tmp/$slow"-*.patch 2>/dev/null) || die "SLOWPATH_AFTER: no patch $slow in the export"
	slow=$(basename "$f")
	sed -i "s/^SLOWPATH_AFTER=.*/SLOWPATH_AFTER=$slow/" "$TOP/patches/BASE"
fi
info "exported $n patches to patches/ (and patches/series)"
