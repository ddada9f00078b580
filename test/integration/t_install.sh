#!/bin/sh
# `make install`: both plugins land in $(DESTDIR)$(CNI_BIN_DIR) (default
# /opt/cni/bin), byte for byte the build's, each replaced by a rename so a
# runtime exec'ing the old file mid-install keeps a whole binary; the
# installed pair works from there (ADD, DEL with CNI_PATH = that dir).
. "$(dirname "$0")/lib.sh"

D=$T/root
# -o: install what is built, never rebuild here (other work may be going on
# in the tree; BUILD may be the sanitizer build).
inst() {
	make -s -C "$TOP" BUILD="$BUILD" DESTDIR="$D" -o "$BUILD/bin/bridge" \
		-o "$BUILD/bin/host-local" -o "$BUILD/bin/cni-bridge" install >"$T/make.out" 2>&1
}
check "make install into a DESTDIR" inst
B=$D/opt/cni/bin
for p in bridge host-local; do
	check "$p installed under /opt/cni/bin, mode 755" test "$(stat -c %a "$B/$p" 2>/dev/null)" = 755
	check "$p installed byte for byte" cmp "$BIN/$p" "$B/$p"
done
check_eq "no temporary files left" "$(find "$B" -name '.*' | wc -l)" 0

# A reinstall replaces the file by rename: a descriptor opened on the old
# one (a runtime in the middle of exec) still reads the old, whole binary.
exec 7<"$B/bridge"
old_ino=$(stat -c %i "$B/bridge")
check "make install again over the installed files" inst
check "the reinstalled bridge is a new inode (renamed into place)" \
	test "$(stat -c %i "$B/bridge")" != "$old_ino"
check "the old file stays whole for whoever has it open" cmp /proc/self/fd/7 "$BIN/bridge"
exec 7<&-

check "CNI_BIN_DIR moves the target" sh -c \
	"make -s -C '$TOP' BUILD='$BUILD' DESTDIR='$D' CNI_BIN_DIR=/usr/libexec/cni \
	-o '$BUILD/bin/bridge' -o '$BUILD/bin/host-local' -o '$BUILD/bin/cni-bridge' install >/dev/null 2>&1 &&
	test -x '$D/usr/libexec/cni/bridge' && test -x '$D/usr/libexec/cni/host-local'"

netns_new c
jq -n '{cniVersion: "1.0.0", name: "instnet", type: "bridge", bridge: "inst0",
	isGateway: true, ipam: {type: "host-local", subnet: "10.79.0.0/24"}}' >"$T/c.json"
cni "$B" bridge ADD ctr-i /run/netns/c eth0 "$T/c.json"
check_eq "the installed pair serves ADD from its own dir" "$RC/$(json_get "$OUT" '.ips[0].address')" "0/10.79.0.2/24"
cni "$B" bridge DEL ctr-i /run/netns/c eth0 "$T/c.json"
check_eq "... and DEL" "$RC/$(find /var/lib/cni/networks/instnet -name '10.*' | wc -l)" "0/0"
done_testing
