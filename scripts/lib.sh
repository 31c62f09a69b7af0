# Shared helpers for the harness stages. Sourced, never run.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
# The stages run Debian's packaged tools only (config/packages.list): a compiler, Python or
# QEMU installed by hand under /usr/local or a home directory must not stand in for them, or
# a run here would pass where a fresh machine fails.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
PACKAGES_LIST=${PACKAGES_LIST:-$TOP/config/packages.list}
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
info() { printf '==> %s\n' "$*" >&2; }
# GUEST_ARCH: the architecture the test kernels are built for and booted on, x86_64 (the
# default) or arm64. Its kernel ARCH, cross-compiler prefix, image, QEMU, static libc, Debian
# architecture and ELF machine (as file(1) names it);
# its config fragment (config/arch/) is merged into every test kernel's configuration
# (config.sh), and its builds, images and guest binaries sit beside x86_64's, suffixed
# (out/test-arm64, images/test-arm64, bin-arm64).
GUEST_ARCH=${GUEST_ARCH:-x86_64}
case $GUEST_ARCH in
x86_64) KARCH=x86_64 CROSS= KIMAGE=arch/x86/boot/bzImage IMG=bzImage QEMU=qemu-system-x86_64
	GUEST_LIBC=/usr/lib/x86_64-linux-gnu/libc.a DEB_ARCH=amd64 ELF_MACHINE=x86-64 ASUF= ;;
arm64) KARCH=arm64 CROSS=aarch64-linux-gnu- KIMAGE=arch/arm64/boot/Image IMG=Image QEMU=qemu-system-aarch64
	GUEST_LIBC=/usr/aarch64-linux-gnu/lib/libc.a DEB_ARCH=arm64 ELF_MACHINE="ARM aarch64" ASUF=-arm64 ;;
