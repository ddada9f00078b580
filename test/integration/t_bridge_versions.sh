#!/bin/sh
# ADD / CHECK / DEL at every supported CNI version, with golden checks of the
# result shape, and the same shape as the reference bridge where it speaks
# the version.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

# keys JSON: the set of key paths with array indexes, values dropped. An
# empty 1.x "dns" is dropped: plugins v1.1.1 print it, HEAD (and we) omit it.
keys() {
	printf '%s' "$1" | jq -c 'if .dns == {} and (.cniVersion | startswith("1.")) then del(.dns)
		else . end | [paths | map(tostring) | join(".")] | sort'
}

n=0
for v in 1.1.0 1.0.0 0.4.0 0.3.1 0.3.0 0.2.0 0.1.0; do
	n=$((n + 1))
	ns=v$n
	netns_new $ns
	bconf "$T/c.json" 10-bridge.conflist $v
	ours ADD "ctr-$v" /run/netns/$ns eth0 "$T/c.json"
	check_eq "$v: ADD succeeds" "$RC" 0
	R=$OUT
	check_eq "$v: result cniVersion" "$(json_get "$R" .cniVersion)" "$v"
	case $v in
	0.1.0 | 0.2.0)
		check_match "$v: ip4.ip in the subnet" "$(json_get "$R" .ip4.ip)" '^10\.22\.[0-9]+\.[0-9]+/16$'
		check_eq "$v: ip4.gateway" "$(json_get "$R" .ip4.gateway)" 10.22.0.1
		check_eq "$v: default route under ip4" "$(json_get "$R" '.ip4.routes | tojson')" \
			'[{"dst":"0.0.0.0/0","gw":"10.22.0.1"}]'
		check_eq "$v: no interfaces in a legacy result" "$(json_get "$R" .interfaces)" null
		check_eq "$v: dns always printed" "$(json_get "$R" '.dns | tojson')" '{}'
		;;
	*)
		check_eq "$v: interfaces bridge, host veth, container" \
			"$(json_get "$R" '[.interfaces[].name] | join(",")' | sed 's/veth[0-9a-f]\{8\}/vethX/')" \
			"cni0,vethX,eth0"
		check_eq "$v: container sandbox" "$(json_get "$R" .interfaces[2].sandbox)" /run/netns/$ns
		check_eq "$v: host interfaces have no sandbox" \
			"$(json_get "$R" '[.interfaces[0,1].sandbox] | map(select(. != null)) | length')" 0
		check_eq "$v: every interface has a MAC" \
			"$(json_get "$R" '[.interfaces[].mac | test("^([0-9a-f]{2}:){5}[0-9a-f]{2}$")] | all')" true
		check_eq "$v: ips[0].interface = 2" "$(json_get "$R" .ips[0].interface)" 2
		check_eq "$v: ips[0].gateway" "$(json_get "$R" .ips[0].gateway)" 10.22.0.1
		check_eq "$v: default route" "$(json_get "$R" '.routes | tojson')" '[{"dst":"0.0.0.0/0","gw":"10.22.0.1"}]'
		ctr_mac=$(ip -n $ns -o link show eth0 | sed 's/.*link\/ether \([0-9a-f:]*\).*/\1/')
		check_eq "$v: container MAC in the result is the real one" \
			"$(json_get "$R" .interfaces[2].mac)" "$ctr_mac"
		case $v in
		0.3.* | 0.4.0)
			check_eq "$v: ips carry version" "$(json_get "$R" .ips[0].version)" 4
			check_eq "$v: dns always printed" "$(json_get "$R" '.dns | tojson')" '{}'
			;;
		*)
			check_eq "$v: no version key in 1.x ips" "$(json_get "$R" .ips[0].version)" null
			;;
		esac
		;;
	esac
	# The reference (v1.1.1 here, up to 1.0.0) prints the same shape.
	if [ "$v" != 1.1.0 ]; then
		netns_new r$n
		bconf "$T/r.json" 10-bridge.conflist $v '.bridge = "refbr0" |
			.ipam.ranges = [[{"subnet": "10.99.0.0/16", "gateway": "10.99.0.1"}]]'
		ref ADD "ref-$v" /run/netns/r$n eth0 "$T/r.json"
		check_eq "$v: same key paths as the reference" "$(keys "$R")" "$(keys "$OUT")"
		ref DEL "ref-$v" /run/netns/r$n eth0 "$T/r.json"
	fi
	with_prev "$T/p.json" "$T/c.json" "$R"
	ours CHECK "ctr-$v" /run/netns/$ns eth0 "$T/p.json"
	case $v in
	0.1.0 | 0.2.0 | 0.3.*)
		check_eq "$v: CHECK refused below 0.4.0 (code 1)" "$(err_code)" 1
		;;
	*)
		check_eq "$v: CHECK passes right after ADD" "$RC" 0
		;;
	esac
	ours DEL "ctr-$v" /run/netns/$ns eth0 "$T/p.json"
	check_eq "$v: DEL succeeds" "$RC" 0
	check_eq "$v: DEL prints nothing" "$OUT" ""
	check_eq "$v: container interface gone" "$(ip -n $ns -o link show eth0 2>/dev/null | wc -l)" 0
done
check_eq "no veth left on the host" "$(host_veths)" 0
check_eq "no lease left" "$(leases)" 0
done_testing
