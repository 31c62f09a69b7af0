#!/usr/bin/env bash
# Stage helper: print the path of Debian's own 6.1 kernel configuration for one architecture
# (the linux-config-6.1 package of that architecture), fetching it once into build/debian-config.
# amd64's comes from the installed package (make setup); the others' packages are downloaded
# with apt-get download through a private package index (build/apt), so the machine's own apt
# state and dpkg architectures are not touched.
# Usage: debian-config.sh ARCH FLAVOUR    e.g. debian-config.sh ppc64el powerpc64le
. "$(dirname "$0")/lib.sh"
need apt-get dpkg-deb
[ $# -eq 2 ] || die "usage: debian-config.sh ARCH FLAVOUR"
arch=$1 flavour=$2
name=config.${arch}_none_$flavour.xz
dir=$BUILD/debian-config
mkdir -p "$dir"
if [ ! -f "$dir/$name" ]; then
	if [ -f "/usr/src/linux-config-6.1/$name" ]; then
		cp "/usr/src/linux-config-6.1/$name" "$dir/$name"
		dpkg-query -W -f '${Version}' linux-config-6.1 > "$dir/$name.version"
	else
		apt=$BUILD/apt
		mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/deb"
		opts=(-q -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o APT::Architectures::="$arch")
		# A private index per architecture: refreshed when this architecture's is missing.
		if [ ! -f "$apt/updated-$arch" ]; then
			apt-get "${opts[@]}" update >"$apt/update-$arch.log" 2>&1 ||
				warn "apt-get update for $arch reported errors (see ${apt#"$TOP"/}/update-$arch.log); trying the download"
			touch "$apt/updated-$arch"
		fi
		rm -f "$apt"/deb/linux-config-6.1_*_"$arch".deb
		(cd "$apt/deb" && apt-get "${opts[@]}" download "linux-config-6.1:$arch" >"$apt/download-$arch.log" 2>&1) ||
			{ rm -f "$apt/updated-$arch"; die "cannot download linux-config-6.1:$arch: $(grep -m1 '^E:' "$apt/download-$arch.log")"; }
		deb=$(ls "$apt"/deb/linux-config-6.1_*_"$arch".deb)
		rm -rf "$apt/x-$arch"
		dpkg-deb -x "$deb" "$apt/x-$arch" || die "cannot unpack $deb"
		[ -f "$apt/x-$arch/usr/src/linux-config-6.1/$name" ] || die "linux-config-6.1:$arch has no $name"
		cp "$apt/x-$arch/usr/src/linux-config-6.1/$name" "$dir/$name"
		dpkg-deb -f "$deb" Version > "$dir/$name.version"
	fi
fi
case $(cat "$dir/$name.version") in
6.1.*) ;;
*) die "$name is from linux-config-6.1 $(cat "$dir/$name.version"), not a 6.1 kernel's" ;;
esac
echo "$dir/$name"
