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
	if [ -n "$ip_b" ] && [ "$ip_a" != "$ip_b" ]; then
		ok "$v: a and b got different addresses"
	else
		not_ok "$v: a and b got different addresses ($ip_a, $ip_b)"
	fi
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

# static_ip: a requested address through CNI_ARGS IP= (what podman --ip and
# Kubernetes-style callers send), then through runtimeConfig ips (CAP_ARGS).
static_ip() {
	net=cbt-4
	bridge_conflist "$net" 1.0.0 cbt4 10.201.4.0/24 |
		jq '.plugins[0].capabilities = {"ips": true}' >"$NETCONF/$net.conflist"
	netns_new cbt-4-a
	run_cnitool add "$net" cbt-4-a "IgnoreUnknown=1;IP=10.201.4.50"
	check_eq "CNI_ARGS IP=: ADD exits 0" "$RC" 0
	[ "$RC" = 0 ] || diag "$OUT"
	check_eq "CNI_ARGS IP=: result has the requested address" \
		"$(json_get "$OUT" '.ips[0].address' 2>&1)" 10.201.4.50/24
	check_match "CNI_ARGS IP=: eth0 has it" "$(ip -n cbt-4-a -o -4 addr show dev eth0)" 'inet 10\.201\.4\.50/24'
	run_cnitool del "$net" cbt-4-a "IgnoreUnknown=1;IP=10.201.4.50"
	check_eq "CNI_ARGS IP=: DEL exits 0" "$RC" 0
	CAP_ARGS='{"ips": ["10.201.4.60/24"]}' run_cnitool add "$net" cbt-4-a
	check_eq "runtimeConfig ips: ADD exits 0" "$RC" 0
	[ "$RC" = 0 ] || diag "$OUT"
	check_eq "runtimeConfig ips: result has the requested address" \
		"$(json_get "$OUT" '.ips[0].address' 2>&1)" 10.201.4.60/24
	CAP_ARGS='{"ips": ["10.201.4.60/24"]}' run_cnitool del "$net" cbt-4-a
	check_eq "runtimeConfig ips: DEL exits 0" "$RC" 0
	check_eq "static addresses: no lease left" "$(leases "$net" | tr '\n' ' ')" ""
	check_eq "static addresses: no veth left" "$(host_veths | tr '\n' ' ')" ""
	ip netns del cbt-4-a
	rm -f "$NETCONF/$net.conflist"
}

# failed_add: the bridge name is taken by a non-bridge link (a veth: the
# sandbox kernel may lack the dummy driver). The error must reach the caller
# through libcni, and the failed ADD must leave no lease and no veth behind.
failed_add() {
	net=cbt-5
	ip link add cbt5 type veth peer name cbt5p
	bridge_conflist "$net" 1.0.0 cbt5 10.201.5.0/24 >"$NETCONF/$net.conflist"
	netns_new cbt-5-a
	run_cnitool add "$net" cbt-5-a
	check_eq "ADD on a non-bridge link named like the bridge fails" "$RC" 1
	check_match "the error names the link" "$OUT" 'cbt5'
	diag "error text: $OUT"
	check_eq "failed ADD: no veth left" "$(host_veths | grep -v '^cbt5p\?$' | tr '\n' ' ')" ""
	check_eq "failed ADD: no lease left" "$(leases "$net" | tr '\n' ' ')" ""
	check_eq "failed ADD: no eth0 in the container" "$(ip -n cbt-5-a -o link show dev eth0 2>/dev/null)" ""
	run_cnitool del "$net" cbt-5-a
	check_eq "DEL after the failed ADD exits 0" "$RC" 0
	[ "$RC" = 0 ] || diag "$OUT"
	ip link del cbt5
	ip netns del cbt-5-a
	rm -f "$NETCONF/$net.conflist"
}

# failed_ipam: host-local refuses its range (rangeStart outside the subnet)
# after the bridge has made the veth: the bridge must undo it, and host-local's
# error must reach the caller.
failed_ipam() {
	net=cbt-6
	bridge_conflist "$net" 1.0.0 cbt6 10.201.6.0/24 |
		jq '.plugins[0].ipam.ranges[0][0].rangeStart = "10.201.7.10"' >"$NETCONF/$net.conflist"
	netns_new cbt-6-a
	run_cnitool add "$net" cbt-6-a
	check_eq "ADD with a rangeStart outside the subnet fails" "$RC" 1
	check_match "the error names the bad rangeStart" "$OUT" '10\.201\.7\.10'
	diag "error text: $OUT"
	check_eq "failed IPAM: no veth left" "$(host_veths | tr '\n' ' ')" ""
	check_eq "failed IPAM: no eth0 in the container" "$(ip -n cbt-6-a -o link show dev eth0 2>/dev/null)" ""
	run_cnitool del "$net" cbt-6-a
	diag "DEL after failed IPAM: rc=$RC $OUT"
	ip netns del cbt-6-a
	rm -f "$NETCONF/$net.conflist"
}

