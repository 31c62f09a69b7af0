#!/usr/bin/env bash
# Stage: build the static guest binaries from the tree at the series tip: the vm kselftests
# through tools/testing/selftests/vm's own Makefile (which also proves its wiring), against
# the tree's exported uapi headers, the harness's race stress program and its real clients
# (RDMA and vfio, guest/clients.c). For GUEST_ARCH=arm64, cross-compiled into bin-arm64,
# without the real clients (lib.sh's GUEST_TESTS).
. "$(dirname "$0")/lib.sh"
need "${CROSS}gcc" rsync "$GUEST_LIBC"
out=$BUILD/out/test$ASUF bin=$BUILD/bin$ASUF
[ -f "$out/.config" ] || die "no configured kernel build in $out (run: make kernels)"
mkdir -p "$bin"
make -s -C "$TREE" O="$out" ARCH="$KARCH" CROSS_COMPILE="$CROSS" headers_install >/dev/null || die "headers_install failed"
khdr="-isystem $out/usr/include"
vm=$TREE/tools/testing/selftests/vm
progs=(gup_test)
[ -f "$vm/gup_longterm.c" ] && progs+=(gup_longterm)
make -s -C "$vm" OUTPUT="$bin" KHDR_INCLUDES="$khdr" LDFLAGS=-static CC="${CROSS}gcc" MACHINE="$KARCH" \
	"${progs[@]/#/$bin/}" >"$bin/build.log" 2>&1 || { cat "$bin/build.log" >&2; die "building ${progs[*]} with the vm selftests Makefile failed"; }
"${CROSS}gcc" -static -O2 -Wall -Wextra -Werror -I"$TOP/guest" -I"$TREE/mm" -I"$TREE/tools/testing/selftests" $khdr \
	-o "$bin/gup_race" "$TOP/guest/gup_race.c" -lpthread || die "building guest/gup_race.c failed"
progs+=(gup_race)
if [[ " $GUEST_TESTS " = *" clients "* ]]; then
	need gcc /usr/lib/x86_64-linux-gnu/libibverbs.a
	# The real clients: libibverbs with its rxe and siw providers linked in (verbs.h's
	# RDMA_STATIC_PROVIDERS), and libnl, which libibverbs uses for RDMA netlink. (The linker's
	# warnings about libnl's getaddrinfo() and getprotoby*() in a static binary are kept in the
	# log: libibverbs never calls them.)
	gcc -static -O2 -Wall -Wextra -Werror -DRDMA_STATIC_PROVIDERS=rxe,siw -I"$TOP/guest" -I"$TREE/tools/testing/selftests" $khdr \
		-o "$bin/clients" "$TOP/guest/clients.c" \
		-lrxe-rdmav34 -lsiw-rdmav34 -libverbs -lnl-route-3 -lnl-3 -lpthread >"$bin/clients.log" 2>&1 ||
		{ cat "$bin/clients.log" >&2; die "building guest/clients.c (static libibverbs, rxe and siw providers) failed"; }
	progs+=(clients)
fi
info "guest binaries ($GUEST_ARCH): ${progs[*]} in ${bin#"$TOP"/}"
