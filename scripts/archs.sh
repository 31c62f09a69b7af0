#!/usr/bin/env bash
# Stage: the series on Debian's own 6.1 configurations, every architecture Debian ships 6.1
# for. For each, Debian's config + GUP_TEST, olddefconfig, then at the base and after every
# patch, compile (W=1, sparse C=1) every object the series touches and every object that
# includes a header it changes (make's own dependency files decide what a step recompiles).
#   warnings  a compiler or sparse warning at any step that the base lacks (compared without
#             line numbers) fails
#   kABI      the CRC (#SYMVER, MODVERSIONS) of every symbol those objects export, at the base
#             and at the tip: a change fails unless patches/cover-letter.txt has "kABI: SYMBOL"
# Objects only, no kernel is linked. Each architecture's verdict is kept under build/archs,
# keyed by everything it is a function of (the steps' trees, without what no kernel build
# reads; Debian's config, the compiler, sparse, this script): an unchanged input is not
# rebuilt, as a kernel image is not. A failing verdict is kept too and replayed with its
# messages (the planted self-test's, every run): what fails compiling is never kept.
# ARCHS_CACHE=0 rebuilds whatever is kept.
# Usage: archs.sh [ARCH...]   (default: $ARCHS or amd64 arm64 ppc64el s390x i386)
# PATCHDIR: another series (default patches/); ARCHS_OUT: where the results go (build/archs).
# ARCHS_STEPS: all (default: the base and every patch) or ends (the base and the tip only: the
# planted self-test, whose findings are all in its last patch). ARCHS_SOURCES: the .c files to
# compile instead of those the series reaches (the planted self-test: mm/gup.c, where all it
# plants is).
. "$(dirname "$0")/lib.sh"
need git gcc ccache sparse xz flex bison bc perl flock
export LC_ALL=C
[ $# -gt 0 ] || set -- ${ARCHS:-amd64 arm64 ppc64el s390x i386}
ARCHS_STEPS=${ARCHS_STEPS:-all}
case $ARCHS_STEPS in all | ends) ;; *) die "ARCHS_STEPS=$ARCHS_STEPS: all or ends" ;; esac
PATCHDIR=${PATCHDIR:-$TOP/patches}
git -C "$TREE" rev-parse -q --verify base >/dev/null || die "no kernel work tree with a 'base' tag at $TREE (run: make tree)"

# ARCH -> kernel ARCH, cross compiler prefix, Debian flavour, options that must be set after
# olddefconfig (each names why this architecture is here).
archinfo() {
	case $1 in
	amd64) echo "x86_64 - amd64 CONFIG_X86_64" ;;
	arm64) echo "arm64 aarch64-linux-gnu- arm64 CONFIG_ARM64" ;;                 # no IPIs for TLB flush
	ppc64el) echo "powerpc powerpc64le-linux-gnu- powerpc64le CONFIG_ARCH_HAS_HUGEPD" ;;  # the hugepd walker
	s390x) echo "s390 s390x-linux-gnu- s390x CONFIG_S390" ;;
	i386) echo "i386 i686-linux-gnu- 686-pae CONFIG_X86_PAE,CONFIG_GUP_GET_PTE_LOW_HIGH" ;;  # 32-bit PAE GUP-fast
	*) return 1 ;;
	esac
}
for a in "$@"; do archinfo "$a" >/dev/null || die "unknown architecture $a: amd64 arm64 ppc64el s390x i386"; done
for a in "$@"; do
	read -r _ cross _ _ < <(archinfo "$a")
	[ "$cross" = - ] || need "${cross}gcc"
done

# The steps: a worktree of the kernel tree at the base, the series applied there as commits.
wt=$BUILD/linux-archs
base_worktree "$wt"
labels=(base) commits=("$(git -C "$wt" rev-parse HEAD)")
n=0
while read -r p; do
	n=$((n + 1))
	git -C "$wt" -c user.name=archs -c user.email=archs@localhost am -q --keep-cr "$PATCHDIR/$p" >/dev/null 2>&1 ||
		{ git -C "$wt" am --abort >/dev/null 2>&1; die "patch $n ($p) does not apply to the base with zero fuzz"; }
	labels+=("$n/$p") commits+=("$(git -C "$wt" rev-parse HEAD)")
