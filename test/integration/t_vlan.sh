#!/bin/sh
# VLANs (vlan, vlanTrunk, preserveDefaultVlan; issue 12). On a kernel with
# bridge VLAN filtering (the kernel lane, test/vm/): traffic on and across
# VLANs, a trunk reached through a tagged sub-interface, the shared
# "<bridge>.<vid>" gateway, the port VLAN tables, CHECK, DEL and rollback,
# and the reference v1.1.1 side by side for `vlan`. On a kernel without it
# (CONFIG_BRIDGE_VLAN_FILTERING unset, as on the build machine): ADD fails
# with code 2 naming the missing feature and leaves nothing; DEL succeeds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

ping1() { ip netns exec "$1" ping -c1 -W2 "$2"; }
# vlans DEV: the port's VLAN table as "vid[-end]:flag,flag ..." in VID order.
vlans() {
	bridge -compressvlans -j vlan show dev "$1" | jq -r '[.[] | select(.ifname == "'"$1"'") | .vlans[]? |
		"\(.vlan)\(if .vlanEnd then "-\(.vlanEnd)" else "" end):\((.flags // []) | join(","))"] | join(" ")'
}
filtering() { ip -d -j link show "$1" | jq -r '.[0].linkinfo.info_data.vlan_filtering'; }
ports_of() { ip -o link show master "$1" 2>/dev/null | wc -l; }
ip4() { json_get "$1" .ips[0].address | cut -d/ -f1; }
# conf OUT BRIDGE JQ: a config on BRIDGE without gateway (plain L2 segment
# with host-local addresses), edited by JQ.
conf() {
	bconf "$1" 10-bridge.conflist "" ".bridge = \"$2\" | .isGateway = false |
		.isDefaultGateway = false | .hairpinMode = false | $3"
}

if ! ip link add vlprobe type bridge vlan_filtering 1 2>/dev/null; then
	diag "kernel $(uname -r) has no bridge VLAN filtering: the refusal path"
	netns_new c
	conf "$T/v.json" vb0 '.vlan = 100 | .isGateway = true |
		.ipam.ranges = [[{"subnet": "10.80.0.0/24"}]]'
	ours ADD ctr /run/netns/c eth0 "$T/v.json"
	check_eq "no VLAN filtering: ADD with vlan fails with code 2" "$RC/$(err_code)" 1/2
	MSG=$(json_get "$OUT" .msg)
	check_match "... the message names the key and value" "$MSG" '"vlan": 100'
	check_match "... and the missing kernel features" "$MSG" 'CONFIG_BRIDGE_VLAN_FILTERING.*8021q'
	check_eq "... nothing left: no bridge, gateway, veth, lease, container interface" \
		"$(ip -o link show vb0 2>/dev/null | wc -l)/$(ip -o link show vb0.100 2>/dev/null | wc -l)/$(host_veths)/$(leases)/$(ip -n c -o link show eth0 2>/dev/null | wc -l)" \
		0/0/0/0/0
	ours DEL ctr /run/netns/c eth0 "$T/v.json"
	check_eq "no VLAN filtering: DEL of that config succeeds" "$RC" 0
	# An existing bridge: the switch is refused, the bridge stays as it was.
	ip link add vb1 type bridge && ip link set vb1 up
	conf "$T/t.json" vb1 '.vlanTrunk = [{"minID": 10, "maxID": 20}] |
		.ipam.ranges = [[{"subnet": "10.81.0.0/24"}]]'
	ours ADD ctr /run/netns/c eth0 "$T/t.json"
	check_eq "existing bridge, vlanTrunk: code 2" "$RC/$(err_code)" 1/2
	check_match "... naming vlanTrunk" "$(json_get "$OUT" .msg)" '"vlanTrunk".*CONFIG_BRIDGE_VLAN_FILTERING'
	check_eq "... the bridge is left as it was, no veth, no lease" \
		"$(ip -o link show vb1 | wc -l)/$(ports_of vb1)/$(host_veths)/$(leases)" 1/0/0/0
	ours DEL ctr /run/netns/c eth0 "$T/t.json"
	check_eq "existing bridge: DEL succeeds" "$RC" 0
	conf "$T/p.json" vb2 '.preserveDefaultVlan = true | .ipam.ranges = [[{"subnet": "10.82.0.0/24"}]]'
	ours ADD ctr /run/netns/c eth0 "$T/p.json"
	check_eq "preserveDefaultVlan alone needs no VLAN filtering (as the reference)" "$RC" 0
	ours DEL ctr /run/netns/c eth0 "$T/p.json"
	done_testing
	exit
