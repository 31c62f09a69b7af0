#!/usr/bin/env bash
# Stage helper: print the path of Debian's own 6.1 kernel configuration for one architecture
# (the linux-config-6.1 package of that architecture), fetching it once into build/debian-config.
# amd64's comes from the installed package (make setup); the others' packages are fetched by
# debian-deb.sh (a private package index: the machine's own apt state is not touched).
# Usage: debian-config.sh ARCH FLAVOUR    e.g. debian-config.sh ppc64el powerpc64le
. "$(dirname "$0")/lib.sh"
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
		x=$("$TOP/scripts/debian-deb.sh" linux-config-6.1 "$arch") || exit 1
		[ -f "$x/usr/src/linux-config-6.1/$name" ] || die "linux-config-6.1:$arch has no $name"
		cp "$x/usr/src/linux-config-6.1/$name" "$dir/$name"
		cp "$x/.version" "$dir/$name.version"
	fi
fi
case $(cat "$dir/$name.version") in
6.1.*) ;;
*) die "$name is from linux-config-6.1 $(cat "$dir/$name.version"), not a 6.1 kernel's" ;;
esac
echo "$dir/$name"
