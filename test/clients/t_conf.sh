#!/bin/sh
# Every shipped conf/**/*.conflist through cnitool (libcni 1.1.2, the libcni
# generation containerd 1.6/1.7 and podman 4 vendor): ADD, CHECK, DEL and a
# repeated DEL with the plugin under test swapped in under its test names,
# and nothing left afterwards. A conflist these clients cannot use (for
# example a cniVersion newer than they know) fails here.
. "$(dirname "$0")/clients.sh"

install_put || { finish; exit 1; }
NETCONF=$T/net.d
mkdir -p "$NETCONF"

for f in $(find "$TOP/conf" -name '*.conflist' | sort); do
	c=${f#"$TOP/conf/"}
	net=$(jq -r .name "$f")
	jq --arg b "$PUT_BRIDGE" --arg i "$PUT_IPAM" '(.plugins[] | select(.type == "bridge")) |=
		(.type = $b | if .ipam.type == "host-local" then .ipam.type = $i else . end)' \
		"$f" >"$NETCONF/conf.conflist"
	check_eq "$c: every bridge/host-local now names the plugin under test" \
		"$(jq '[.plugins[] | .type, (.ipam.type // empty) | select(. == "bridge" or . == "host-local")] | length' "$NETCONF/conf.conflist")" 0
	netns_new cbf
	# A conflist with the portMappings capability gets one, as containerd
	# and podman pass it (cnitool reads CAP_ARGS).
	ports=$(jq '[.plugins[] | select(.capabilities.portMappings)] | length' "$f")
	CAP_ARGS=
	# shellcheck disable=SC2089,SC2090 # JSON for cnitool, not shell words
	[ "$ports" = 0 ] || CAP_ARGS='{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]}'
	# shellcheck disable=SC2090
	export CAP_ARGS
	run_cnitool add "$net" cbf
	check_eq "$c: cnitool ADD exits 0" "$RC" 0
	[ "$RC" = 0 ] || diag "$OUT"
	if [ "$ports" != 0 ]; then
		check_match "$c: the port mapping reached portmap (DNAT for 18080)" \
			"$(iptables-save -t nat | grep -- '--dport 18080')" "DNAT.*:80"
	fi
	res=$OUT
	check_eq "$c: eth0 exists in the container" \
		"$(ip -n cbf -o link show dev eth0 2>/dev/null | grep -c eth0)" 1
	for a in $(json_get "$res" '.ips[]?.address' 2>/dev/null | cut -d/ -f1); do
		gw=$(json_get "$res" ".ips[] | select(.address | startswith(\"$a/\")) | .gateway // empty")
		[ -n "$gw" ] && check "$c: $a reaches its gateway $gw" ns_ping cbf "$gw"
	done
	run_cnitool check "$net" cbf
	if [ "$ports" != 0 ] && [ "$RC" != 0 ]; then
		# portmap 1.1.1 fails every CHECK when ip6tables works
		# (containernetworking/plugins#819): CHECK must get that far.
		check_match "$c: cnitool CHECK passes our bridge (portmap #819 stops it)" "$OUT" \
			'could not check ipv6 dnat'
	else
		check_eq "$c: cnitool CHECK exits 0" "$RC" 0
		[ "$RC" = 0 ] || diag "$OUT"
	fi
	run_cnitool del "$net" cbf
	check_eq "$c: cnitool DEL exits 0" "$RC" 0
	[ "$RC" = 0 ] || diag "$OUT"
	run_cnitool del "$net" cbf
	check_eq "$c: repeated DEL exits 0" "$RC" 0
	check_eq "$c: no veth left" "$(host_veths | tr '\n' ' ')" ""
	check_eq "$c: no port mapping left" "$(iptables-save -t nat | grep -c -- '--dport 18080')" 0
	check_eq "$c: no lease left" "$(leases "$net" | tr '\n' ' ')" ""
	ip netns del cbf
	rm -f "$NETCONF/conf.conflist"
	# Several conflists name the same bridge with other subnets.
	ip link del "$(jq -r '.plugins[0].bridge' "$f")" 2>/dev/null
done
finish
