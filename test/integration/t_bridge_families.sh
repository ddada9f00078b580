#!/bin/sh
# IPv4, IPv6, dual stack and L2: addresses, routes, gateways on the bridge,
# and real traffic: two containers ping each other and the gateway.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

# pingable NS ADDR: one reply within 3 s (an IPv6 gateway on the host bridge
# is tentative for about a second: the host keeps DAD on).
pingable() { ip netns exec "$1" ping -c 1 -w 3 "$2" >/dev/null 2>&1; }
addr_of() { json_get "$1" "[.ips[] | select(.address | test(\"$2\"))][0].address" | cut -d/ -f1; }

# --- dual stack, two containers
bconf "$T/ds.json" 20-dualstack.conflist
netns_new a
netns_new b
ours ADD ctr-a /run/netns/a eth0 "$T/ds.json"
check_eq "dual stack: ADD a" "$RC" 0
RA=$OUT
ours ADD ctr-b /run/netns/b eth0 "$T/ds.json"
check_eq "dual stack: ADD b" "$RC" 0
RB=$OUT
check_eq "dual stack: one IPv4 and one IPv6 address" \
	"$(json_get "$RA" '[.ips[].address | test(":") ] | map(tostring) | join(",")')" "false,true"
check_eq "dual stack: both default routes" \
	"$(json_get "$RA" '[.routes[].dst] | join(",")')" "0.0.0.0/0,::/0"
check_match "bridge has the IPv4 gateway" "$(ip -br addr show cni1)" '10\.23\.0\.1/24'
check_match "bridge has the IPv6 gateway" "$(ip -br addr show cni1)" 'fd00:23::1/64'
check_eq "IPv4 forwarding on" "$(cat /proc/sys/net/ipv4/ip_forward)" 1
check_eq "IPv6 forwarding on" "$(cat /proc/sys/net/ipv6/conf/all/forwarding)" 1
check_eq "container accept_dad off" "$(ip netns exec a cat /proc/sys/net/ipv6/conf/eth0/accept_dad)" 0
check_eq "container arp_notify on" "$(ip netns exec a cat /proc/sys/net/ipv4/conf/eth0/arp_notify)" 1
check_eq "container keep_addr_on_down" \
	"$(ip netns exec a cat /proc/sys/net/ipv6/conf/eth0/keep_addr_on_down)" 1
hv=$(json_get "$RA" .interfaces[1].name)
check_eq "host veth accept_ra off" "$(cat /proc/sys/net/ipv6/conf/$hv/accept_ra)" 0
check_eq "bridge accept_ra off" "$(cat /proc/sys/net/ipv6/conf/cni1/accept_ra)" 0
check_match "IPv6 default route in the container" "$(ip -n a -6 route)" 'default via fd00:23::1 dev eth0'
check "a pings the IPv4 gateway" pingable a 10.23.0.1
check "a pings the IPv6 gateway" pingable a fd00:23::1
check "a pings b over IPv4" pingable a "$(addr_of "$RB" '\\.')"
check "b pings a over IPv6" pingable b "$(addr_of "$RA" ':')"
with_prev "$T/p.json" "$T/ds.json" "$RA"
ours CHECK ctr-a /run/netns/a eth0 "$T/p.json"
check_eq "dual stack: CHECK a" "$RC" 0
ours DEL ctr-a /run/netns/a eth0 "$T/p.json"
check_eq "dual stack: DEL a" "$RC" 0
with_prev "$T/p.json" "$T/ds.json" "$RB"
ours DEL ctr-b /run/netns/b eth0 "$T/p.json"
check_eq "dual stack: DEL b" "$RC" 0
check_eq "dual stack: no lease left" "$(leases)" 0

# --- IPv6 only, with DAD kept on (enabledad): ADD waits until the address
# is no longer tentative, so it is usable when ADD returns.
bconf "$T/v6.json" 20-dualstack.conflist "" '.bridge = "cni6" | .enabledad = true |
	.ipam.ranges = [[{"subnet": "fd00:66::/64"}]]'
netns_new c
ours ADD ctr-c /run/netns/c eth0 "$T/v6.json"
check_eq "IPv6 only + enabledad: ADD" "$RC" 0
check_eq "IPv6 only: only an IPv6 address" "$(json_get "$OUT" '[.ips[].address] | join(",")')" "fd00:66::2/64"
check_eq "enabledad: accept_dad on" "$(ip netns exec c cat /proc/sys/net/ipv6/conf/eth0/accept_dad)" 1
check_eq "enabledad: enhanced_dad on" "$(ip netns exec c cat /proc/sys/net/ipv6/conf/eth0/enhanced_dad)" 1
check_eq "enabledad: address not tentative when ADD returns" \
	"$(ip -n c -6 addr show dev eth0 tentative | grep -c fd00:66)" 0