# parallel N: N cnitool ADDs at once, then N DELs at once (host-local's
# lock and the shared bridge under real concurrency).
parallel() {
	n=$1 net=cbt-7
	bridge_conflist "$net" 1.0.0 cbt7 10.201.7.0/24 >"$NETCONF/$net.conflist"
	for k in $(seq "$n"); do netns_new "cbt-7-$k"; done
	for k in $(seq "$n"); do
		(run_cnitool add "$net" "cbt-7-$k"; echo "$RC" >"$T/p$k.rc"; printf '%s' "$OUT" >"$T/p$k.out") &
	done
	wait
	okc=0
	for k in $(seq "$n"); do [ "$(cat "$T/p$k.rc")" = 0 ] && okc=$((okc + 1)); done
	check_eq "$n parallel ADDs all exit 0" "$okc" "$n"
	[ "$okc" = "$n" ] || diag "$(cat "$T"/p*.out | head -20)"
	check_eq "$n parallel ADDs got $n distinct addresses" \
		"$(for k in $(seq "$n"); do jq -r '.ips[0].address' "$T/p$k.out" 2>/dev/null; done | sort -u | grep -c 10.201.7.)" "$n"
	check_eq "$n leases on disk" "$(leases "$net" | wc -l)" "$n"
	check "container 1 pings container $n" ns_ping cbt-7-1 "$(jq -r '.ips[0].address' "$T/p$n.out" | cut -d/ -f1)"
	for k in $(seq "$n"); do
		(run_cnitool del "$net" "cbt-7-$k"; echo "$RC" >"$T/p$k.rc") &
	done
	wait
	okc=0
	for k in $(seq "$n"); do [ "$(cat "$T/p$k.rc")" = 0 ] && okc=$((okc + 1)); done
	check_eq "$n parallel DELs all exit 0" "$okc" "$n"
	check_eq "parallel: no veth left" "$(host_veths | tr '\n' ' ')" ""
	check_eq "parallel: no lease left" "$(leases "$net" | tr '\n' ' ')" ""
	for k in $(seq "$n"); do ip netns del "cbt-7-$k"; done
	rm -f "$NETCONF/$net.conflist"
}

# switch_over: a node upgraded from the reference plugins to ours (and rolled
# back) between a container's ADD and DEL. Same network name, bridge and
# subnet; only the types change. libcni's cache hands the reference's result
# to our CHECK/DEL, and both sides share one host-local store.
switch_over() {
	net=cbt-8
	ref_conf() { bridge_conflist "$net" 1.0.0 cbt8 10.201.8.0/24 fd00:cb:8::/64 |
		jq '.plugins[0].type = "bridge" | .plugins[0].ipam.type = "host-local"'; }
	ref_conf >"$NETCONF/$net.conflist"
	for k in a b c d; do netns_new "cbt-8-$k"; done
	for k in a b; do
		run_cnitool add "$net" "cbt-8-$k"
		check_eq "switch: reference ADD $k exits 0" "$RC" 0
		printf '%s' "$OUT" >"$T/sw-$k.json"
	done
	bridge_conflist "$net" 1.0.0 cbt8 10.201.8.0/24 fd00:cb:8::/64 >"$NETCONF/$net.conflist"
	run_cnitool add "$net" cbt-8-c
	check_eq "switch: our ADD c next to the reference's containers exits 0" "$RC" 0
	[ "$RC" = 0 ] || diag "$OUT"
	ip_c=$(json_get "$OUT" '.ips[0].address' | cut -d/ -f1)
	check_eq "switch: c continues the reference's round robin" "$ip_c" 10.201.8.4
	check "switch: c pings the reference's container a" ns_ping cbt-8-c \
		"$(jq -r '.ips[0].address' "$T/sw-a.json" | cut -d/ -f1)"
	run_cnitool check "$net" cbt-8-a
	check_eq "switch: our CHECK of the reference's container exits 0" "$RC" 0
	[ "$RC" = 0 ] || diag "$OUT"
	run_cnitool del "$net" cbt-8-a
	check_eq "switch: our DEL of the reference's container exits 0" "$RC" 0
	check_eq "switch: its leases are gone, the others' stay" "$(leases "$net" | tr '\n' ' ')" \
		"10.201.8.3 10.201.8.4 fd00:cb:8::3 fd00:cb:8::4 "
	run_cnitool add "$net" cbt-8-d
	check_eq "switch: our ADD d exits 0" "$RC" 0
	# Roll back to the reference: it must CHECK and DEL what ours made.
	ref_conf >"$NETCONF/$net.conflist"
	run_cnitool check "$net" cbt-8-c
	check_eq "rollback: reference CHECK of our container exits 0" "$RC" 0
	[ "$RC" = 0 ] || diag "$OUT"
	for k in b c d; do
		run_cnitool del "$net" "cbt-8-$k"
		check_eq "rollback: reference DEL $k exits 0" "$RC" 0
		[ "$RC" = 0 ] || diag "$OUT"
	done
	check_eq "switch: no lease left" "$(leases "$net" | tr '\n' ' ')" ""
	check_eq "switch: no veth left" "$(host_veths | tr '\n' ' ')" ""
	for k in a b c d; do ip netns del "cbt-8-$k"; done
	rm -f "$NETCONF/$net.conflist"
}

lifecycle 1.0.0 1 fd00:cb:1::/64
lifecycle 0.4.0 2
lifecycle 0.3.1 3
static_ip
failed_add
failed_ipam
parallel 12
switch_over
finish
