# Shared helpers for the harness stages. Sourced, never run.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
TREE=${TREE:-$BUILD/linux}
# The stages run Debian's packaged tools only (config/packages.list): a compiler, Python or
# QEMU installed by hand under /usr/local or a home directory must not stand in for them, or
# a run here would pass where a fresh machine fails.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
PACKAGES_LIST=${PACKAGES_LIST:-$TOP/config/packages.list}
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
info() { printf '==> %s\n' "$*" >&2; }
# The test kernels' configuration: base, control, patched, every patch step and the mutants.
# tinyconfig + what the guest needs + the debug options + KASAN + fault injection (inert until
# a test sets it up): one configuration, so every kernel the proof boots runs under lockdep,
# DEBUG_VM and the memory-safety checker, and none of them is built twice.
TEST_FRAGMENTS=("$TOP"/config/{kernel,clients,rdma,vfio,debug,kasan,faults}.config)
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
