#!/bin/sh
# Interface names. The host veth name "veth" + 8 hex digits is random; on a clash with a host
# interface ADD retries with a new name (the reference looks for the clash in
# the container netns, the wrong place). getrandom() is made predictable with
# an LD_PRELOAD shim built here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

cat >"$T/fixrand.c" <<'C'
/* getrandom() answering from $FIXRAND="aabbccdd,11223344,...", one word per call. */
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
ssize_t getrandom(void *buf, size_t len, unsigned flags)
{
	static int call;
	const char *s = getenv("FIXRAND");
	unsigned char *b = buf;
	(void)flags;
	for (int i = 0; s && i < call && strchr(s, ','); i++)
		s = strchr(s, ',') + 1;
	call++;
	for (size_t i = 0; i < len; i++) {
		char hex[3] = {s ? s[2 * (i % 4)] : '0', s ? s[2 * (i % 4) + 1] : '0', 0};
		b[i] = (unsigned char)strtoul(hex, NULL, 16);
	}
	return (ssize_t)len;
}
C
check "build the getrandom shim" cc -shared -fPIC -o "$T/fixrand.so" "$T/fixrand.c"

bconf "$T/c.json" 10-bridge.conflist
netns_new a
# The bridge exists already, so the only getrandom() calls are for names.
ip link add cni0 type bridge
ip link add vethaabbccdd type veth peer name clash-peer
add_fixed() { # CID NETNS FIXRAND
	# ASan (make test-asan) wants its runtime first; the shim must win.
	OUT=$(env LD_PRELOAD="$T/fixrand.so" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		FIXRAND="$3" CNI_COMMAND=ADD CNI_CONTAINERID="$1" \
		CNI_NETNS="$2" CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/bridge" <"$T/c.json")
	RC=$?
}
add_fixed ctr-a /run/netns/a aabbccdd,11223344
check_eq "host name clash: ADD succeeds" "$RC" 0
check_eq "host name clash: the second name is used" "$(json_get "$OUT" .interfaces[1].name)" veth11223344
check_match "host name clash: the other interface is untouched" "$(ip -o link show vethaabbccdd)" 'clash-peer'
ours DEL ctr-a /run/netns/a eth0 "$T/c.json"

netns_new b
add_fixed ctr-b /run/netns/b aabbccdd
check_eq "every name taken: ADD fails" "$RC" 1
check_match "every name taken: the message says so" "$(json_get "$OUT" .msg)" 'free host veth name after 10 attempts'
check_eq "every name taken: nothing left in the container, no lease" \
	"$(ip -n b -o link show eth0 2>/dev/null | wc -l)/$(leases)" "0/0"

# The container end is created straight in the container netns: a host
# interface with the same name as CNI_IFNAME is no obstacle.
ip link add eth0 type bridge
netns_new c
ours ADD ctr-c /run/netns/c eth0 "$T/c.json"
check_eq "host already has an eth0: ADD succeeds" "$RC" 0
check_match "host eth0 untouched" "$(ip -d -o link show eth0)" 'bridge'
ours DEL ctr-c /run/netns/c eth0 "$T/c.json"
done_testing
