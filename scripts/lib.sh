# Shared helpers for the harness stages. Sourced, never run.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
TREE=${TREE:-$BUILD/linux}
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
info() { printf '==> %s\n' "$*" >&2; }
basevar() { sed -n "s/^$1=//p" "$TOP/patches/BASE"; }
# Patch files listed in $PATCHDIR/series (default patches/series), in order (quilt format).
series_files() { grep -vE '^[[:space:]]*(#|$)' "${PATCHDIR:-$TOP/patches}/series" | sed 's/[[:space:]].*//'; }
# git format-patch options of patches/ (make export, and the gate's re-export check): git's
# own numbering and a fixed signature instead of git's version, zero hashes in From lines.
EXPORT_OPTS=(-q --zero-commit --subject-prefix=PATCH --signature=gup-longterm-6.1)
