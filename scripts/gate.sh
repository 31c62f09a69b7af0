#!/usr/bin/env bash
# The patch-quality gate: every check prints one line per finding, naming the patch, then one
# summary line "gate: CHECK: PASS|FAIL (...)"; exit 1 if any check failed.
#   checkpatch  checkpatch.pl --strict on every patch: any ERROR or WARNING fails (CHECKs are
#               listed only; UNKNOWN_COMMIT_ID is ignored: the tree has no upstream history)
#   apply       the series applies in order at 'base' with git am (zero fuzz, no 3-way), and
#               the patch files are exactly what scripts/export.sh would write from the result
#   kernel-doc  new kernel-doc warnings in the .c/.h files the series touches
#   rst         new docutils messages in the .rst files the series touches
#   coccinelle  new reports of the kernel's semantic patches on the .c files the series touches
#   sparse-w1   sparse (C=2) and W=1: scripts/gate-build.sh (needs the build directory)
# "New" means at the series tip but not at the base, compared without line numbers.
# Everything runs in the gate's own worktree (build/gate/wt); the kernel work tree is not touched.
# PATCHDIR=dir checks another series (default patches/). GATE_CHECKS="checkpatch apply" runs
# only those (the harness's own tests plant one finding and need one check; default: all six).
# A passing verdict is kept, as a kernel image is, under a key of everything it is a function
# of (the base's tree, the patch files, the checks asked for, the test kernel's .config that
# sparse-w1 builds with, the tools' versions and the gate's own scripts): a run with the same
# key replays it. A failing one is never kept. GATE_CACHE=0 runs every check again.
. "$(dirname "$0")/lib.sh"
need git perl python3 spatch ocamlopt gcc sparse flock /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0
export LC_ALL=C
PATCHDIR=$(cd "${PATCHDIR:-$TOP/patches}" 2>/dev/null && pwd) || die "PATCHDIR ${PATCHDIR:-} not found"
[ -f "$PATCHDIR/series" ] || die "$PATCHDIR/series not found"
git -C "$TREE" rev-parse -q --verify base >/dev/null || die "no kernel work tree with a 'base' tag at $TREE (run: make tree)"
mapfile -t series < <(series_files)
[ ${#series[@]} -gt 0 ] || die "$PATCHDIR/series lists no patches"
COCCI_TIMEOUT=${COCCI_TIMEOUT:-120}   # seconds per spatch run
all_checks="checkpatch apply kernel-doc rst coccinelle sparse-w1"
checks=${GATE_CHECKS:-$all_checks}
for c in $checks; do
	grep -qw -- "$c" <<<"$all_checks" || die "GATE_CHECKS: unknown check $c (checks: $all_checks)"
done

# The kept verdict: its key, and a replay when the same inputs passed before.
key=$( {
	git -C "$TREE" rev-parse 'base^{tree}'
	(cd "$PATCHDIR" && sha1sum series ./*.patch)
	echo "$checks $COCCI_TIMEOUT"
	! grep -qw sparse-w1 <<<"$checks" || sha1sum < "$BUILD/out/test/.config" 2>/dev/null || echo "no test kernel config"
	spatch --version 2>&1 | head -1; sparse --version; gcc --version | head -1; perl -e 'print "$^V\n"'
	python3 --version; python3 -c 'import docutils; print(docutils.__version__)' 2>&1
	cat "$0" "$TOP/scripts/gate-build.sh" "$TOP/scripts/lib.sh" | sha1sum
} | sha1sum | cut -c1-16)
kept=$BUILD/gate/$key.passed
if [ "${GATE_CACHE:-1}" != 0 ] && [ -f "$kept" ]; then
	echo "gate: kept verdict, passed (the same base, patches, checks, config, tools and scripts passed on $(date -r "$kept" '+%F %T'); GATE_CACHE=0 runs the checks again)"
	cat "$kept"
	exit 0
fi

tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
# The worktree the checks run in is kept under build/gate/wt and put back at 'base' for each
# run: a checkout that rewrites the few files the series changed, where a new worktree writes
# out the whole kernel tree (about 30 s here, every run). One gate at a time uses it.
wt=$BUILD/gate/wt
base_worktree "$wt"
applied=

finding() { printf 'gate: %s: %s\n' "$check" "$*"; nfind=$((nfind + 1)); }

# touching FILE: the patches of the series that change FILE, for naming a file's findings.
touching() {
	local p names=()
	for p in "${series[@]}"; do
		grep -q "^diff --git a/.* b/$1\$" "$PATCHDIR/$p" 2>/dev/null && names+=("$p")
	done
	local IFS=,
	echo "${names[*]:-?}"
}

# ---- checkpatch -----------------------------------------------------------------------------
# checkpatch asks "does MAINTAINERS need updating?" (FILE_PATH_CHANGES) of every patch that
# adds a file. Answer it: the warning stands unless MAINTAINERS already gives every added
# file's directory a maintainer. Prints "file: maintainer" for each; fails if one has none.
maintainers_cover_new_files() { # PATCH
	local f who n=0
	while read -r f; do
		who=$(cd "$wt" && ./scripts/get_maintainer.pl --no-git --no-git-fallback --no-rolestats \
			--no-r --no-l --no-s -f "$(dirname "$f")/" 2>/dev/null | head -1)
		[ -n "$who" ] || return 1
		echo "$f: $who"
		n=$((n + 1))
	done < <(awk '/^new file mode/ { n = 1; next } n && /^\+\+\+ b\// { print substr($2, 3); n = 0 }' "$1")
	[ $n -gt 0 ]
}

# Run from the worktree while it is still at 'base'.
check_checkpatch() {
	local p line errs=0 warns=0 checks=0 err rc covered
	for p in "${series[@]}"; do
		[ -f "$PATCHDIR/$p" ] || { finding "$p: listed in the series but missing"; errs=$((errs + 1)); continue; }
		# Exit 0: clean; 1: findings (listed); anything else: checkpatch itself failed.
		rc=0
		# /usr/bin first: checkpatch's spdxcheck.py needs the distribution's python3-ply.
		(cd "$wt" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --terse --show-types --ignore UNKNOWN_COMMIT_ID \
			"$PATCHDIR/$p") >"$tmp/cp.out" 2>"$tmp/cp.err" || rc=$?
		if [ $rc -gt 1 ] || { [ $rc -eq 1 ] && ! grep -qE ': (ERROR|WARNING|CHECK):' "$tmp/cp.out"; }; then
			finding "$p: checkpatch failed (exit $rc): $(grep -m1 . "$tmp/cp.err")"
			errs=$((errs + 1))
			continue
		fi
		while IFS= read -r line; do
			case $line in
			*": WARNING:FILE_PATH_CHANGES:"*)
				if covered=$(maintainers_cover_new_files "$PATCHDIR/$p"); then
					line="$line (answered, not failing: MAINTAINERS covers $(echo $covered))"
				else
					warns=$((warns + 1))
				fi ;;
			*": ERROR:"*) errs=$((errs + 1)) ;;
			*": WARNING:"*) warns=$((warns + 1)) ;;
			*": CHECK:"*) checks=$((checks + 1)); line="$line (CHECK: listed, not failing)" ;;
			*) continue ;;
			esac
			finding "$p${line#"$PATCHDIR/$p"}"
		done < "$tmp/cp.out"
		# A helper that cannot run (spdxcheck.py without python3-ply) is silently skipped by
		# checkpatch: say so, without failing the patch.
		err=$(grep -m1 -E 'Error|No module' "$tmp/cp.err" || true)
		[ -z "$err" ] || echo "gate: $check: note: $p: checkpatch helper failed, its check was skipped: $err"
	done
	note="${#series[@]} patches; $errs errors, $warns warnings; $checks checks, not failing"
	[ $((errs + warns)) -eq 0 ]
}

# ---- apply + export -------------------------------------------------------------------------
check_apply() {
	local p f b i bad=0 exported
	for f in "$PATCHDIR"/*.patch; do
		[ -e "$f" ] || continue
		b=${f##*/}
		printf '%s\n' "${series[@]}" | grep -qxF "$b" || { finding "$b: not listed in the series (stale?)"; bad=1; }
	done
	for p in "${series[@]}"; do
		[ -f "$PATCHDIR/$p" ] || { finding "$p: listed in the series but missing"; return 1; }
		if ! git -C "$wt" -c am.threeWay=false am -q --keep-cr --no-3way "$PATCHDIR/$p" >"$tmp/am.log" 2>&1; then
			finding "$p: does not apply with zero fuzz: $(grep -m1 -E 'error|fail|corrupt' "$tmp/am.log")"
			git -C "$wt" am --abort >/dev/null 2>&1
			return 1
		fi
	done
	applied=1
	# Re-export exactly as scripts/export.sh does and compare.
	git -C "$wt" format-patch "${EXPORT_OPTS[@]}" -o "$tmp/export" base..HEAD || { finding "git format-patch failed"; return 1; }
	mapfile -t exported < <(cd "$tmp/export" && ls -- *.patch)
	for i in "${!series[@]}"; do
		p=${series[$i]}
		if [ "${exported[$i]:-}" != "$p" ]; then
			finding "$p: export would name patch $((i + 1)) ${exported[$i]:-(none)} (subject or order changed?)"
			bad=1
		elif ! cmp -s "$tmp/export/$p" "$PATCHDIR/$p"; then
			finding "$p: differs from its re-export ($(cmp "$tmp/export/$p" "$PATCHDIR/$p" | sed 's/.*differ: //')): run make export"
			bad=1
		fi
	done
	note="${#series[@]} patches applied at base with git am"
	[ $bad -eq 0 ]
}

# ---- helpers for the base-vs-tip checks -----------------------------------------------------
# Every tool function is called as TOOL ROOT FILE [ARG...] and prints one message per line,
# without file names or line numbers. ROOT is the worktree (tip) or $tmp/base, which holds
# the base versions of the touched files under the same relative paths.
at_base() { # at_base FILE: copy FILE's base version under $tmp/base; false if it is new
	git -C "$wt" cat-file -e "base:$1" 2>/dev/null || return 1
	mkdir -p "$tmp/base/$(dirname "$1")"
	git -C "$wt" show "base:$1" > "$tmp/base/$1"
}

new_at_tip() { # new_at_tip TOOL FILE [ARG...]: TOOL's messages at the tip the base lacks
	local tool=$1 f=$2
	shift 2
	"$tool" "$wt" "$f" "$@" | sort > "$tmp/new.tip"
	[ -s "$tmp/new.tip" ] || return 0   # nothing at the tip: nothing new, skip the base run
	: > "$tmp/new.base"
	if at_base "$f"; then "$tool" "$tmp/base" "$f" "$@" | sort > "$tmp/new.base"; fi
	comm -13 "$tmp/new.base" "$tmp/new.tip"
}

touched() { # touched GLOB...: files the series changes that exist at the tip
	git -C "$wt" diff --name-only --diff-filter=d base HEAD -- "$@"
}

report_new() { # report_new FILE: one finding per line of stdin
	local msg
	while IFS= read -r msg; do finding "$(touching "$1"): $1: $msg"; done
}

not_applied() { note="not run: the series does not apply"; return 1; }

# ---- kernel-doc -----------------------------------------------------------------------------
kdoc_msgs() { # -v adds the "No description found for return value" warnings
	(cd "$1" && "$wt/scripts/kernel-doc" -none -v "$2" 2>&1 >/dev/null) |
		sed -nE 's/^[^ ]*:[0-9]+: (warning|error): /\1: /p'
}

check_kernel_doc() {
	[ -n "$applied" ] || { not_applied; return 1; }
	local f n=0
	while IFS= read -r f; do
		n=$((n + 1))
		new_at_tip kdoc_msgs "$f" > "$tmp/kdoc.new"
		report_new "$f" < "$tmp/kdoc.new"
	done < <(touched '*.c' '*.h')
	note="$n files, $nfind new warnings"
	[ "$nfind" -eq 0 ]
}

# ---- rst ------------------------------------------------------------------------------------
# Plain docutils does not know the Sphinx roles and directives, nor the kernel's own: their
# use is not a problem. All messages are listed (--halt=none rather than --halt=warning, which
# stops at the first one and would hide a new message behind an old one).
SPHINX_ONLY='Unknown (interpreted text role|directive type) "(c:[a-z]+|cpp:[a-z]+|ref|doc|numref|kbd|abbr|term|envvar|option|file|program|command|math|toctree|only|index|glossary|highlight|code-block|literalinclude|tabularcolumns|cssclass|seealso|versionadded|versionchanged|deprecated|kernel-[a-z]+|maintainers-include|productionlist|sectionauthor)"'
rst_msgs() {
	(cd "$1" && python3 -m docutils --report=warning --halt=none --no-traceback "$2" /dev/null 2>&1) |
		sed -nE 's/^[^ ]*:([0-9]+:)? (\((WARNING|ERROR|SEVERE)\/[0-9]\))/\2/p' | grep -vE "$SPHINX_ONLY"
}

check_rst() {
	[ -n "$applied" ] || { not_applied; return 1; }
	python3 -c 'import docutils' 2>/dev/null || { finding "python3 cannot import docutils (install python3-docutils)"; return 1; }
	local f n=0
	while IFS= read -r f; do
		n=$((n + 1))
		new_at_tip rst_msgs "$f" > "$tmp/rst.new"
		report_new "$f" < "$tmp/rst.new"
	done < <(touched '*.rst')
	note="$n files, $nfind new messages"
	[ "$nfind" -eq 0 ]
}

# ---- coccinelle -----------------------------------------------------------------------------
# Every report-mode semantic patch in scripts/coccinelle/*/ on every touched .c file, one spatch
# per file and semantic patch, two files at a time. Measured on this machine (68 scripts, tip
# only, one at a time): mm/gup.c 36s, mm/mmap.c 38s, mm/gup_test.c 23s; the base is run only
# for a file and script with reports at the tip, so the whole set stays well under 5 minutes
# and no category is left out. The four touched files two at a time: 48 s (113 s one by one).
# A run of spatch that fails is a tool problem, never a finding: it is listed in spatch.fail
# and fails the check whatever the base gave (a failure on both sides would compare equal).
cocci_msgs() { # ROOT FILE COCCI
	local rc=0
	(cd "$1" && timeout "$COCCI_TIMEOUT" spatch -D report --very-quiet --no-includes --include-headers \
		--no-show-diff --cocci-file "$3" "$2" 2>"$tmp/spatch.err") > "$tmp/spatch.out" || rc=$?
	sed -E 's/^[^ ]*:[0-9]+:[0-9]+-[0-9]+: //; s/line [0-9]+/line N/g' "$tmp/spatch.out"
	case $rc in
	0) return ;;
	124) echo "${3##*/} on $2: timed out after ${COCCI_TIMEOUT}s" ;;
	*) echo "${3##*/} on $2: exit $rc: $(grep -m1 -E 'rror|[Ff]ail|found|unable' "$tmp/spatch.err" || grep -m1 . "$tmp/spatch.err")" ;;
	esac >> "$tmp/spatch.fail"
}

