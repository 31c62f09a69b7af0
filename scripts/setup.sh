#!/usr/bin/env bash
# Stage: install the Debian packages the harness needs (config/packages.list), when any is
# missing: apt-get update once, then apt-get install; a package that cannot be had is a
# one-line error. A fresh Debian 12 machine needs only git, make and root (or sudo) before it.
. "$(dirname "$0")/lib.sh"
mapfile -t PKGS < <(setup_packages)
[ ${#PKGS[@]} -gt 0 ] || die "${PACKAGES_LIST#"$TOP"/} lists no packages"
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
info "installing: ${missing[*]}"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "not root and no sudo: install as root: apt-get install ${missing[*]}"
	SUDO=sudo
fi
$SUDO apt-get update -q >"${TMPDIR:-/tmp}/apt-update.log" 2>&1 || die "apt-get update failed (see ${TMPDIR:-/tmp}/apt-update.log)"
for p in "${missing[@]}"; do
	apt-cache show "$p" >/dev/null 2>&1 || die "package $p cannot be had from the configured apt sources"
done
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" \
	>"${TMPDIR:-/tmp}/apt-install.log" 2>&1 || die "apt-get install failed for: ${missing[*]} (see ${TMPDIR:-/tmp}/apt-install.log)"
