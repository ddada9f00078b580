#!/bin/sh
# CHECK finds each kind of drift and names it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

bconf "$T/c.json" 10-bridge.conflist
netns_new c
ours ADD ctr-c /run/netns/c eth0 "$T/c.json"
R=$OUT
with_prev "$T/p.json" "$T/c.json" "$R"
ADDR=$(json_get "$R" .ips[0].address)
chk() { ours CHECK ctr-c /run/netns/c eth0 "$T/p.json"; }

chk
check_eq "CHECK right after ADD passes" "$RC" 0
check_eq "CHECK prints nothing on success" "$OUT" ""

ours CHECK ctr-c /run/netns/c eth0 "$T/c.json"
check_eq "no prevResult: code 7" "$(err_code)" 7
check_match "no prevResult: message" "$(json_get "$OUT" .msg)" 'Required prevResult missing'

ip -n c route del default
chk
check_eq "missing route: CHECK fails" "$RC" 1
check_match "missing route: named" "$(json_get "$OUT" .msg)" 'route 0\.0\.0\.0/0 via 10\.22\.0\.1 .*missing'
ip -n c route add default via 10.22.0.1

ip -n c addr del "$ADDR" dev eth0
chk
check_eq "deleted address: CHECK fails" "$RC" 1
check_match "deleted address: named" "$(json_get "$OUT" .msg)" "address $ADDR .*not on interface eth0"
ip -n c addr add "$ADDR" dev eth0
ip -n c route add default via 10.22.0.1 2>/dev/null

ip -n c link set eth0 address 02:11:22:33:44:55
chk
check_eq "changed MAC: CHECK fails" "$RC" 1
check_match "changed MAC: both MACs named" "$(json_get "$OUT" .msg)" \
	"eth0 MAC 02:11:22:33:44:55 .*$(json_get "$R" .interfaces[2].mac)"
ip -n c link set eth0 address "$(json_get "$R" .interfaces[2].mac)"
chk
check_eq "restored: CHECK passes again" "$RC" 0

ours CHECK ctr-c /run/netns/other eth0 "$T/p.json"
check_match "other netns: sandbox mismatch named" "$(json_get "$OUT" .msg)" \
	"Sandbox in prevResult /run/netns/c doesn't match configured netns: /run/netns/other"

HV=$(json_get "$R" .interfaces[1].name)
ip link set "$HV" nomaster
chk
check_match "host veth off the bridge: named" "$(json_get "$OUT" .msg)" "$HV is not attached to bridge cni0"
ip link set "$HV" master cni0

ours DEL ctr-c "" eth0 "$T/c.json" # lease only: host-local's CHECK must notice
chk
check_eq "lease gone: IPAM CHECK fails" "$RC" 1
ours DEL ctr-c /run/netns/c eth0 "$T/p.json"

ip link del cni0
netns_new d
ours ADD ctr-d /run/netns/d eth0 "$T/c.json"
with_prev "$T/pd.json" "$T/c.json" "$OUT"
ip link set cni0 down
ip link del cni0
ours CHECK ctr-d /run/netns/d eth0 "$T/pd.json"
check_match "bridge gone: named" "$(json_get "$OUT" .msg)" "bridge cni0 .*not found"
ours DEL ctr-d /run/netns/d eth0 "$T/pd.json"

bconf "$T/old.json" 10-bridge.conflist 0.3.1
ours CHECK ctr-d /run/netns/d eth0 "$T/old.json"
check_eq "CHECK at 0.3.1: code 1" "$(err_code)" 1
done_testing
