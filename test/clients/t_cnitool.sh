#!/bin/sh
# cnitool (libcni 1.1.2) drives the plugin under test through whole
# lifecycles for conflists at 1.0.0, 0.4.0 and 0.3.1: ADD two containers,
# traffic between them and to the gateway, CHECK (refused by libcni at
# 0.3.1), DEL, a repeated DEL, and nothing left behind.
. "$(dirname "$0")/clients.sh"

install_put || { finish; exit 1; }
NETCONF=$T/net.d
mkdir -p "$NETCONF"

# lifecycle VERSION INDEX [SUBNET6]
lifecycle() {
	v=$1 i=$2 net=cbt-$2 br=cbt$2 s6=${3:-}
	bridge_conflist "$net" "$v" "$br" "10.201.$i.0/24" "$s6" >"$NETCONF/$i-$net.conflist"
	netns_new "cbt-$i-a" && netns_new "cbt-$i-b"

	run_cnitool add "$net" "cbt-$i-a"
	check_eq "$v: ADD a exits 0" "$RC" 0
	[ "$RC" = 0 ] || diag "$OUT"
	res_a=$OUT
	check_eq "$v: result cniVersion" "$(json_get "$res_a" .cniVersion)" "$v"
	ip_a=$(json_get "$res_a" '.ips[0].address' | cut -d/ -f1)
	check_match "$v: a got an address in 10.201.$i.0/24" "$ip_a" "^10\.201\.$i\.[0-9]+$"
	check_eq "$v: result gateway" "$(json_get "$res_a" '.ips[0].gateway')" "10.201.$i.1"
	check_eq "$v: result names the container interface eth0" \
		"$(json_get "$res_a" '[.interfaces[] | select(.sandbox != null)][0].name')" eth0
	check_eq "$v: result sandbox is the netns path" \
		"$(json_get "$res_a" '[.interfaces[] | select(.sandbox != null)][0].sandbox')" "/run/netns/cbt-$i-a"
	if [ "$v" != 1.0.0 ]; then
		check_eq "$v: ips carry version" "$(json_get "$res_a" '.ips[0].version')" 4
	fi
	check_match "$v: eth0 in a has the address" \
		"$(ip -n "cbt-$i-a" -o -4 addr show dev eth0)" "inet $ip_a/24"
	check_match "$v: default route in a via the gateway" \
		"$(ip -n "cbt-$i-a" route show default)" "default via 10.201.$i.1 dev eth0"

	run_cnitool add "$net" "cbt-$i-b"
	check_eq "$v: ADD b exits 0" "$RC" 0
	[ "$RC" = 0 ] || diag "$OUT"
	ip_b=$(json_get "$OUT" '.ips[0].address' | cut -d/ -f1)
	[ "$ip_a" != "$ip_b" ] && ok "$v: a and b got different addresses" ||
		not_ok "$v: a and b got different addresses ($ip_a, $ip_b)"
	check "$v: a pings the gateway" ns_ping "cbt-$i-a" "10.201.$i.1"
	check "$v: a pings b through the bridge" ns_ping "cbt-$i-a" "$ip_b"
	if [ -n "$s6" ]; then
		ip6_a=$(json_get "$res_a" '.ips[] | select(.address | test(":")) | .address' | cut -d/ -f1)
		ip6_b=$(json_get "$OUT" '.ips[] | select(.address | test(":")) | .address' | cut -d/ -f1)
		check_match "$v: a got an IPv6 address too" "$ip6_a" ':'
		check "$v: a pings b over IPv6" ns_ping "cbt-$i-a" "$ip6_b"
	fi
	nfam=1
	[ -n "$s6" ] && nfam=2
	check_eq "$v: one lease per container and family" "$(leases "$net" | wc -l)" $((2 * nfam))
	check_match "$v: a's lease file names its ifname" \
		"$(cat "/var/lib/cni/networks/$net/$ip_a" 2>&1)" 'eth0$'
	check_eq "$v: two veths on the host" "$(host_veths | wc -l)" 2

	run_cnitool check "$net" "cbt-$i-a"
	if [ "$v" = 0.3.1 ]; then
		check_eq "$v: CHECK is refused" "$RC" 1
		check_match "$v: CHECK refusal names the version" "$OUT" 'does not support the CHECK command'
	else
		check_eq "$v: CHECK a exits 0" "$RC" 0
		[ "$RC" = 0 ] || diag "$OUT"
	fi

	for ns in a b; do
		run_cnitool del "$net" "cbt-$i-$ns"
		check_eq "$v: DEL $ns exits 0" "$RC" 0
		[ "$RC" = 0 ] || diag "$OUT"
	done
	run_cnitool del "$net" "cbt-$i-a"
	check_eq "$v: repeated DEL exits 0" "$RC" 0
	[ "$RC" = 0 ] || diag "$OUT"
	check_eq "$v: no veth left on the host" "$(host_veths | tr '\n' ' ')" ""
	check_eq "$v: no eth0 left in a" "$(ip -n "cbt-$i-a" -o link show dev eth0 2>/dev/null)" ""
	check_eq "$v: no lease left" "$(leases "$net" | tr '\n' ' ')" ""
	check_eq "$v: no cached result left" "$(cached_results | tr '\n' ' ')" ""
	ip netns del "cbt-$i-a"
	ip netns del "cbt-$i-b"
	rm -f "$NETCONF/$i-$net.conflist"
}

lifecycle 1.0.0 1 fd00:cb:1::/64
lifecycle 0.4.0 2
lifecycle 0.3.1 3
finish