done < <(series_files)
tip=${commits[-1]}
# Each step as the base's tree and its diff from the base without what no kernel build reads
# (lib.sh's NOT_BUILT: Documentation/, the selftests), for the verdicts' keys: a change to the
# selftests' patch keeps them.
trees=$(git -C "$wt" rev-parse "base^{tree}"
	for c in "${commits[@]}"; do git -C "$wt" diff --full-index base "$c" -- . "${NOT_BUILT[@]/#/:!}" | sha1sum; done)

# What to compile: the .c files the series changes, and the .c files that include a header
# it changes ("internal.h" from mm/ and its subdirectories, <linux/x.h> from anywhere).
mapfile -t changed < <(git -C "$wt" diff --name-only base "$tip" -- '*.c' '*.h' ':!tools' ':!Documentation' ':!samples')
sources=()
for f in "${changed[@]}"; do
	case $f in
	*.c) sources+=("$f") ;;
	include/*) mapfile -t -O ${#sources[@]} sources < <(cd "$wt" && git grep -l "#include <${f#include/}>" -- '*.c' ':!tools' ':!samples') ;;
	*.h)
		d=$(dirname "$f") h=$(basename "$f")
		mapfile -t -O ${#sources[@]} sources < <(cd "$wt" && git grep -lE "#include \"(\.\./)?$h\"" -- "$d/*.c")
		;;
	esac
done
mapfile -t sources < <(printf '%s\n' "${sources[@]}" | sort -u)
[ -z "${ARCHS_SOURCES:-}" ] || read -ra sources <<<"$ARCHS_SOURCES"
info "the series changes ${#changed[@]} kernel files; ${#sources[@]} source files compile them in"

allowed=$(grep -oE 'kABI: [A-Za-z0-9_]+' "$PATCHDIR/cover-letter.txt" 2>/dev/null | cut -d' ' -f2 | sort -u || true)
outroot=${ARCHS_OUT:-$BUILD/archs}
mkdir -p "$outroot"
fail=0
summary=$outroot/summary.txt
printf '%-8s %-22s %7s %5s %12s %9s %11s\n' arch "Debian config" objects steps "new warnings" exported "CRC changes" > "$summary"

# normalize: warning and error lines without line/column numbers and the tree's path
normalize() { { grep -E '(warning|error):' || true; } | sed -E "s|$wt/||g; s|^\./||; s/:[0-9]+(:[0-9]+)?:/:/" | sort -u; }
# symvers OBJ...: "symbol crc object" for every symbol the objects export (#SYMVER lines)
symvers() {
	local o cmd
	for o in "$@"; do
		cmd=$out/$(dirname "$o")/.$(basename "$o").cmd
		[ -f "$cmd" ] || continue
		sed -n "s|^#SYMVER \([^ ]*\) \(0x[0-9a-f]*\)$|\1 \2 $o|p" "$cmd"
	done | sort
}

for a in "$@"; do
	t0=$SECONDS
	read -r karch cross flavour musthave < <(archinfo "$a")
	[ "$cross" != - ] || cross=
	cfg=$("$TOP/scripts/debian-config.sh" "$a" "$flavour") || exit 1
	cfgver=$(cat "$cfg.version")
	out=$BUILD/out/arch-$a
	res=$outroot/$a
	key=$( { echo "$trees"; sha1sum < "$cfg"; "${cross}gcc" --version | head -1; sparse --version; echo "$allowed $ARCHS_STEPS ${sources[*]}"; cat "$0" "$TOP/scripts/lib.sh" | sha1sum; } | sha1sum | cut -c1-16)
	if [ "${ARCHS_CACHE:-1}" != 0 ] && [ -f "$res/$key.done" ]; then
		info "$a: kept verdict, passed (the same steps, config, compiler and sparse passed before; ARCHS_CACHE=0 rebuilds)"
		cat "$res/$key.done" >> "$summary"
		continue
	fi
	if [ "${ARCHS_CACHE:-1}" != 0 ] && [ -f "$res/$key.failed" ]; then
		info "$a: kept verdict, failed (the same steps, config, compiler and sparse failed before; ARCHS_CACHE=0 rebuilds)"
		cat "$res/$key.messages" >&2
		cat "$res/$key.failed" >> "$summary"
		fail=1
		continue
	fi
	rm -rf "$res"; mkdir -p "$res" "$out"
	M=(make -C "$wt" O="$out" ARCH="$karch" CROSS_COMPILE="$cross" CC="ccache ${cross}gcc" -j"$(nproc)")

	# Debian's config, GUP_TEST on (the series' test interface), and nothing that would need
	# Debian's signing certificates; then every option this architecture is here for.
	# No debug information either (DEBUG_INFO_NONE; Debian's has DWARF and BTF): -g changes
	# no compiler or sparse diagnostic and no genksyms CRC (on amd64's base objects: the same
	# 95 warnings and #SYMVER lines with and without), and DWARF took 13% of their compile.
	git -C "$wt" checkout -q --detach base
	xz -dc "$cfg" > "$out/.config"
	"$wt/scripts/config" --file "$out/.config" --enable DEBUG_FS --enable GUP_TEST \
		--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" --set-str MODULE_SIG_KEY "" --disable MODULE_SIG_ALL \
		--enable DEBUG_INFO_NONE --disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --disable DEBUG_INFO_DWARF4 --disable DEBUG_INFO_DWARF5
	"${M[@]}" -s olddefconfig >"$res/config.log" 2>&1 || die "$a: make olddefconfig failed (see ${res#"$TOP"/}/config.log)"
	for o in CONFIG_GUP_TEST CONFIG_MODVERSIONS CONFIG_HAVE_FAST_GUP CONFIG_DEBUG_INFO_NONE ${musthave//,/ }; do
		grep -q "^$o=y" "$out/.config" || die "$a: $o is not set after olddefconfig on Debian's $(basename "$cfg")"
	done
	"${M[@]}" prepare >"$res/prepare.log" 2>&1 || die "$a: make prepare failed (see ${res#"$TOP"/}/prepare.log)"

	# The objects this configuration builds among those sources (make -n lists each one's -o).
	dirs=$(printf '%s\n' "${sources[@]}" | xargs -n1 dirname | sort -u | sed 's|$|/|')
	mapfile -t objs < <(comm -12 <(printf '%s\n' "${sources[@]}" | sed 's/\.c$/.o/' | sort) \
		<("${M[@]}" -n W=1 C=1 $dirs 2>/dev/null | grep -oE " -o [^ ]+\.o" | cut -c5- | sort -u))
	[ ${#objs[@]} -gt 0 ] || die "$a: Debian's config builds none of the ${#sources[@]} sources"
	printf '%s\n' "${objs[@]}" > "$res/objects"

	new=0 last=$((${#commits[@]} - 1)) prevc= nsteps=0
	for i in "${!commits[@]}"; do
		[ "$ARCHS_STEPS" = all ] || [ "$i" -eq 0 ] || [ "$i" -eq $last ] || continue
		nsteps=$((nsteps + 1))
		git -C "$wt" checkout -q --detach "${commits[$i]}"
		info "$a: compiling step $i of $last (${labels[$i]})"
		log=$res/step$i.log
		if [ -n "$prevc" ] && [ -z "$(git -C "$wt" diff --name-only "$prevc" "${commits[$i]}" -- . "${NOT_BUILT[@]/#/:!}")" ]; then
			# Documentation/ or the selftests only (lib.sh's NOT_BUILT): make would rebuild nothing.
			echo "step ${labels[$i]} changes no file the kernel build reads: nothing to compile" > "$log"
		elif ! "${M[@]}" W=1 C=1 "${objs[@]}" >"$log" 2>&1; then
			grep -E 'error' "$log" | head -5 >&2
			die "$a: step ${labels[$i]} does not compile (see ${log#"$TOP"/})"
		fi
		normalize < "$log" > "$res/warnings$i"
		if [ "$i" -gt 0 ]; then
			comm -13 "$res/warnings0" "$res/warnings$i" > "$res/new$i"
			if [ -s "$res/new$i" ]; then
				new=$((new + $(wc -l < "$res/new$i")))
				sed "s|^|$a: new warning after ${labels[$i]}: |" "$res/new$i" | tee -a "$res/messages" >&2
			fi
		fi
		[ "$i" -gt 0 ] && [ "$i" -lt $last ] || symvers "${objs[@]}" > "$res/crc$i"
		prevc=${commits[$i]}
	done
	# kABI: the same symbols, each with the same CRC, or listed in the cover letter
	join -a1 -a2 -e - -o 0,1.2,2.2,1.3 <(cut -d' ' -f1,2,3 "$res/crc0") <(cut -d' ' -f1,2 "$res/crc$last") > "$res/kabi"
	changes=0
	while read -r sym b t obj; do
		[ "$b" != "$t" ] || continue
		if grep -qx "$sym" <<<"$allowed"; then
			echo "$a: kABI: $sym $b -> $t (listed in the cover letter)" | tee -a "$res/messages" >&2
		else
			echo "$a: kABI: the CRC of $sym ($obj) changes: $b -> $t, not listed as kABI: $sym in the cover letter" | tee -a "$res/messages" >&2
			changes=$((changes + 1))
		fi
	done < "$res/kabi"
	line=$(printf '%-8s %-22s %7s %5s %12s %9s %11s' "$a" "$cfgver $flavour" ${#objs[@]} $nsteps $new "$(wc -l < "$res/kabi")" $changes)
	echo "$line" >> "$summary"
	info "$a: ${#objs[@]} objects at $nsteps steps, $new new warnings, $changes unexplained CRC changes ($((SECONDS - t0))s)"
	# kept only now, the verdict whole (a run stopped halfway keeps nothing)
	touch "$res/messages"
	if [ $new -eq 0 ] && [ $changes -eq 0 ]; then
		echo "$line" > "$res/$key.done"
	else
		cp "$res/messages" "$res/$key.messages"
		echo "$line" > "$res/$key.failed"
		fail=1
	fi
done
git -C "$wt" checkout -q --detach "$tip"

# The kABI table: the exported symbols of the objects the series changes itself, base and tip
# CRC per architecture ("=" where the tip's is the base's). The other objects' are in
# build/archs/ARCH/kabi.
{
	printf '%-32s' symbol; for a in "$@"; do printf ' %-12s' "$a"; done; echo
	touched=$(printf '%s\n' "${changed[@]}" | grep '\.c$' | sed 's/\.c$/.o/')
	cat $(for a in "$@"; do echo "$outroot/$a/kabi"; done) 2>/dev/null | grep -wF "$touched" | cut -d' ' -f1 | sort -u |
	while read -r sym; do
		printf '%-32s' "$sym"
		for a in "$@"; do
			read -r _ b t _ < <(grep "^$sym " "$outroot/$a/kabi" || echo "- - - -")
			if [ "$b" = - ]; then printf ' %-12s' "(none)"; elif [ "$b" = "$t" ]; then printf ' %-12s' "$b ="; else printf ' %-12s' "$b->$t"; fi
		done
		echo
	done
} > "$outroot/kabi.txt"
echo "Debian's 6.1 configs, every patch step compiled with W=1 and sparse:"
cat "$summary"
echo
echo "kABI: the CRCs of the symbols exported by $(echo "${changed[@]}" | tr ' ' '\n' | grep '\.c$' | tr '\n' ' ')(base CRC, '=' unchanged at the tip):"
cat "$outroot/kabi.txt"
[ $fail -eq 0 ] || die "new warnings or unexplained kABI changes (listed above)"
