#!/usr/bin/env bash
# Stage helper: fetch one Debian 12 package of another architecture (apt-get download through
# a private package index in build/apt, so the machine's own apt state and dpkg architectures
# are not touched), unpack it with dpkg-deb and print the directory it was unpacked into
# (build/apt/x-ARCH-PACKAGE). Fetched once: a later call prints the same directory.
# Usage: debian-deb.sh PACKAGE ARCH    e.g. debian-deb.sh busybox-static arm64
. "$(dirname "$0")/lib.sh"
need apt-get dpkg-deb flock
[ $# -eq 2 ] || die "usage: debian-deb.sh PACKAGE ARCH"
pkg=$1 arch=$2
apt=$BUILD/apt x=$BUILD/apt/x-$arch-$pkg
# One at a time: calls at once (make check's arm64 boots, each packing its initramfs) would
# share the private index while apt-get rewrites it ("Unable to locate package").
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/deb"
exec 9>"$apt/lock"
flock 9 || die "cannot lock ${apt#"$TOP"/}/lock"
if [ ! -f "$x/.version" ]; then
	opts=(-q -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o APT::Architectures::="$arch")
	# A private index per architecture: refreshed when this architecture's is missing.
	if [ ! -f "$apt/updated-$arch" ]; then
		apt-get "${opts[@]}" update >"$apt/update-$arch.log" 2>&1 ||
			warn "apt-get update for $arch reported errors (see ${apt#"$TOP"/}/update-$arch.log); trying the download"
		touch "$apt/updated-$arch"
	fi
	rm -f "$apt/deb/${pkg}"_*_"$arch".deb
	(cd "$apt/deb" && apt-get "${opts[@]}" download "$pkg:$arch" >"$apt/download-$arch-$pkg.log" 2>&1) ||
		{ rm -f "$apt/updated-$arch"; die "cannot download $pkg:$arch: $(grep -m1 '^E:' "$apt/download-$arch-$pkg.log")"; }
	deb=$(ls "$apt/deb/${pkg}"_*_"$arch".deb)
	rm -rf "$x"
	dpkg-deb -x "$deb" "$x" || die "cannot unpack $deb"
	dpkg-deb -f "$deb" Version > "$x/.version"
fi
echo "$x"
