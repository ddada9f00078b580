#!/bin/sh
# ADD with a prevResult (a chained bridge): the previous result is carried
# forward and ours is appended, as the spec asks; CHECK and DEL work on the
# combined result.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

netns_new c
bconf "$T/c.json" 10-bridge.conflist
PREV='{"cniVersion":"1.1.0","interfaces":[{"name":"dummy9","sandbox":"/run/netns/c"}],
 "ips":[{"address":"192.0.2.7/24","interface":0}],
 "routes":[{"dst":"198.51.100.0/24","gw":"192.0.2.1"}],
 "dns":{"nameservers":["192.0.2.53"]}}'
with_prev "$T/chain.json" "$T/c.json" "$PREV"
ours ADD ctr-c /run/netns/c eth0 "$T/chain.json"
check_eq "ADD with prevResult succeeds" "$RC" 0
R=$OUT
check_eq "previous interfaces kept first, ours appended" \
	"$(json_get "$R" '[.interfaces[].name] | join(",")' | sed 's/veth[0-9a-f]\{8\}/vethX/')" \
	"dummy9,cni0,vethX,eth0"
check_eq "previous IP kept with its interface index" "$(json_get "$R" '.ips[0] | tojson')" \
	'{"address":"192.0.2.7/24","interface":0}'
check_eq "our IP points at our container interface (index 3)" "$(json_get "$R" .ips[1].interface)" 3
check_eq "previous route kept, ours appended" "$(json_get "$R" '[.routes[].dst] | join(",")')" \
	"198.51.100.0/24,0.0.0.0/0"
check_eq "previous dns kept (neither config nor IPAM set one)" \
	"$(json_get "$R" '.dns.nameservers | join(",")')" "192.0.2.53"
# CHECK verifies every route of prevResult (as the reference), so put the
# previous plugin's address and route in place first.
ip -n c addr add 192.0.2.7/24 dev eth0
ip -n c route add 198.51.100.0/24 via 192.0.2.1
with_prev "$T/p.json" "$T/c.json" "$R"
ours CHECK ctr-c /run/netns/c eth0 "$T/p.json"
check_eq "CHECK on the chained result passes" "$RC" 0
ours DEL ctr-c /run/netns/c eth0 "$T/p.json"
check_eq "DEL on the chained result" "$RC" 0
check_eq "nothing left" "$(host_veths)/$(leases)" "0/0"

# The config's dns replaces IPAM's and the previous one.
bconf "$T/d.json" 10-bridge.conflist "" '.dns = {"nameservers": ["10.22.0.53"], "search": ["svc.local"]}'
with_prev "$T/dp.json" "$T/d.json" "$PREV"
ours ADD ctr-d /run/netns/c eth0 "$T/dp.json"
check_eq "config dns wins" "$(json_get "$OUT" '.dns | tojson')" '{"nameservers":["10.22.0.53"],"search":["svc.local"]}'
ours DEL ctr-d /run/netns/c eth0 "$T/dp.json"
done_testing
