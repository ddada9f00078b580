#!/bin/sh
# CNI 1.1 STATUS (issue 6): host-local answers 50 when a range set has no
# free address (ADD needs one from every set), naming the sets; a free and a
# nearly full range succeed; multi-range sets, rangeStart/rangeEnd and
# leases outside the ranges count right; an unreadable or broken store is
# 50 too; no store yet is success and creates nothing. The bridge passes
# host-local's answer on (in-process and exec'd) and answers 50 itself when
# the IPAM plugin is missing from CNI_PATH.
. "$(dirname "$0")/lib.sh"

STORE=/var/lib/cni/networks
hl() { cni "$BIN" host-local "$@"; }
# hconf FILE NAME RANGES-JSON: a host-local config at 1.1.0
hconf() {
	jq -n --arg n "$2" --argjson r "$3" \
		'{cniVersion: "1.1.0", name: $n, type: "bridge", bridge: "st0",
		  ipam: {type: "host-local", ranges: $r}}' >"$1"
}
status() { hl STATUS "" "" "" "$1"; }
code() { if [ "$RC" -eq 0 ]; then echo 0; else json_get "$OUT" .code; fi; }
add() { # CONF N: N ADDs (ids a1..aN) on host-local; prints how many worked
	_ok=0
	_i=0
	while [ $_i -lt "$2" ]; do
		_i=$((_i + 1))
		hl ADD "a$_i" /run/netns/c eth0 "$1" && _ok=$((_ok + 1))
	done
	echo $_ok
}
netns_new c

# One /29: .2-.6 can be handed out (.1 is the gateway), 5 addresses.
hconf "$T/one.json" one '[[{"subnet": "10.93.0.0/29"}]]'
status "$T/one.json"
check_eq "free range (no store yet): success" "$(code)" 0
check "STATUS creates no store" test ! -e "$STORE/one"
check_eq "4 of 5 addresses leased" "$(add "$T/one.json" 4)" 4
status "$T/one.json"
check_eq "nearly full range: success" "$(code)" 0
check_eq "STATUS prints nothing on success" "$OUT" ""
hl ADD a5 /run/netns/c eth0 "$T/one.json"
check_eq "the 5th address" "$(json_get "$OUT" '.ips[0].address')" 10.93.0.6/29
status "$T/one.json"
check_eq "full range: code 50" "$(code)" 50
check_eq "the message names the network and the range set" "$(json_get "$OUT" .msg)" \
	"host-local: network one: no free addresses in range set 0 (10.93.0.1-10.93.0.6: 5 of 5 leased)"
check_eq "the error carries the config's version" "$(json_get "$OUT" .cniVersion)" 1.1.0
hl ADD a6 /run/netns/c eth0 "$T/one.json"
check_match "and ADD indeed fails" "$(json_get "$OUT" .msg)" 'no IP addresses available'
hl DEL a3 /run/netns/c eth0 "$T/one.json"
status "$T/one.json"
check_eq "after a DEL: success again" "$(code)" 0
# a lease from an older, wider range is not in this one
printf 'old\r\neth0' >"$STORE/one/10.93.0.77"
status "$T/one.json"
check_eq "leases outside the ranges do not count" "$(code)" 0

# Two sets: only the exhausted one is named; ADD needs both.
hconf "$T/two.json" two '[[{"subnet": "10.93.1.0/30"}], [{"subnet": "fd93::/120"}]]'
check_eq "the one v4 address of set 0 leased" "$(add "$T/two.json" 1)" 1
status "$T/two.json"
check_eq "one exhausted set of two: code 50" "$(code)" 50
check_eq "naming set 0 only" "$(json_get "$OUT" .msg)" \
	"host-local: network two: no free addresses in range set 0 (10.93.1.1-10.93.1.2: 1 of 1 leased)"

# A set of two ranges, and rangeStart/rangeEnd with the gateway outside.
hconf "$T/multi.json" multi \
	'[[{"subnet": "10.93.2.0/30"}, {"subnet": "10.93.3.0/24", "rangeStart": "10.93.3.10", "rangeEnd": "10.93.3.11"}]]'