# spatch runs a semantic patch's OCaml rules by compiling them (ocamlopt) and its Python rules
# through the Python shared library: without either it fails on those scripts alone. Ask it
# once, on a two-rule probe, before the checks start, and name what is missing.
spatch_can_run_scripts() {
	local lang pkg
	mkdir -p "$tmp/probe"
	echo 'int f(int x) { return x; }' > "$tmp/probe/f.c"
	for lang in python ocaml; do
		cat > "$tmp/probe/$lang.cocci" <<-EOF
		@r@
		identifier fn;
		@@
		fn(...) { ... }

		@script:$lang@
		fn << r.fn;
		@@
		EOF
	done
	echo 'print("probe " + fn)' >> "$tmp/probe/python.cocci"
	echo 'Printf.printf "probe %s\n" fn' >> "$tmp/probe/ocaml.cocci"
	for lang in python ocaml; do
		(cd "$tmp/probe" && timeout 60 spatch --very-quiet --cocci-file $lang.cocci f.c) >"$tmp/probe/$lang.out" 2>&1
		grep -qx 'probe f' "$tmp/probe/$lang.out" && continue
		if [ $lang = python ]; then pkg=$(package_of /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0); else pkg=$(package_of ocamlopt); fi
		die "gate: spatch cannot run $lang script rules ($(grep -m1 . "$tmp/probe/$lang.out")): they need package $pkg (run: make setup)"
	done
}

