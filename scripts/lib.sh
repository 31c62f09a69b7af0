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