check_eq "2 of 3 addresses of a two-range set leased" "$(add "$T/multi.json" 2)" 2
status "$T/multi.json"
check_eq "a free address left in the second range: success" "$(code)" 0
hl ADD a3 /run/netns/c eth0 "$T/multi.json"
status "$T/multi.json"
check_eq "all three leased: code 50" "$(code)" 50
check_match "the message lists both ranges" "$(json_get "$OUT" .msg)" \
	'range set 0 \(10\.93\.2\.1-10\.93\.2\.2,10\.93\.3\.10-10\.93\.3\.11: 3 of 3 leased\)'

# A big IPv6 range is never exhausted (no overflow in the count).
hconf "$T/v6.json" v6 '[[{"subnet": "fd93:1::/32"}]]'
hl ADD a1 /run/netns/c eth0 "$T/v6.json"
status "$T/v6.json"
check_eq "a /32 IPv6 range: success" "$(code)" 0

# A broken store: code 50 with the cause.
printf 'x' >"$STORE/broken"
hconf "$T/broken.json" broken '[[{"subnet": "10.93.4.0/24"}]]'
status "$T/broken.json"
check_eq "store path is a file: code 50" "$(code)" 50
check_match "naming the path" "$(json_get "$OUT" .msg)" "$STORE/broken is not a directory"
chmod 000 "$STORE/one"
OUT=$(CNI_COMMAND=STATUS CNI_PATH="$BIN" \
	setpriv --bounding-set -dac_override,-dac_read_search --inh-caps -all -- \
	"$BIN/host-local" <"$T/one.json")
RC=$?
check_eq "unreadable store (no CAP_DAC_OVERRIDE): code 50" "$(code)" 50
check_match "naming the store and the errno" "$(json_get "$OUT" .msg)" \
	"lease store unusable: .*$STORE/one.*Permission denied"
chmod 755 "$STORE/one"

# Below 1.1.0 there is no STATUS.
jq '.cniVersion = "1.0.0"' "$T/one.json" >"$T/old.json"
status "$T/old.json"
check_eq "STATUS at 1.0.0: code 1" "$(code)" 1

# Through the bridge: host-local's answer is passed on, in-process and exec'd.
status_br() { cni "$1" bridge STATUS "" "" "" "$2"; }
hl ADD a3 /run/netns/c eth0 "$T/one.json"
status_br "$BIN" "$T/one.json"
check_eq "bridge STATUS, full range (in-process IPAM): code 50" "$(code)" 50
check_match "with host-local's message" "$(json_get "$OUT" .msg)" 'no free addresses in range set 0'
CNI_IPAM_NO_INPROC=1 status_br "$BIN" "$T/one.json"
check_eq "bridge STATUS, full range (exec'd IPAM): code 50" "$(code)" 50
status_br "$BIN" "$T/v6.json"
check_eq "bridge STATUS, free range: success" "$(code)" 0

# The IPAM binary removed from CNI_PATH.
mkdir "$T/plug"
cp "$BIN/bridge" "$T/plug/bridge"
status_br "$T/plug" "$T/v6.json"
check_eq "bridge STATUS without host-local in CNI_PATH: code 50" "$(code)" 50
check_match "naming the plugin and the path" "$(json_get "$OUT" .msg)" \
	"IPAM plugin unavailable: failed to find plugin \"host-local\" in path \\[$T/plug\\]"
cp "$BIN/host-local" "$T/plug/host-local"
status_br "$T/plug" "$T/v6.json"
check_eq "put back: success" "$(code)" 0
# IPAM reporting 51 (limited) is passed on unchanged.
printf '#!/bin/sh\necho %s\nexit 1\n' \
	"'{\"cniVersion\":\"1.1.0\",\"code\":51,\"msg\":\"degraded\"}'" >"$T/plug/spy51"
chmod +x "$T/plug/spy51"
jq '.ipam.type = "spy51"' "$T/v6.json" >"$T/spy.json"
status_br "$T/plug" "$T/spy.json"
check_eq "IPAM's 51 is passed on" "$(code)/$(json_get "$OUT" .msg)" "51/degraded"
done_testing
