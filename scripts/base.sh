#!/usr/bin/env bash
# Stage: unpack Debian's linux-source-6.1 into $TREE as a git work tree, pristine base tagged 'base'.
# Idempotent: an existing tree with a 'base' tag is kept (only its version is re-checked).
. "$(dirname "$0")/lib.sh"
need git xz
TARBALL=${TARBALL:-/usr/src/linux-source-6.1.tar.xz}
BASE_FILE=${BASE_FILE:-$TOP/patches/BASE}
[ -f "$BASE_FILE" ] || die "$BASE_FILE not found: the series must record the base it was tested on"
want_pkg=$(sed -n 's/^PACKAGE_VERSION=//p' "$BASE_FILE")
want_ver=$(sed -n 's/^KERNEL_VERSION=//p' "$BASE_FILE")
[ -n "$want_pkg" ] && [ -n "$want_ver" ] || die "patches/BASE does not record PACKAGE_VERSION and KERNEL_VERSION"

if [ -z "${TARBALL_VERSION:-}" ]; then
	TARBALL_VERSION=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null) ||
		die "package linux-source-6.1 is not installed (run: make setup)"
fi
[ "$TARBALL_VERSION" = "$want_pkg" ] ||
	warn "base package is linux-source-6.1 $TARBALL_VERSION but the series was tested on $want_pkg; continuing only if every patch applies with zero fuzz"

tree_version() {
	local mk=$1/Makefile
	[ -f "$mk" ] || die "no Makefile in $1: not a kernel source tree"
	printf '%s.%s.%s\n' "$(sed -n 's/^VERSION = //p' "$mk")" "$(sed -n 's/^PATCHLEVEL = //p' "$mk")" \
		"$(sed -n 's/^SUBLEVEL = //p' "$mk")"
}

if git -C "$TREE" rev-parse -q --verify base >/dev/null 2>&1; then
	have=$(git -C "$TREE" show base:Makefile | awk '/^VERSION =/{v=$3} /^PATCHLEVEL =/{p=$3} /^SUBLEVEL =/{s=$3} END{print v"."p"."s}')
	[ "$have" = "$want_ver" ] || warn "work tree base is Linux $have but the series was tested on $want_ver"
	info "base tree present: $TREE (Linux $have)"
	exit 0
fi

[ -f "$TARBALL" ] || die "base tarball $TARBALL not found (run: make setup)"
info "unpacking $TARBALL into $TREE"
rm -rf "$TREE.tmp" && mkdir -p "$TREE.tmp"
tar -C "$TREE.tmp" -xf "$TARBALL" --strip-components=1 || die "cannot unpack $TARBALL"
have=$(tree_version "$TREE.tmp")
[ "$have" = "$want_ver" ] || warn "base tarball is Linux $have but the series was tested on $want_ver"
cd "$TREE.tmp"
git init -q
git config user.name "gup-longterm team"
git config user.email "team@gup-longterm.invalid"
git config core.autocrlf false
git config gc.auto 0
git add -A -f . >/dev/null
GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" git commit -q --date="2000-01-01T00:00:00Z" \
	-m "Debian linux-source-6.1 $TARBALL_VERSION (Linux $have)"
git tag base
cd - >/dev/null
rm -rf "$TREE" && mv "$TREE.tmp" "$TREE"
info "base tree ready: $TREE (Linux $have, package $TARBALL_VERSION), tagged 'base'"