*) die "GUEST_ARCH=$GUEST_ARCH: x86_64 or arm64" ;;
esac
ARCH_FRAGMENT=$TOP/config/arch/$GUEST_ARCH.config
# panic_on_warn for the boots (vm.sh; VM_PANIC_ON_WARN overrides): on, so the first WARN stops
# the guest, except on arm64, whose test kernels run KCSAN: 6.1's KCSAN panics on its first
# report under panic_on_warn (print_report()), and reports in code the series does not
# touch are to be listed, not to end the boot (the virtio console's ring, which QEMU writes,
# is one: "race at unknown origin" in virtqueue_get_buf_ctx()). A WARN still fails the boot:
# verdict.py's crash markers.
PANIC_ON_WARN=1
[ "$GUEST_ARCH" = x86_64 ] || PANIC_ON_WARN=0
# ccache, for every kernel build (build.sh, archs.sh, the gate's objects): one cache, kept in
# the home directory. CCACHE_DEPEND: on a miss, ccache's default mode runs the preprocessor once
# to hash the preprocessed source and the compiler preprocesses it again; in depend mode it
# hashes the source and the headers the compiler's own dependency file lists (Kbuild's
# -Wp,-MMD) and runs the compiler only. Measured on seven of the test kernels' objects: a miss
# took 20-45% longer than gcc alone in the default mode, and as long as gcc alone (within the
# noise) in depend mode. A hit is a hit in either mode, whichever mode stored the entry.
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache} CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G} CCACHE_DEPEND=${CCACHE_DEPEND:-1}
# The kernel work tree. Another architecture's builds check their steps out in a worktree of
# their own (linux-arm64), so that they can run beside the x86_64 stages that check out or
# change the main one (the mutants, the self-tests); arch_worktree makes it, at the base.
TREE=${TREE:-$BUILD/linux$ASUF}
arch_worktree() {
	[ -n "$ASUF" ] && [ ! -e "$TREE/.git" ] || return 0
	git -C "$BUILD/linux" rev-parse -q --verify base >/dev/null || die "no kernel work tree with a 'base' tag at $BUILD/linux (run: make tree)"
	rm -rf "$TREE"
	git -C "$BUILD/linux" worktree prune
	git -C "$BUILD/linux" worktree add -q --detach "$TREE" base || die "cannot make a worktree at $TREE"
}
# base_worktree DIR: a worktree of the kernel tree at DIR, kept between runs and put back at
# 'base' with nothing else in it: a checkout rewrites only the files changed since, where a new
# worktree writes out the whole kernel tree (make archs, the gate, make series, make distro).
# One run at a time uses it: base_worktree takes DIR.lock (flock) on a descriptor that stays
# open, so the lock is held until the calling script exits.
base_worktree() {
	local lock
	mkdir -p "$(dirname "$1")"
	exec {lock}>"$1.lock"
	flock "$lock" || die "cannot lock $1.lock"
	if [ ! -e "$1/.git" ]; then
		rm -rf "$1"
		git -C "$TREE" worktree prune
		git -C "$TREE" worktree add -q --detach "$1" base || die "cannot make a worktree at $1"
	fi
	rm -rf "$(git -C "$1" rev-parse --git-dir)/rebase-apply"
	git -C "$1" checkout -q -f --detach base && git -C "$1" clean -q -f -d -x ||
		die "cannot put the worktree $1 back at 'base'"
}
# The test kernels' configuration: base, control, patched, every patch step and the mutants.
# tinyconfig + what the guest needs + the debug options + KASAN + fault injection (inert until
# a test sets it up): one configuration, so every kernel the proof boots runs under lockdep,
# DEBUG_VM and the memory-safety checker, and none of them is built twice.
TEST_FRAGMENTS=("$TOP"/config/{kernel,clients,rdma,vfio,debug,lockdep,kasan,faults}.config)
# arm64's test kernels (base, control, patched, booted with gup_longterm and gup_race): the
# same kernel, in-kernel client (io_uring, AF_XDP) and debug (DEBUG_VM) options, and the data
# race detector KCSAN where x86_64's have KASAN (the two exclude each other): arm64 is weakly
# ordered and flushes TLBs without IPIs, so it is where a race in GUP-fast's re-checks would
# show. Without lockdep (config/lockdep.config says why), RDMA and vfio (guest/clients.c links
# x86_64's static libibverbs) and fault injection, which the x86_64 boots run.
[ "$GUEST_ARCH" = x86_64 ] || TEST_FRAGMENTS=("$TOP"/config/{kernel,clients,debug,kcsan}.config)
# The guest tests each boot runs (guest/tests.list's names, built by bins.sh)
GUEST_TESTS="gup_longterm gup_race clients"
[ "$GUEST_ARCH" = x86_64 ] || GUEST_TESTS="gup_longterm gup_race"
# Where a patch may change files that no kernel build reads: a step that changes nothing else
# is not built again (kernels.sh, archs.sh). As pathspecs: "${NOT_BUILT[@]/#/:!}".
NOT_BUILT=(Documentation tools/testing)
basevar() { sed -n "s/^$1=//p" "$TOP/patches/BASE"; }
# setup_packages: the packages `make setup` installs, one per line.
setup_packages() { sed -E 's/#.*//' "$PACKAGES_LIST" | awk 'NF { print $1 }'; }
# package_of CMD: the package config/packages.list gives CMD, or nothing.
package_of() { sed -E 's/#.*//' "$PACKAGES_LIST" | awk -v c="$1" '{ for (i = 2; i <= NF; i++) if ($i == c) { print $1; exit } }'; }
# need CMD|FILE...: a stage's first line after sourcing this. Fails at once, naming the
# command and its package, when a command the stage runs is missing, rather than deep inside
# the stage or as a finding. An absolute path names a file (a header, a library).
need() {
	local c p what
	for c in "$@"; do
		case $c in
		/*) [ -e "$c" ] && continue; what=file ;;
		*) command -v "$c" >/dev/null 2>&1 && continue; what=command ;;
		esac
		p=$(package_of "$c")
		[ -n "$p" ] || die "$(basename "$0"): $what $c not found, and ${PACKAGES_LIST#"$TOP"/} names no package for it"
		die "$(basename "$0"): $what $c not found: it comes from package $p (run: make setup)"
	done
}
# Patch files listed in $PATCHDIR/series (default patches/series), in order (quilt format).
series_files() { grep -vE '^[[:space:]]*(#|$)' "${PATCHDIR:-$TOP/patches}/series" | sed 's/[[:space:]].*//'; }
# git format-patch options of patches/ (make export, and the gate's re-export check): git's
# own numbering and a fixed signature instead of git's version, zero hashes in From lines.
EXPORT_OPTS=(-q --zero-commit --subject-prefix=PATCH --signature=gup-longterm-6.1)