check "IPv6 only: ping the gateway" pingable c fd00:66::1
ours DEL ctr-c /run/netns/c eth0 "$T/v6.json"
check_eq "IPv6 only: DEL" "$RC" 0
# enabledad with a real duplicate: an intruder on the bridge already holds
# the address we ask IPAM for. DAD fails and ADD undoes itself.
ip netns add intruder
ip link add dupv type veth peer name eth0 netns intruder
ip link set dupv master cni6 up
ip -n intruder link set eth0 up
ip -n intruder addr add fd00:66::3/64 dev eth0 nodad
netns_new c2
jq '.args = {"cni": {"ips": ["fd00:66::3"]}}' "$T/v6.json" >"$T/v6dup.json"
ours ADD ctr-c2 /run/netns/c2 eth0 "$T/v6dup.json"
check_eq "enabledad + duplicate address: ADD fails" "$RC" 1
check_match "enabledad + duplicate address: DADFAILED named" "$(json_get "$OUT" .msg)" \
	'fd00:66::3/64 in DADFAILED state'
check_eq "enabledad + duplicate address: rolled back" \
	"$(ip -n c2 -o link show eth0 2>/dev/null | wc -l)/$(leases)" "0/0"
ip link del dupv

# --- isDefaultGateway when IPAM already gives a default route without gw
bconf "$T/dg.json" 10-bridge.conflist "" '.bridge = "cni7" |
	.ipam.ranges = [[{"subnet": "10.77.0.0/24"}]] | .ipam.routes = [{"dst": "0.0.0.0/0"}]'
netns_new d
ours ADD ctr-d /run/netns/d eth0 "$T/dg.json"
check_eq "IPAM default route without gw + isDefaultGateway: ADD succeeds" "$RC" 0
check_eq "... the result lists IPAM's route and the gateway's" \
	"$(json_get "$OUT" '.routes | tojson')" '[{"dst":"0.0.0.0/0"},{"dst":"0.0.0.0/0","gw":"10.77.0.1"}]'
check_eq "... one default route in the container, through the gateway" \
	"$(ip -n d route show default)" "default via 10.77.0.1 dev eth0 "
with_prev "$T/p.json" "$T/dg.json" "$OUT"
ours CHECK ctr-d /run/netns/d eth0 "$T/p.json"
check_eq "... CHECK passes" "$RC" 0
ours DEL ctr-d /run/netns/d eth0 "$T/p.json"

# --- an existing bridge with STP on: the port sits in listening/learning
# for 2 x forward_delay; ADD waits for oper-up only, as the reference.
ip link add stp0 type bridge stp_state 1 forward_delay 400
bconf "$T/stp.json" 10-bridge.conflist "" '.bridge = "stp0" | .ipam.ranges = [[{"subnet": "10.78.0.0/24"}]]'
netns_new s
t0=$(date +%s)
ours ADD ctr-s /run/netns/s eth0 "$T/stp.json"
check_eq "STP bridge: ADD succeeds" "$RC" 0
check "STP bridge: without waiting for the STP delay" test $(($(date +%s) - t0)) -lt 3
check_match "STP bridge: the port is not forwarding yet" \
	"$(ip -d link show "$(json_get "$OUT" .interfaces[1].name)")" 'state (listening|learning)'
ours DEL ctr-s /run/netns/s eth0 "$T/stp.json"

# --- L2: no IPAM
bconf "$T/l2.json" 30-l2.conflist
netns_new e
ours ADD ctr-e /run/netns/e eth0 "$T/l2.json"
check_eq "L2: ADD" "$RC" 0
check_eq "L2: no ips in the result" "$(json_get "$OUT" '.ips | length')" 0
check_eq "L2: three interfaces" "$(json_get "$OUT" '.interfaces | length')" 3
check_match "L2: container end is up" "$(ip -n e -br link show eth0)" 'UP'
check_eq "L2: no IPv4 address in the container" "$(ip -n e -4 -o addr show eth0 | wc -l)" 0
check_eq "L2: no address on the bridge" "$(ip -4 -o addr show cni2 | wc -l)" 0
with_prev "$T/p.json" "$T/l2.json" "$OUT"
ours CHECK ctr-e /run/netns/e eth0 "$T/p.json"
check_eq "L2: CHECK passes (no IPAM to ask)" "$RC" 0
ours DEL ctr-e /run/netns/e eth0 "$T/p.json"
check_eq "L2: DEL" "$RC" 0
ip link del cni2
bconf "$T/l2old.json" 30-l2.conflist 0.2.0
netns_new f
ours ADD ctr-f /run/netns/f eth0 "$T/l2old.json"
check_eq "L2 at 0.2.0: refused up front with code 1" "$(err_code)" 1
check_match "L2 at 0.2.0: the message says why" "$(json_get "$OUT" .msg)" 'cannot be expressed'
check_eq "L2 at 0.2.0: no bridge made" "$(ip -o link show cni2 2>/dev/null | wc -l)" 0
check_eq "no veth left" "$(host_veths)" 0
done_testing
