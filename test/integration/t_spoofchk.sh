#!/bin/sh
# lib/nft macspoofchk (through test/tools/masq_tool): the reference's table,
# chains and comments; repeated setup does not duplicate; teardown leaves
# other containers alone; frames with a spoofed source MAC are dropped;
# interop with the reference bridge (v1.1.1, which runs `nft`).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_masq_lib.inc"

MAC1=02:11:22:33:44:55
check "setup" "$MT" spoofchk-setup vethaaaa $MAC1 c1 eth0
RS=$(nft list table bridge nat)
check_eq "base chain PREROUTING: filter, prerouting, priority -300, accept" \
	"$(nft -j list chain bridge nat PREROUTING | jq -c '.nftables[] | select(.chain) | .chain | [.type, .hook, .prio, .policy]')" \
	'["filter","prerouting",-300,"accept"]'
check_match "PREROUTING: iifname jump to the iface chain" "$RS" \
	'iifname "vethaaaa" jump cni-br-iface-c1-eth0 comment "macspoofchk-c1-eth0"'
check_match "iface chain jumps to the mac chain" "$RS" \
	'jump cni-br-iface-c1-eth0-mac comment "macspoofchk-c1-eth0"'
check_match "mac chain returns for the container MAC" "$RS" \
	"ether saddr $MAC1 return comment \"macspoofchk-c1-eth0\""
check_match "mac chain drops the rest" "$RS" 'drop comment "macspoofchk-c1-eth0"'
check "repeated setup" "$MT" spoofchk-setup vethaaaa $MAC1 c1 eth0
check_eq "no duplicated rules" "$(nft list table bridge nat | grep -c 'macspoofchk-c1-eth0')" 4
check "second container" "$MT" spoofchk-setup vethbbbb 02:11:22:33:44:66 c2 eth0
check "check passes" "$MT" spoofchk-check $MAC1 c1 eth0
check "check without a MAC passes" "$MT" spoofchk-check - c1 eth0
check_not "check with another MAC fails" 1 "$MT" spoofchk-check 02:11:22:33:44:56 c1 eth0
check "teardown c1" "$MT" spoofchk-teardown c1 eth0
RS=$(nft list table bridge nat)
check_eq "c1's rules and chains are gone" "$(printf '%s\n' "$RS" | grep -c 'c1-eth0')" 0
check_eq "c2's survive" "$(printf '%s\n' "$RS" | grep -c 'c2-eth0')" 6
check_not "check fails after teardown" 1 "$MT" spoofchk-check - c1 eth0
check "teardown again is a no-op" "$MT" spoofchk-teardown c1 eth0
OUT=$("$MT" spoofchk-setup vethaaaa 02:11:22:33:44 c1 eth0)
check_eq "a bad MAC is code 7" "$(json_get "$OUT" .code)" 7
check_eq "and changes nothing" "$(nft list table bridge nat | grep -c 'c1-eth0')" 0
"$MT" spoofchk-teardown c2 eth0

# Real frames.
check "topology" masq_topology
MAC=$(ip -n ctr -j link show eth0 | jq -r '.[0].address')
check "setup for the container's MAC" "$MT" spoofchk-setup vh0 "$MAC" ctr eth0
check "the container reaches the bridge with its own MAC" ip netns exec ctr ping -c1 -W2 10.10.0.1
ip -n ctr link set eth0 address 02:de:ad:be:ef:01
ip neigh flush dev br0
ip -n ctr neigh flush dev eth0
check_not "with a spoofed MAC its frames are dropped" 1 ip netns exec ctr ping -c1 -W1 10.10.0.1
check "teardown" "$MT" spoofchk-teardown ctr eth0
check "without the check the spoofed MAC gets through (so the drop was ours)" \
	ip netns exec ctr ping -c1 -W2 10.10.0.1

# Interop with the reference bridge.
cat >"$T/ref.json" <<JSON
{"cniVersion":"0.4.0","name":"refnet","type":"bridge","bridge":"cni9","macspoofchk":true,
 "ipam":{"type":"host-local","subnet":"10.99.0.0/24"}}
JSON
netns_new r1
ref ADD r1 /run/netns/r1 eth0 "$T/ref.json"
check_eq "reference ADD with macspoofchk" "$RC" 0
HOSTIF=$(json_get "$OUT" '.interfaces[1].name')
RMAC=$(json_get "$OUT" '.interfaces[2].mac')
check "our check accepts the reference's rules (and its MAC)" "$MT" spoofchk-check "$RMAC" r1 eth0
check "our teardown of the reference's rules" "$MT" spoofchk-teardown r1 eth0
check_eq "nothing of r1 left" "$(nft list table bridge nat | grep -c 'r1-eth0')" 0
check "our setup for the reference's container" "$MT" spoofchk-setup "$HOSTIF" "$RMAC" r1 eth0
ref DEL r1 /run/netns/r1 eth0 "$T/ref.json"
check_eq "reference DEL succeeds on our rules" "$RC" 0
check_eq "reference DEL removed our rules and chains" "$(nft list table bridge nat | grep -c 'r1-eth0')" 0
done_testing