fi
ip link del vlprobe
diag "kernel $(uname -r) filters VLANs"

# --- two containers on VLAN 10 reach each other; one on VLAN 20 on the same
# bridge and subnet reaches neither.
RANGE='.ipam.ranges = [[{"subnet": "10.80.0.0/24", "rangeStart": "10.80.0.10", "rangeEnd": "10.80.0.99"}]]'
conf "$T/v10.json" vl0 ".vlan = 10 | $RANGE"
conf "$T/v20.json" vl0 ".vlan = 20 | $RANGE"
for c in a b c; do netns_new $c; done
ours ADD ca /run/netns/a eth0 "$T/v10.json" && RA=$OUT
ours ADD cb /run/netns/b eth0 "$T/v10.json" && RB=$OUT
ours ADD cc /run/netns/c eth0 "$T/v20.json" && RCC=$OUT
check_eq "ADD on VLAN 10, 10, 20 succeed" "$(ip -o link show master vl0 | wc -l)" 3
HA=$(json_get "$RA" .interfaces[1].name)
HC=$(json_get "$RCC" .interfaces[1].name)
check_eq "the bridge filters VLANs" "$(filtering vl0)" 1
check_eq "VLAN 10 port: PVID, egress untagged, default VLAN gone" "$(vlans "$HA")" \
	"10:PVID,Egress Untagged"
check_eq "VLAN 20 port likewise" "$(vlans "$HC")" "20:PVID,Egress Untagged"
check_eq "the container sees untagged frames (no VLAN device in it)" \
	"$(ip -n a -o link show type vlan | wc -l)" 0
check "VLAN 10: a reaches b" ping1 a "$(ip4 "$RB")"
check "VLAN 10: b reaches a" ping1 b "$(ip4 "$RA")"
check_not "VLAN 20: c does not reach a" 1 ping1 c "$(ip4 "$RA")"
check_not "VLAN 20: c does not reach b" 1 ping1 c "$(ip4 "$RB")"
check_not "VLAN 10: a does not reach c" 1 ping1 a "$(ip4 "$RCC")"

# --- a trunk: VID 10 and 100-102 tagged, native VLAN 1; the container
# reaches VLAN 10 through a tagged sub-interface of its own eth0.
netns_new t
conf "$T/tr.json" vl0 '.vlanTrunk = [{"id": 10}, {"minID": 100, "maxID": 102}] |
	.ipam.ranges = [[{"subnet": "10.81.0.0/24"}]]'
ours ADD ct /run/netns/t eth0 "$T/tr.json" && RT=$OUT
HT=$(json_get "$RT" .interfaces[1].name)
check_eq "trunk port: VID 1 native (PVID untagged), 10 and 100-102 tagged" "$(vlans "$HT")" \
	"1:PVID,Egress Untagged 10: 100-102:"
ip -n t link add link eth0 name eth0.10 type vlan id 10 &&
	ip -n t addr add 10.80.0.200/24 dev eth0.10 && ip -n t link set eth0.10 up
