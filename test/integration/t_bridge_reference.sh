#!/bin/sh
# Drop-in check: the same config run by the reference bridge (plugins v1.1.1,
# in a second "host" netns) and by ours leaves the same observable state:
# result (minus MACs and the random veth name), container addresses, routes
# and sysctls, bridge addresses, port flags, forwarding.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

# state DIR CONTAINER_NETNS BRIDGE RESULT_FILE: prints the normalized state
# seen from the current netns (the plugin's host).
cat >"$T/state.sh" <<'SH'
C=$1 BR=$2 R=$3
jq -S 'del(.interfaces[]?.mac) | (.interfaces[]? | select(.name | test("^veth")) | .name) = "vethX"
	| (.interfaces[]? | select(.sandbox) | .sandbox) = "SANDBOX" | del(.dns)' "$R"
echo "container addrs: $(ip -n "$C" -o addr show eth0 | awk '$4 !~ /^fe80/ {print $3, $4}' | tr '\n' ' ')"
echo "container link: $(ip -n "$C" -o link show eth0 | grep -o 'mtu [0-9]*\|state [A-Z]*' | tr '\n' ' ')"
ip -n "$C" -4 route | sed 's/^/container v4 route: /'
ip -n "$C" -6 route | grep -v '^fe80\|^multicast\|^local' | sed 's/ pref medium//; s/ metric [0-9]*//; s/^/container v6 route: /'
for k in ipv6/conf/eth0/accept_dad ipv4/conf/eth0/arp_notify ipv6/conf/eth0/disable_ipv6; do
	echo "container $k=$(ip netns exec "$C" cat /proc/sys/net/$k)"
done
echo "bridge addrs: $(ip -o addr show "$BR" | awk '$4 !~ /^fe80/ {print $3, $4}' | tr '\n' ' ')"
echo "bridge state: $(ip -o link show "$BR" | grep -o 'state [A-Z]*')"
echo "bridge accept_ra=$(cat /proc/sys/net/ipv6/conf/$BR/accept_ra)"
HV=$(jq -r '.interfaces[1].name' "$R")
echo "port: $(ip -d -o link show "$HV" | grep -o 'master [^ ]*\|state [A-Z]*\|hairpin [a-z]*' | sort | tr '\n' ' ')"
echo "port accept_ra=$(cat /proc/sys/net/ipv6/conf/$HV/accept_ra)"
echo "ip_forward=$(cat /proc/sys/net/ipv4/ip_forward) v6 forwarding=$(cat /proc/sys/net/ipv6/conf/all/forwarding)"
SH

n=0
compare() { # DESC CONFLIST JQ-FILTER
	n=$((n + 1))
	# Fresh lease stores so both allocate the same first address.
	bconf "$T/cfg.json" "$2" 1.0.0 "$3 | .ipam.dataDir = \"/var/lib/cni/ours-$n\""
	jq ".ipam.dataDir = \"/var/lib/cni/ref-$n\"" "$T/cfg.json" >"$T/cfg-ref.json"
	rm -f "$T/ref.state"
	# Our sandbox host starts each case like the fresh reference host.
	echo 0 >/proc/sys/net/ipv4/ip_forward
	echo 0 >/proc/sys/net/ipv6/conf/all/forwarding
	BR=$(jq -r .bridge "$T/cfg.json")
	ip netns add refhost
	ip netns add refc
	ip -n refhost link set lo up
	netns_new ourc
	ip netns exec refhost sh -c "CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/refc \
		CNI_IFNAME=eth0 CNI_PATH=$REF $REF/bridge <$T/cfg-ref.json >$T/ref.json &&
		sh $T/state.sh refc $BR $T/ref.json >$T/ref.state" || diag "reference ADD: $(cat "$T/ref.json")"
	ours ADD c1 /run/netns/ourc eth0 "$T/cfg.json"
	printf '%s' "$OUT" >"$T/ours.json"
	sh "$T/state.sh" ourc "$BR" "$T/ours.json" >"$T/ours.state"
	if diff -u "$T/ref.state" "$T/ours.state" >"$T/diff"; then ok "$1: same state as the reference"; else
		not_ok "$1: same state as the reference"
		sed 's/^/# /' "$T/diff"
	fi
	check_match "$1: the comparison saw the container link" "$(cat "$T/ours.state")" 'container link: mtu [0-9]+ state UP'
	ours DEL c1 /run/netns/ourc eth0 "$T/cfg.json"
	ip netns del refhost
	ip netns del refc
	ip netns del ourc
	ip link del "$BR"
}
compare "IPv4 gateway" 10-bridge.conflist '.'
compare "dual stack" 20-dualstack.conflist '.'
compare "IPv4, not a gateway, hairpin off, mtu 1400" 10-bridge.conflist \
	'.isGateway = false | .isDefaultGateway = false | .hairpinMode = false | .mtu = 1400 |
	 .ipam.routes = [{"dst": "192.168.0.0/16", "gw": "10.22.0.1"}]'
compare "L2" 30-l2.conflist '.'
done_testing
