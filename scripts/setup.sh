#!/usr/bin/env bash
# Stage: install the Debian packages the harness needs, when any is missing.
# apt-get update once, then apt-get install; a package that cannot be had is a one-line error.
. "$(dirname "$0")/lib.sh"
PKGS=(linux-source-6.1 build-essential flex bison bc libelf-dev libssl-dev cpio kmod file
	qemu-system-x86 busybox-static e2fsprogs xfsprogs ccache sparse coccinelle
	python3 python3-docutils python3-ply python3-git gnuplot-nox git rsync)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
info "installing: ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q >"${TMPDIR:-/tmp}/apt-update.log" 2>&1 || die "apt-get update failed (see ${TMPDIR:-/tmp}/apt-update.log)"
for p in "${missing[@]}"; do
	apt-cache show "$p" >/dev/null 2>&1 || die "package $p cannot be had from the configured apt sources"
done
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" \
	>"${TMPDIR:-/tmp}/apt-install.log" 2>&1 || die "apt-get install failed for: ${missing[*]} (see ${TMPDIR:-/tmp}/apt-install.log)"
