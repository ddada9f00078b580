#!/bin/sh
# ADD / CHECK / DEL at every supported CNI version, with golden checks of the
# result shape, and the same shape as the reference bridge where it speaks
# the version.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

# keys JSON: the set of key paths with array indexes, values dropped. An
# empty 1.x "dns" is dropped: plugins v1.1.1 print it, upstream v1.9.1 (and we) omit it.
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
# Route priority/table/scope from host-local at every version (issue 13):
# upstream v1.9.1's Go Route type (vendored cni lib 1.3) carries them at
# every version, so its bridge prints and applies them at 0.3.x, 0.4.0 and
# 1.0.0 as at 1.1.0. A 0.2.0 result has no place for them: host-local
# prints only dst/gw there, so the bridge never sees them.
n=0
for v in 1.0.0 0.4.0 0.3.1 0.2.0; do
	n=$((n + 1))
	ns=rt$n
	netns_new $ns
	bconf "$T/rt.json" 10-bridge.conflist $v '.bridge = "rtbr" |
		.ipam.ranges = [[{"subnet": "10.76.0.0/24"}]] |
		.ipam.routes = [{"dst": "192.168.7.0/24", "priority": 123, "table": 100, "scope": 0},
			{"dst": "192.168.8.0/24", "priority": 9}]'
	ours ADD "rt-$v" /run/netns/$ns eth0 "$T/rt.json"
	check_eq "$v: ADD with route priority/table/scope succeeds" "$RC" 0
	R=$OUT
	if [ $v = 0.2.0 ]; then
		check_eq "$v: routes keep dst/gw only (no place for the fields)" \
			"$(json_get "$R" '.ip4.routes | tojson')" \
			'[{"dst":"192.168.7.0/24"},{"dst":"192.168.8.0/24"},{"dst":"0.0.0.0/0","gw":"10.76.0.1"}]'
		check_eq "$v: routes installed in the main table without a metric" \
			"$(ip -n $ns route show table 100 | wc -l)/$(ip -n $ns route | grep -c '^192.168.[78].0/24 via 10.76.0.1 dev eth0 *$')" 0/2
	else
		check_eq "$v: priority, table and scope in the result" "$(json_get "$R" '.routes | tojson')" \
			'[{"dst":"192.168.7.0/24","priority":123,"scope":0,"table":100},{"dst":"192.168.8.0/24","priority":9},{"dst":"0.0.0.0/0","gw":"10.76.0.1"}]'
		check_eq "$v: the route meant for table 100 is there, with metric 123, not in main" \
			"$(ip -n $ns route show table 100 | grep -c '^192.168.7.0/24 via 10.76.0.1 dev eth0 .*metric 123')/$(ip -n $ns route | grep -c '^192.168.7.0/24')" 1/0
		check_eq "$v: priority applied in the main table" \
			"$(ip -n $ns route | grep -c '^192.168.8.0/24 via 10.76.0.1 dev eth0 .*metric 9')" 1
		case $v in 0.3.1) ;; *)
			with_prev "$T/rtp.json" "$T/rt.json" "$R"
			ours CHECK "rt-$v" /run/netns/$ns eth0 "$T/rtp.json"
			check_eq "$v: CHECK passes with the table-100 route" "$RC" 0
			;;
		esac
	fi
	ours DEL "rt-$v" /run/netns/$ns eth0 "$T/rt.json"
	check_eq "$v: DEL succeeds" "$RC" 0
done
# Two IPAM routes to one destination through different gateways, as
# upstream's RouteAddEcmp (NLM_F_CREATE alone) adds them: IPv4 prepends, so
# the second one is listed first and used; IPv6 joins them as ECMP nexthops.
# (v1.1.1 does the same: diff case ipam-routes-same-dst.)
netns_new ecmp
bconf "$T/ecmp.json" 10-bridge.conflist 1.0.0 '.bridge = "ecmpbr" | .isDefaultGateway = false |
	.ipam.ranges = [[{"subnet": "10.77.0.0/24"}], [{"subnet": "fd00:77::/64"}]] |
	.ipam.routes = [{"dst": "192.168.9.0/24", "gw": "10.77.0.1"}, {"dst": "192.168.9.0/24", "gw": "10.77.0.254"},
		{"dst": "fd99::/64", "gw": "fd00:77::1"}, {"dst": "fd99::/64", "gw": "fd00:77::fe"}]'
ours ADD ecmp /run/netns/ecmp eth0 "$T/ecmp.json"
check_eq "same destination, two gateways: ADD succeeds" "$RC" 0
check_eq "IPv4: both routes, the second one first (prepended)" \
	"$(ip -n ecmp route show 192.168.9.0/24 | awk '{print $3}' | tr '\n' ' ')" "10.77.0.254 10.77.0.1 "
check_eq "IPv6: one route with both nexthops" \
	"$(ip -n ecmp -6 route show fd99::/64 | grep -c 'nexthop via')" 2
ours DEL ecmp /run/netns/ecmp eth0 "$T/ecmp.json"
done_testing
