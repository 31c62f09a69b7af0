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
mkdir -p "$apt/cache/archives/partial" "$apt/deb"
exec 9>"$apt/lock"
flock 9 || die "cannot lock ${apt#"$TOP"/}/lock"
if [ ! -f "$x/.version" ]; then
	# A private index per architecture, each in its own lists directory: apt-get update drops
	# the index files of every architecture it is not configured for, so one shared directory
	# lost arm64's index when make archs fetched ppc64el's config, and the arm64 boots' busybox
	# could not be found ("Unable to locate package busybox-static:arm64").
	opts=(-q -o Dir::State::Lists="$apt/lists-$arch" -o Dir::Cache="$apt/cache" -o APT::Architectures::="$arch")
	mkdir -p "$apt/lists-$arch/partial"
	update() {
		apt-get "${opts[@]}" update >"$apt/update-$arch.log" 2>&1 ||
			warn "apt-get update for $arch reported errors (see ${apt#"$TOP"/}/update-$arch.log); trying the download"
		touch "$apt/updated-$arch"
	}
	download() {
		rm -f "$apt/deb/${pkg}"_*_"$arch".deb
		(cd "$apt/deb" && apt-get "${opts[@]}" download "$pkg:$arch" >"$apt/download-$arch-$pkg.log" 2>&1)
	}
	# Refreshed when missing; an index kept from an earlier run may name a version the mirror
	# has since dropped: then it is refreshed and the download tried once more.
	fresh=
	[ -f "$apt/updated-$arch" ] || { update; fresh=1; }
	download || { [ -z "$fresh" ] && update && download; } ||
		{ rm -f "$apt/updated-$arch"; die "cannot download $pkg:$arch: $(grep -m1 '^E:' "$apt/download-$arch-$pkg.log")"; }
	deb=$(ls "$apt/deb/${pkg}"_*_"$arch".deb)
	rm -rf "$x"
	dpkg-deb -x "$deb" "$x" || die "cannot unpack $deb"
	dpkg-deb -f "$deb" Version > "$x/.version"
fi
echo "$x"