check "trunk: t reaches a on VLAN 10 through eth0.10" ping1 t "$(ip4 "$RA")"
check "trunk: a reaches t's eth0.10" ping1 a 10.80.0.200
check_not "trunk: c (VLAN 20) does not reach t's eth0.10" 1 ping1 c 10.80.0.200
conf "$T/tr2.json" vl0 '.vlan = 20 | .vlanTrunk = [{"id": 10}] | .preserveDefaultVlan = true |
	.ipam.ranges = [[{"subnet": "10.81.0.0/24"}]]'
netns_new u
ours ADD cu /run/netns/u eth0 "$T/tr2.json" && RU=$OUT
check_eq "vlan + vlanTrunk + preserveDefaultVlan: 1 untagged, 10 tagged, 20 PVID untagged" \
	"$(vlans "$(json_get "$RU" .interfaces[1].name)")" "1:Egress Untagged 10: 20:PVID,Egress Untagged"

# --- CHECK verifies the port's VLANs.
with_prev "$T/pa.json" "$T/v10.json" "$RA"
ours CHECK ca /run/netns/a eth0 "$T/pa.json"
check_eq "CHECK passes (VLAN 10)" "$RC" 0
with_prev "$T/pt.json" "$T/tr.json" "$RT"
ours CHECK ct /run/netns/t eth0 "$T/pt.json"
check_eq "CHECK passes (trunk)" "$RC" 0
with_prev "$T/pu.json" "$T/tr2.json" "$RU"
ours CHECK cu /run/netns/u eth0 "$T/pu.json"
check_eq "CHECK passes (vlan + trunk + preserveDefaultVlan)" "$RC" 0
bridge vlan del dev "$HA" vid 10
ours CHECK ca /run/netns/a eth0 "$T/pa.json"
check_eq "CHECK fails when VLAN 10 is gone from the port" "$RC $(json_get "$OUT" .msg)" \
	"1 host veth $HA lacks VLAN 10 (PVID untagged)"
bridge vlan add dev "$HA" vid 10 pvid untagged
bridge vlan add dev "$HA" vid 99
ours CHECK ca /run/netns/a eth0 "$T/pa.json"
check_eq "CHECK fails on a VLAN the config does not give" "$RC $(json_get "$OUT" .msg)" \
	"1 host veth $HA carries VLAN 99 (tagged), which the config does not give it"
bridge vlan del dev "$HA" vid 99
bridge vlan add dev "$HT" vid 100 untagged
ours CHECK ct /run/netns/t eth0 "$T/pt.json"
check_eq "CHECK fails when a trunk VID lost its tag" "$RC $(json_get "$OUT" .msg)" \
	"1 host veth $HT: VLAN 100 is untagged, the config says tagged"
bridge vlan add dev "$HT" vid 100
ip link set vl0 type bridge vlan_filtering 0
ours CHECK ca /run/netns/a eth0 "$T/pa.json"
check_match "CHECK fails when the bridge stopped filtering" "$RC $(json_get "$OUT" .msg)" \
	'^1 bridge vl0 does not filter VLANs'
ip link set vl0 type bridge vlan_filtering 1
ours CHECK ca /run/netns/a eth0 "$T/pa.json"
check_eq "CHECK passes once restored" "$RC" 0

# --- isGateway with vlan: the gateway lives on vl0.30, a veth whose peer is
# a VLAN 30 port; shared by every container of VLAN 30, left by DEL.
conf "$T/g.json" vl0 '.vlan = 30 | .isGateway = true | .isDefaultGateway = true |
	.ipam.ranges = [[{"subnet": "10.82.0.0/24"}]]'
netns_new g1
netns_new g2
ours ADD cg1 /run/netns/g1 eth0 "$T/g.json" && RG1=$OUT
ours ADD cg2 /run/netns/g2 eth0 "$T/g.json" && RG2=$OUT
check_eq "gateway: result lists vl0.30 after the container's interface, IPs keep index 2" \
	"$(json_get "$RG1" '[.interfaces[3].name, (.interfaces[3].sandbox // "host"), .ips[0].interface] | join(" ")')" \
	"vl0.30 host 2"