check_coccinelle() {
	[ -n "$applied" ] || { not_applied; return 1; }
	local f c i n runs scripts=() files=()
	mapfile -t scripts < <(grep -l '^virtual report' "$wt"/scripts/coccinelle/*/*.cocci)
	mapfile -t files < <(touched '*.c')
	n=${#files[@]} runs=$((${#files[@]} * ${#scripts[@]}))
	# A file's runs in a job of their own, COCCI_JOBS (2) files at once, each with its own
	# scratch directory ($tmp/cocciN: spatch's output, the base copies); reported in order.
	for i in "${!files[@]}"; do
		while [ "$(jobs -rp | wc -l)" -ge "${COCCI_JOBS:-2}" ]; do wait -n || true; done
		(
			tmp=$tmp/cocci$i f=${files[$i]}
			mkdir -p "$tmp" && : > "$tmp/spatch.fail"
			for c in "${scripts[@]}"; do
				new_at_tip cocci_msgs "$f" "$c" | sed "s|^|${c#"$wt"/scripts/coccinelle/}: |"
			done > "$tmp.part" && mv "$tmp.part" "$tmp.new"
		) &
	done
	wait
	: > "$tmp/spatch.fail"
	for i in "${!files[@]}"; do
		cat "$tmp/cocci$i/spatch.fail" >> "$tmp/spatch.fail" 2>/dev/null || true
		if [ -f "$tmp/cocci$i.new" ]; then
			report_new "${files[$i]}" < "$tmp/cocci$i.new"
		else
			echo "the semantic patches on ${files[$i]}: the job did not finish" >> "$tmp/spatch.fail"
		fi
	done
	local failed
	failed=$(sort -u "$tmp/spatch.fail" | wc -l)
	if [ "$failed" -gt 0 ]; then
		sed 's/^/gate: coccinelle: spatch could not run /' "$tmp/spatch.fail" | sort -u | head -20
		note="spatch failed on $failed of $runs file x semantic patch runs: a tool problem, not a finding"
		return 1
	fi
	note="$n files x ${#scripts[@]} semantic patches, every run completed; $nfind new reports"
	[ "$nfind" -eq 0 ]
}

# ---- sparse-w1: HOOK ------------------------------------------------------------------------
# sparse (C=2) and W=1 need the configured build directory: scripts/gate-build.sh runs them
# (on PATCHDIR's series).
check_sparse_w1() {
	[ -f "$TOP/scripts/gate-build.sh" ] || { finding "scripts/gate-build.sh missing"; return 1; }
	local rc=0 line
	PATCHDIR=$PATCHDIR "$TOP/scripts/gate-build.sh" >"$tmp/build.log" 2>&1 || rc=$?
	while IFS= read -r line; do finding "$line"; done < <(grep -E '^gate-build: new warning|^ERROR' "$tmp/build.log")
	[ $rc -eq 0 ] || { [ "$nfind" -gt 0 ] || finding "scripts/gate-build.sh failed (exit $rc): $(tail -1 "$tmp/build.log")"; return 1; }
}

# ---- run ------------------------------------------------------------------------------------
failed=() summaries=()
run() { # run CHECK: call check_CHECK, print its summary line
	check=$1 nfind=0 note=
	local t0=$SECONDS rc=0 verdict=PASS
	"check_${1//-/_}" || rc=$?
	[ $rc -eq 0 ] || { verdict=FAIL; failed+=("$1"); }
	summaries+=("gate: $1: $verdict (${note:-$nfind findings}; $((SECONDS - t0))s)")
	echo "${summaries[-1]}"
}
info "gate: ${#series[@]} patches from ${PATCHDIR/#"$TOP"\//}"
! grep -qw coccinelle <<<"$checks" || spatch_can_run_scripts
for c in $all_checks; do
	if grep -qw -- "$c" <<<"$checks"; then run "$c"; else summaries+=("gate: $c: not run (GATE_CHECKS)"); echo "${summaries[-1]}"; fi
done
cleanup
trap - EXIT
nchecks=$(wc -w <<<"$checks")
if [ ${#failed[@]} -gt 0 ]; then
	echo "gate: FAIL (${#failed[@]} of $nchecks checks failed: ${failed[*]}; ${SECONDS}s)"
	exit 1
fi
echo "gate: PASS ($nchecks checks; ${SECONDS}s)"
# kept only now, the verdict whole: the summary line of every check and the gate's
{ printf '%s\n' "${summaries[@]}"; echo "gate: PASS ($nchecks checks; ${SECONDS}s when computed)"; } > "$kept.part" &&
	mv "$kept.part" "$kept"
