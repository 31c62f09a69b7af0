#!/usr/bin/env bash
# Stage: write the series for the mailing list to build/series/: git format-patch with a cover
# letter (version, subject and body from patches/cover-letter.txt, its test results from
# build/vm/*/summary.json), base-commit, threading, and To:/Cc: from get_maintainer.pl.
# What is mailed is the sender's: From: and Signed-off-by: are those of git config user.name
# and user.email (a real DCO; it refuses to run without them), and every backport names its
# upstream commit as Documentation/process/stable-kernel-rules.rst asks ("commit <sha>
# upstream." above the text), with its "How this differs from upstream" paragraph as the
# backport note above the sign-off.
# Then prove it: the mailed patches, applied with git am at 'base', give the series tip's tree.
# Works in a worktree of its own (build/wt-series); the kernel work tree is not touched.
. "$(dirname "$0")/lib.sh"
need git perl python3 flock
src=$TOP/patches/cover-letter.txt
out=$BUILD/series
[ -f "$src" ] || die "cover letter source $src not found"
version=$(sed -n '1s/^version: *\([1-9][0-9]*\) *$/\1/p' "$src")
subject=$(sed -n '2s/^subject: *//p' "$src")
[ -n "$version" ] || die "${src#"$TOP"/}: the first line must be 'version: N'"
[ -n "$subject" ] || die "${src#"$TOP"/}: the second line must be 'subject: ...'"
[ -z "$(sed -n 3p "$src")" ] || die "${src#"$TOP"/}: the third line must be blank"
grep -q '^@TEST_RESULTS@$' "$src" || die "${src#"$TOP"/}: no @TEST_RESULTS@ line for the test results"
git -C "$TREE" rev-parse -q --verify base >/dev/null || die "no kernel work tree with a 'base' tag at $TREE (run: make tree)"
base=$(git -C "$TREE" rev-parse "base^{commit}")
# The sender: whoever runs this signs what is mailed (Developer's Certificate of Origin).
name=$(cd / && git config user.name || true)
email=$(cd / && git config user.email || true)
[ -n "$name" ] && [ -n "$email" ] ||
	die "git config user.name and user.email are not set: the mailed patches carry the sender's From: and Signed-off-by:"