check_eq "gateway: both results name the same vl0.30" \
	"$(json_get "$RG2" .interfaces[3].mac)" "$(json_get "$RG1" .interfaces[3].mac)"
check_eq "gateway: vl0.30 is a veth with the gateway address, the bridge has none" \
	"$(ip -d -o link show vl0.30 | grep -o ' veth ' | tr -d ' ') $(ip -4 -o addr show vl0.30 | awk '{print $4}') $(ip -4 -o addr show vl0 | wc -l)" \
	"veth 10.82.0.1/24 0"
GP=$(ip -o link show master vl0 | awk -F': ' '{print $2}' | sed 's/@.*//' |
	grep -v -e "$(json_get "$RG1" .interfaces[1].name)" -e "$(json_get "$RG2" .interfaces[1].name)" |
	while read -r p; do [ "$(vlans "$p")" = "30:PVID,Egress Untagged" ] && echo "$p"; done)
check_eq "gateway: one more VLAN-30 port (PVID untagged only), vl0.30's peer" \
	"$(echo "$GP" | grep -c .) $(ip -j link show vl0.30 | jq -r '.[0].link')" "1 $GP"
check "gateway: g1 reaches 10.82.0.1 on vl0.30" ping1 g1 10.82.0.1
check "gateway: g2 too" ping1 g2 10.82.0.1
check_eq "gateway: default route via it" "$(ip -n g1 -4 route show default | awk '{print $3}')" 10.82.0.1
# a (VLAN 10, 10.80.0.0/24, no route to 10.82.0.0/24) has no way there at all:
# ping's status 2, "Network is unreachable".
check_not "gateway: VLAN 10's a cannot reach VLAN 30's g1" 2 ping1 a "$(ip4 "$RG1")"
with_prev "$T/pg.json" "$T/g.json" "$RG1"
ours CHECK cg1 /run/netns/g1 eth0 "$T/pg.json"
check_eq "gateway: CHECK passes with vl0.30 in prevResult" "$RC" 0

# --- a failed ADD undoes the gateway it made: VLAN 40 with forwarding off
# and not writable (the rollback test's trick) fails after vl0.40 exists.
umount /proc/sys/net/ipv4/ip_forward 2>/dev/null
echo 0 >"$T/fwd" && mount --bind "$T/fwd" /proc/sys/net/ipv4/ip_forward &&
	mount -o remount,bind,ro /proc/sys/net/ipv4/ip_forward
conf "$T/g40.json" vl0 '.vlan = 40 | .isGateway = true | .ipam.ranges = [[{"subnet": "10.83.0.0/24"}]]'
netns_new f
P0=$(ports_of vl0)
L0=$(leases)
ours ADD cf /run/netns/f eth0 "$T/g40.json"
check_match "failed ADD (ip_forward not writable): error" "$RC $(json_get "$OUT" .msg)" '^1 .*ip_forward'
check_eq "failed ADD: no vl0.40, no new port, no lease, no container interface" \
	"$(ip -o link show vl0.40 2>/dev/null | wc -l)/$(($(ports_of vl0) - P0))/$(($(leases) - L0))/$(ip -n f -o link show eth0 2>/dev/null | wc -l)" \
	0/0/0/0
check_eq "failed ADD: no VLAN 40 entry on any port" "$(bridge -j vlan show | jq '[.[].vlans[]? | select(.vlan == 40)] | length')" 0
umount /proc/sys/net/ipv4/ip_forward

# --- DEL: no port, lease or VLAN entry of a removed container; vl0.30 stays.
for x in "ca a v10" "cb b v10" "cc c v20" "ct t tr" "cu u tr2" "cg1 g1 g" "cg2 g2 g"; do
	set -- $x
	H=$(ip -n "$2" -o link show eth0 | sed 's/.*@if\([0-9]*\):.*/\1/')
	ours DEL "$1" "/run/netns/$2" eth0 "$T/$3.json"
	check_eq "DEL $1: succeeds, host veth and its VLAN entries gone" \
		"$RC $(ip -o link show | grep -c "^$H:") $(bridge -j vlan show | jq --arg i "$H" '[.[] | select(.ifname == $i)] | length')" \
		"0 0 0"
