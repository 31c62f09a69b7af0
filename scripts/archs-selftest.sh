#!/usr/bin/env bash
# The archs stage's own test: the series plus a planted patch that adds a function without a
# prototype (a W=1 and a sparse warning) and takes away the genksyms guard of 5/8 (so that the
# CRCs of mm/gup.c's exports change) must fail archs.sh on amd64, naming both; run again with
# the same inputs, it must replay that kept verdict with the same messages. It compiles the
# base and the planted tip only (ARCHS_STEPS=ends), and mm/gup.o only (ARCHS_SOURCES): all it
# plants is in its last patch and in mm/gup.c, and the steps and objects in between are make
# archs' own run. Results go to
# build/archs-planted; the worktree and O= directory are the stage's own (run it after
# archs.sh, never beside it).
. "$(dirname "$0")/lib.sh"
need git python3
wt=$BUILD/linux-archs
[ -e "$wt/.git" ] || die "no archs worktree at $wt (run: make archs)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$TOP"/patches/*.patch "$TOP/patches/series" "$tmp/"
mkdir -p "$tmp/a/mm" "$tmp/b/mm"
# the tip's mm/gup.c: the series applied to the base in a scratch index
git -C "$wt" checkout -q -f --detach base
while read -r p; do
	git -C "$wt" -c user.name=t -c user.email=t@localhost am -q "$TOP/patches/$p" >/dev/null 2>&1 ||
		{ git -C "$wt" am --abort >/dev/null 2>&1; die "patch $p does not apply"; }
done < <(series_files)
cp "$wt/mm/gup.c" "$tmp/a/mm/gup.c"
python3 - "$tmp/a/mm/gup.c" "$tmp/b/mm/gup.c" <<'PY'
import sys
s = open(sys.argv[1]).read()
guarded = "#ifndef __GENKSYMS__\n#include <linux/shmem_fs.h>\n#endif\n"
assert guarded in s, "the genksyms guard of 5/8 is not in mm/gup.c"
s = s.replace(guarded, "#include <linux/shmem_fs.h>\n")
s += "\nint gup_planted_no_prototype(void)\n{\n\treturn 0;\n}\n"
open(sys.argv[2], "w").write(s)
PY
{
	printf 'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n'
	printf 'From: harness selftest <selftest@localhost>\nDate: Sat, 1 Jan 2000 00:00:00 +0000\n'
	printf 'Subject: [PATCH] planted: a W=1 warning and a kABI change\n\n---\n'
	# --no-prefix: the paths a/mm/gup.c and b/mm/gup.c are already what git am wants
	(cd "$tmp" && git diff --no-index --no-prefix a/mm/gup.c b/mm/gup.c) || true
} > "$tmp/9999-planted.patch"
grep -q '^diff --git a/mm/gup.c b/mm/gup.c$' "$tmp/9999-planted.patch" || die "the planted patch has no mm/gup.c diff"
echo 9999-planted.patch >> "$tmp/series"
# planted: run archs.sh on the planted series; it must fail, naming each planted finding.
planted() {
	out=$(env PATCHDIR="$tmp" ARCHS_OUT="$BUILD/archs-planted" ARCHS_STEPS=ends ARCHS_SOURCES=mm/gup.c "$TOP/scripts/archs.sh" amd64 2>&1) && rc=0 || rc=$?
	echo "$out" | grep -E 'new warning|kABI: the CRC|kept verdict|ERROR' | head -9
	[ $rc -ne 0 ] || die "archs.sh passed a series with a planted warning and CRC change"
	grep -Eq "amd64: new warning after 9/9999-planted.patch: mm/gup.c: warning: no previous prototype for .gup_planted_no_prototype." <<<"$out" ||
		die "archs.sh did not name the planted W=1 warning"
	grep -q "amd64: new warning after 9/9999-planted.patch: mm/gup.c: warning: symbol 'gup_planted_no_prototype' was not declared" <<<"$out" ||
		die "archs.sh did not name the planted sparse warning"
	grep -q 'amd64: kABI: the CRC of pin_user_pages_fast (mm/gup.o) changes' <<<"$out" ||
		die "archs.sh did not name the planted CRC change"
}
planted
first=$(grep -E '^amd64: (new warning|kABI)' <<<"$out")
# The same inputs again: the kept failing verdict must be replayed, whole, not passed or lost
# (the first run above computed it, or replayed one kept by an earlier make check).
planted
grep -q 'amd64: kept verdict, failed' <<<"$out" || die "a second run with the same inputs did not replay the kept verdict"
[ "$(grep -E '^amd64: (new warning|kABI)' <<<"$out")" = "$first" ] ||
	die "the replayed verdict's messages differ from the verdict's own"
info "archs selftest: the planted W=1 and sparse warnings and the CRC change are each named, and the stage fails; run again, the kept verdict is replayed with the same $(wc -l <<<"$first") messages"