mapfile -t patches < <(series_files | sed "s|^|$TOP/patches/|")
[ ${#patches[@]} -gt 0 ] || die "patches/series lists no patches"
# The cover letter's patch list (" N/M subject" lines) must be for this series, not an older one.
n=${#patches[@]}
listed=$(grep -oE '^ *[0-9]+/[0-9]+ ' "$src" | tr -d ' ' || true)
if [ -n "$listed" ] && { [ "$(wc -l <<<"$listed")" -ne "$n" ] || grep -qv "/$n\$" <<<"$listed"; }; then
	die "${src#"$TOP"/} lists $(wc -l <<<"$listed") patches ($(head -1 <<<"$listed")...) but the series has $n: update it"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
am() { # am DIR PATCH...: apply with git am (zero fuzz, no 3-way) or die naming the patch
	local d=$1 p
	shift
	for p in "$@"; do
		git -C "$d" am -q --keep-cr --no-3way "$p" >"$tmp/am.log" 2>&1 ||
			die "$(basename "$p") does not apply at base: $(grep -m1 -E 'error|fail|corrupt' "$tmp/am.log")"
	done
}

# The patches as the sender mails them (see the top of this file); the tree they give is the
# series tip's, which the proof at the end checks.
mkdir -p "$tmp/mail"
python3 - "$tmp/mail" "$name <$email>" "${patches[@]}" <<'PY'
import os, re, sys, textwrap
out, sender, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
team = "gup-longterm team <team@gup-longterm.invalid>"
for path in paths:
    text = open(path).read()
    head, sep, rest = text.partition("\n\n")          # mail headers, then the message
    msg, sep2, diff = rest.partition("\n---\n")
    head = head.replace("From: " + team, "From: " + sender)
    lines = msg.split("\n")
    # "Upstream: commit <sha> ("subject")", possibly wrapped: the stable rules' first line.
    up = None
    for i, l in enumerate(lines):
        m = re.match(r"Upstream: commit ([0-9a-f]{12,40}) ", l)
        if m:
            j = i
            while not lines[j].rstrip().endswith('")'):
                j += 1
            up = m.group(1)
            del lines[i:j + 1]
            break
    # The "How this differs from upstream:" paragraph becomes the backport note.
    note = None
    for i, l in enumerate(lines):
        if up and l.startswith("How this differs from upstream:"):
            j = i
            while j < len(lines) and lines[j].strip():
                j += 1
            note = " ".join(x.strip() for x in lines[i:j])[len("How this differs from upstream:"):].strip()
            del lines[i:j + 1 if j < len(lines) else j]
            break
    tags = [i for i, l in enumerate(lines) if re.match(r"(Signed-off-by|Link|Acked-by|Reviewed-by|Cc): ", l)]
    first_tag = tags[0] if tags else len(lines)
    body, trailer = lines[:first_tag], lines[first_tag:]
    while body and not body[-1].strip():
        body.pop()
    trailer = [l for l in trailer if l != "Signed-off-by: " + team]
    trailer.append("Signed-off-by: " + sender)
    if note:
        body += [""] + textwrap.wrap("[ 6.1 backport: " + note + " ]", 72)
    if up:
        body = ["commit %s upstream." % up, ""] + body
    new = head + sep + "\n".join(body + [""] + trailer) + sep2 + diff
    open(os.path.join(out, os.path.basename(path)), "w").write(new)
PY
[ "$(ls "$tmp/mail" | wc -l)" -eq ${#patches[@]} ] || die "could not prepare the patches for mailing"
mailpatches=()
for p in "${patches[@]}"; do mailpatches+=("$tmp/mail/$(basename "$p")"); done

# A worktree of the kernel tree kept between runs (build/wt-series, one run at a time), put
# back at base: a new worktree would write out the whole kernel tree (16 s here) every run.
wt=$BUILD/wt-series
base_worktree "$wt"
am "$wt" "${mailpatches[@]}"

# To: the maintainers; Cc: reviewers and lists (run from the tree: it reads MAINTAINERS).
maint() { (cd "$wt" && ./scripts/get_maintainer.pl --no-rolestats --no-git --no-git-fallback "$@" "${mailpatches[@]}"); }
maint --no-r --no-l > "$tmp/to" || die "get_maintainer.pl failed"
maint --no-m > "$tmp/cc" || die "get_maintainer.pl failed"
mapfile -t to < "$tmp/to"
mapfile -t cc < "$tmp/cc"
[ ${#to[@]} -gt 0 ] || die "get_maintainer.pl names no maintainer for the series"

# The test results section: case counts per kernel, or "not run".
results() {
	shopt -s nullglob
	local sums=("$BUILD"/vm/*/summary.json)
	if [ ${#sums[@]} -eq 0 ]; then
		echo "  not run"
		return
	fi
	python3 - "${sums[@]}" <<'PY'
import json, os, sys, time
rank = {"base": 0, "control": 1, "patched": 2}
rows = []
for path in sys.argv[1:]:
    with open(path) as f:
        s = json.load(f)
    kind = s.get("kind") or os.path.basename(os.path.dirname(path))
    n = {"pass": 0, "fail": 0, "skip": 0}
    for t in s["tests"]:
        for c in t["cases"] or [t]:
            n[c["result"]] += 1
    when = time.strftime("%Y-%m-%d", time.gmtime(os.path.getmtime(path)))
    verdict = "clean run" if s.get("ok") else "FAILED: " + (s.get("reasons") or ["?"])[0].splitlines()[0]
    total = sum(n.values())
    rows.append((rank.get(kind, 9), kind, [
        "  %s: %d case%s: %d passed, %d failed, %d skipped; %s" % (
            kind, total, "" if total == 1 else "s", n["pass"], n["fail"], n["skip"], verdict),
        "    (tests: %s; run on %s)" % (", ".join(t["name"] for t in s["tests"]) or "none", when)]))
for row in sorted(rows):
    print("\n".join(row[2]))
PY
}
{ tail -n +4 "$src" | sed '/^@TEST_RESULTS@$/,$d'; results; sed '1,/^@TEST_RESULTS@$/d' "$src"; } > "$tmp/blurb"

rm -rf "$out"
mkdir -p "$out"
git -C "$wt" format-patch -q --cover-letter --base="$base" -v "$version" --thread -o "$out" \
	"${to[@]/#/--to=}" "${cc[@]/#/--cc=}" base..HEAD || die "git format-patch failed"
cover=$out/v$version-0000-cover-letter.patch
[ -f "$cover" ] || die "git format-patch wrote no cover letter"
SUBJECT=$subject awk -v blurb="$tmp/blurb" '
	!s && (i = index($0, "*** SUBJECT HERE ***")) { $0 = substr($0, 1, i - 1) ENVIRON["SUBJECT"] substr($0, i + 20); s = 1 }
	$0 == "*** BLURB HERE ***" { while ((getline l < blurb) > 0) print l; next }
	{ print }' "$cover" > "$tmp/cover" && mv "$tmp/cover" "$cover"
! grep -q '\*\*\* \(SUBJECT\|BLURB\) HERE \*\*\*' "$cover" || die "the cover letter still has git's placeholders"

# The proof: what is mailed applies at base and gives the tip's tree, from the sender. Both
# applied in the same worktree, back at base each time (a checkout that rewrites only the
# files the series changes, where a new worktree writes out the whole kernel tree).
rebase_wt() { git -C "$wt" checkout -q -f --detach base || die "cannot check out 'base' in the worktree"; }
mailed=()
for p in "$out"/v"$version"-*.patch; do [ "$p" = "$cover" ] || mailed+=("$p"); done
[ ${#mailed[@]} -eq ${#patches[@]} ] || die "wrote ${#mailed[@]} patches for a series of ${#patches[@]}"
rebase_wt
am "$wt" "${mailed[@]}"
mailed_tree=$(git -C "$wt" rev-parse "HEAD^{tree}")
rebase_wt
am "$wt" "${patches[@]}"
[ "$mailed_tree" = "$(git -C "$wt" rev-parse "HEAD^{tree}")" ] ||
	die "the mailed patches applied at base do not give the tree of patches/series"
for p in "${mailed[@]}"; do
	grep -qxF "From: $name <$email>" "$p" && grep -qxF "Signed-off-by: $name <$email>" "$p" ||
		die "$(basename "$p") does not carry the sender's From: and Signed-off-by:"
	! grep -q 'gup-longterm.invalid' "$p" || die "$(basename "$p") still carries the placeholder identity"
done
info "v$version series: cover letter + ${#mailed[@]} patches in ${out#"$TOP"/}/ (To: ${#to[@]}, Cc: ${#cc[@]}); applied at base they give the series tip's tree"