done
check_eq "after every DEL: the only port left is vl0.30's peer" "$(ports_of vl0)" 1
check_eq "after every DEL: no lease" "$(leases)" 0
check_eq "after every DEL: VLAN entries only for vl0 itself and the gateway port" \
	"$(bridge -j vlan show | jq -r '[.[] | .ifname] | sort | join(" ")')" "$(echo vl0 "$GP" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "DEL leaves vl0.30 and its address (upstream does too)" \
	"$(ip -4 -o addr show vl0.30 | awk '{print $4}')" 10.82.0.1/24
ours DEL cg1 /run/netns/g1 eth0 "$T/g.json"
check_eq "a second DEL succeeds" "$RC" 0

# --- the reference v1.1.1 side by side (it has `vlan`; no vlanTrunk and no
# preserveDefaultVlan, keeping VID 1 on the port like preserveDefaultVlan).
# One side at a time on the same bridge name, each from scratch.
side() { # PLUGIN_DIR NETNS JQ
	bconf "$T/s.json" 10-bridge.conflist "" '.name = "side-'"$2"'" | .bridge = "sv0" | .vlan = 10 | .hairpinMode = false |
		.ipam.ranges = [[{"subnet": "10.84.0.0/24"}]] | '"$3"
	netns_new "$2"
	cni "$1" bridge ADD "c$2" "/run/netns/$2" eth0 "$T/s.json"
	S=$OUT
	HV=$(json_get "$S" .interfaces[1].name)
	printf '%s %s\n' "$RC" "$(json_get "$S" '[.interfaces[] | .name + "/" + (.sandbox // "host" |
		sub("/run/netns/.*"; "ctr"))] | join(" ")' | sed 's/veth[0-9a-f]\{8\}/vethX/g')"
	printf 'filtering %s gw %s\n' "$(filtering sv0)" "$(ip -4 -o addr show sv0.10 | awk '{print $4}')"
	printf 'port %s\n' "$(vlans "$HV")"
	printf 'gwport %s\n' "$(ip -o link show master sv0 | awk -F': ' '{print $2}' | sed 's/@.*//' |
		while read -r p; do [ "$p" = "$HV" ] || vlans "$p"; done)"
	ip netns exec "$2" ping -c1 -W2 10.84.0.1 >/dev/null 2>&1 && echo "reaches gateway"
	ip netns exec "$2" ip -4 route | sort
	cni "$1" bridge DEL "c$2" "/run/netns/$2" eth0 "$T/s.json"
	echo "DEL $RC ports $(ports_of sv0) gw $(ip -o link show sv0.10 | wc -l)"
	ip link del sv0.10
	ip link del sv0
}
side "$REF" r '.' >"$T/ref.side"
side "$BIN" o '.preserveDefaultVlan = true' >"$T/ours-pdv.side"
diag "reference: $(tr '\n' '|' <"$T/ref.side")"
check_eq "side by side: ours with preserveDefaultVlan = the reference (result, bridge, gateway, ports, traffic, routes, DEL)" \
	"$(cat "$T/ours-pdv.side")" "$(cat "$T/ref.side")"
side "$BIN" o2 '.' >"$T/ours.side"
check_eq "side by side: ours by default = the reference without VID 1 on the ports (upstream v1.8 default)" \
	"$(cat "$T/ours.side")" "$(sed 's/ 1:Egress Untagged / /g' "$T/ref.side")"
check_match "... the reference does keep VID 1 there" "$(grep '^port' "$T/ref.side")" ' 1:Egress Untagged '
done_testing
