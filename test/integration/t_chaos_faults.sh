#!/bin/sh
# Faults around a working setup: the netns deleted between ADD and DEL (with
# masquerade rules on both backends), the bridge deleted by hand between two
# ADDs, and the IPAM plugin missing, failing, hanging past
# CNI_IPAM_TIMEOUT_SECONDS or printing garbage (also after it had allocated
# a lease). Each gives a clear error and leaves no veth, lease or rule.
# (t_bridge_del.sh covers DEL's other "already gone" shapes, t_ipam.sh the
# messages of lib/ipam itself, t_bridge_rollback.sh failures of later steps.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"
. "$(dirname "$0")/t_masq_lib.inc"

bconf "$T/c.json" 10-bridge.conflist "" '.bridge = "fb0" | .ipam.ranges = [[{"subnet": "10.82.0.0/24"}]]'
jq '.ipMasq = true | .ipMasqBackend = "nftables"' "$T/c.json" >"$T/nft.json"
jq '.ipMasq = true | .ipMasqBackend = "iptables"' "$T/c.json" >"$T/ipt.json"
# state: "veths/leases/nft rules/iptables CNI lines" on the host
state() {
	printf '%s/%s/%s/%s' "$(host_veths)" "$(leases)" "$(nft_masq_rules | grep -c .)" \
		"$(iptables-save -t nat | grep -c 'CNI-')"
}
# The kernel tears a deleted netns (and the veth in it) down asynchronously.
wait_veths_gone() {
	_i=0
	while [ "$(host_veths)" != 0 ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# --- the netns deleted between ADD and DEL, masquerade on
for b in nft ipt; do
	netns_new "g$b"
	ours ADD "ctr-g$b" "/run/netns/g$b" eth0 "$T/$b.json"
	check_eq "$b: ADD succeeds" "$RC $(state)" "0 1/1/$([ $b = nft ] && echo 1/0 || echo 0/4)"
	ip netns del "g$b"
	ours DEL "ctr-g$b" "/run/netns/g$b" eth0 "$T/$b.json"
	check_eq "$b, netns deleted: DEL succeeds" "$RC" 0
	wait_veths_gone
	check_eq "$b, netns deleted: no veth, lease or rule left" "$(state)" 0/0/0/0
	ours DEL "ctr-g$b" "/run/netns/g$b" eth0 "$T/$b.json"
	check_eq "$b, netns deleted: a second DEL succeeds too" "$RC" 0
done

# --- the bridge deleted by hand between two ADDs
netns_new b1
netns_new b2
ours ADD ctr-b1 /run/netns/b1 eth0 "$T/nft.json"
ip link del fb0 # ctr-b1's host veth stays, on no bridge
ours ADD ctr-b2 /run/netns/b2 eth0 "$T/nft.json"
check_eq "bridge deleted: the next ADD succeeds" "$RC" 0
check_eq "bridge deleted: it is made again, with its gateway address" \
	"$(ip -o link show type bridge | wc -l) $(ip -4 -o addr show fb0 | awk '{print $4}')" "1 10.82.0.1/24"
check_eq "bridge deleted: the new container is its port" \
	"$(ip -o link show master fb0 | wc -l)" 1
check "bridge deleted: the new container reaches the gateway" ip netns exec b2 ping -c 1 -w 3 10.82.0.1
ours DEL ctr-b1 /run/netns/b1 eth0 "$T/nft.json"
check_eq "bridge deleted: DEL of the container from before succeeds" "$RC" 0
ours DEL ctr-b2 /run/netns/b2 eth0 "$T/nft.json"
check_eq "bridge deleted: DEL of the new one succeeds" "$RC" 0
check_eq "bridge deleted: nothing left" "$(state)" 0/0/0/0

# --- the IPAM plugin misbehaves. Fakes in D, first in CNI_PATH; "hl"
# runs our host-local first, so the fault comes after a lease was taken.
D=$T/ipam
mkdir -p "$D"
fake() { # NAME BODY
	printf '#!/bin/sh\n%s\n' "$2" >"$D/$1"
	chmod +x "$D/$1"
}
hl="\"$BIN/host-local\" <\"$T/stdin\" >/dev/null;"
fake failjson 'printf "{\"code\": 11, \"msg\": \"ipam store busy\"}"; exit 1'
fake failhl "cat >\"$T/stdin\"; [ \"\$CNI_COMMAND\" = ADD ] || exec \"$BIN/host-local\" <\"$T/stdin\"; $hl echo 'lost the backend' >&2; exit 3"
fake hanghl "cat >\"$T/stdin\"; [ \"\$CNI_COMMAND\" = ADD ] || exec \"$BIN/host-local\" <\"$T/stdin\"; $hl exec sleep 30"
fake garbagehl "cat >\"$T/stdin\"; [ \"\$CNI_COMMAND\" = ADD ] || exec \"$BIN/host-local\" <\"$T/stdin\"; $hl echo 'not json'"
fake crashhl "cat >\"$T/stdin\"; [ \"\$CNI_COMMAND\" = ADD ] || exec \"$BIN/host-local\" <\"$T/stdin\"; $hl kill -SEGV \$\$"
netns_new i
# ipam_case TYPE DESC CODE MSG-PATTERN: ADD with ipam.type TYPE (masquerade on)
ipam_case() {
	jq --arg t "$1" '.ipam.type = $t' "$T/nft.json" >"$T/i.json"
	t0=$(date +%s)
	OUT=$(env CNI_COMMAND=ADD CNI_CONTAINERID=ctr-i CNI_NETNS=/run/netns/i CNI_IFNAME=eth0 \
		CNI_PATH="$D:$BIN" CNI_IPAM_TIMEOUT_SECONDS=1 "$BIN/bridge" <"$T/i.json" 2>/dev/null)
	RC=$?
	secs=$(($(date +%s) - t0))
	check_eq "IPAM $2: ADD fails with code $3" "$RC $(err_code)" "1 $3"
	check_match "IPAM $2: the message says why" "$(json_get "$OUT" .msg)" "$4"
	check_eq "IPAM $2: no container interface" "$(ip -n i -o link show | grep -vc ': lo:')" 0
	check_eq "IPAM $2: no veth, lease or rule left" "$(state)" 0/0/0/0
}
ipam_case nope "missing" 999 "failed to find plugin \"nope\" in path \\[$D $BIN\\]"
ipam_case failjson "failing with an error JSON" 11 '^ipam store busy$'
ipam_case failhl "failing after it allocated" 999 'netplugin failed: "lost the backend\\n": exit status 3'
ipam_case hanghl "hanging after it allocated" 11 "IPAM plugin \"$D/hanghl\" \\(ADD\\) did not finish within 1 s"
check "IPAM hanging: ADD gave up within 4 s (${secs} s)" [ "$secs" -le 4 ]
ipam_case garbagehl "printing garbage after it allocated" 6 \
	'^IPAM plugin "garbagehl" returned an unusable result: '
ipam_case crashhl "crashing after it allocated" 999 'signal: segmentation fault'
# Our own host-local, stuck on its store lock (a hung process holds it):
# with CNI_IPAM_TIMEOUT_SECONDS set it is exec'd, not run in-process, so
# the timeout holds.
STORE=/var/lib/cni/networks/$(jq -r .name "$T/c.json")
mkdir -p "$STORE"
flock "$STORE/lock" sleep 5 &
holder=$!
sleep 0.2
t0=$(date +%s)
OUT=$(env CNI_COMMAND=ADD CNI_CONTAINERID=ctr-i CNI_NETNS=/run/netns/i CNI_IFNAME=eth0 \
	CNI_PATH="$BIN" CNI_IPAM_TIMEOUT_SECONDS=1 "$BIN/bridge" <"$T/nft.json" 2>/dev/null)
RC=$?
secs=$(($(date +%s) - t0))
check_eq "host-local blocked on its lock: ADD fails with code 11" "$RC $(err_code)" "1 11"
check_match "host-local blocked on its lock: the message names the timeout" "$(json_get "$OUT" .msg)" \
	'host-local" \(ADD\) did not finish within 1 s'
check "host-local blocked on its lock: gave up within 4 s (${secs} s)" [ "$secs" -le 4 ]
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
check_eq "host-local blocked on its lock: no veth, lease or rule left" "$(state)" 0/0/0/0
ours ADD ctr-i /run/netns/i eth0 "$T/nft.json"
check_eq "after the IPAM faults, ADD with host-local works" "$RC $(state)" "0 1/1/1/0"
ours DEL ctr-i /run/netns/i eth0 "$T/nft.json"
check_eq "... and DEL leaves nothing" "$RC $(state)" "0 0/0/0/0"
done_testing
