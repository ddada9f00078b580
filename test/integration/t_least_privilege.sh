#!/bin/sh
# Least privilege: ADD, CHECK and DEL of the bridge (with host-local, both
# masquerade backends) work with nothing but CAP_NET_ADMIN and CAP_SYS_ADMIN;
# without either one each verb fails cleanly (a message naming the step and
# EPERM) and leaves nothing behind. The bounding set is cut with setpriv, so
# a uid-0 exec (the plugin, its IPAM child, iptables-restore) cannot get the
# other capabilities back. The results give the README's table of which
# capability each step needs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

netns_new c
# with CAPS CMD...: CMD with exactly CAPS (",+net_admin,+sys_admin" style).
with() {
	_caps=$1
	shift
	setpriv --bounding-set "-all$_caps" --inh-caps -all -- "$@"
}
# as CAPS VERB CONF [NETNS]: our bridge under CAPS; sets OUT, RC.
as() {
	OUT=$(with "$1" env CNI_COMMAND="$2" CNI_CONTAINERID=lp CNI_NETNS="${4-/run/netns/c}" \
		CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/bridge" <"$3" 2>"$T/err")
	RC=$?
}
conf() { # OUT BACKEND
	jq -n --arg b "$2" '{cniVersion: "1.0.0", name: "lp", type: "bridge", bridge: "lp0",
		isGateway: true, ipMasq: true, ipMasqBackend: $b,
		ipam: {type: "host-local", ranges: [[{subnet: "10.88.0.0/24"}], [{subnet: "fd88::/64"}]]}}' >"$1"
}
with_result() { jq --argjson r "$OUT" '. + {prevResult: $r}' "$1" >"$2"; }
# What must be gone after a DEL or a failed ADD: veths, leases, our rules.
leftovers() {
	echo "veths=$(host_veths) leases=$(leases) container=$(ip -n c -o link show type veth 2>/dev/null | wc -l)"
	nft list ruleset 2>/dev/null | grep -c 'lp' | sed 's/^/nft=/'
	iptables-save -t nat 2>/dev/null | grep -c '^-A CNI-' | sed 's/^/ipt=/'
}
BOTH=",+net_admin,+sys_admin"

check_eq "setpriv leaves exactly CAP_NET_ADMIN and CAP_SYS_ADMIN (effective, bounding)" \
	"$(with "$BOTH" grep -E '^Cap(Eff|Bnd)' /proc/self/status | awk '{print $2}' | tr '\n' ' ')" \
	"0000000000201000 0000000000201000 "
clean=$(leftovers)

for backend in nftables iptables; do
	conf "$T/$backend.json" "$backend"
	as "$BOTH" ADD "$T/$backend.json"
	check_eq "$backend: ADD with only NET_ADMIN+SYS_ADMIN" "$RC/$(json_get "$OUT" '.ips | length')" 0/2
	[ "$RC" = 0 ] || diag "$OUT $(cat "$T/err")"
	check_match "$backend: the container has its address" "$(ip -n c -4 addr show eth0)" '10\.88\.0\.'
	with_result "$T/$backend.json" "$T/$backend.prev"
	as "$BOTH" CHECK "$T/$backend.prev"
	check_eq "$backend: CHECK with only NET_ADMIN+SYS_ADMIN" "$RC:$OUT" "0:"
	for caps in ",+net_admin" ",+sys_admin" ""; do
		as "$caps" CHECK "$T/$backend.prev"
		check_match "$backend: CHECK with [${caps#,}] fails with EPERM" "$RC $(json_get "$OUT" .msg)" \
			'^1 .*(Operation not permitted|Permission denied)'
		diag "CHECK [${caps#,}] ($backend): $(json_get "$OUT" .msg)"
	done
	as "$BOTH" DEL "$T/$backend.prev"
	check_eq "$backend: DEL with only NET_ADMIN+SYS_ADMIN" "$RC:$OUT" "0:"
	check_eq "$backend: nothing left" "$(leftovers)" "$clean"
done

# The same through capsh, as the issue words it: every other capability
# dropped from the bounding set, the two kept in the effective set.
others=$(capsh --print | sed -n 's/^Bounding set =//p' | tr ',' '\n' |
	grep -vxE 'cap_net_admin|cap_sys_admin' | paste -sd, -)
capsh_run() { # VERB CONF
	OUT=$(capsh --drop="$others" --caps="cap_net_admin,cap_sys_admin+eip" -- -c \
		'exec env CNI_COMMAND="$1" CNI_CONTAINERID=lp CNI_NETNS=/run/netns/c CNI_IFNAME=eth0 \
		CNI_PATH="$2" "$2/bridge" <"$3"' capsh "$1" "$BIN" "$2" 2>"$T/err")
	RC=$?
}
check_eq "capsh: the plugin runs with exactly the two" \
	"$(capsh --drop="$others" --caps="cap_net_admin,cap_sys_admin+eip" -- -c \
		'grep -E "^CapEff" /proc/self/status' | awk '{print $2}')" 0000000000201000
conf "$T/capsh.json" nftables
capsh_run ADD "$T/capsh.json"
check_eq "capsh: ADD" "$RC/$(json_get "$OUT" '.ips | length')" 0/2
with_result "$T/capsh.json" "$T/capsh.prev"
capsh_run CHECK "$T/capsh.prev"
check_eq "capsh: CHECK" "$RC:$OUT" "0:"
capsh_run DEL "$T/capsh.prev"
check_eq "capsh: DEL" "$RC:$OUT" "0:"
check_eq "capsh: nothing left" "$(leftovers)" "$clean"

# Without one of the two, ADD fails at the first step that needs it and
# undoes what it did: no veth, lease or rule stays.
conf "$T/n.json" nftables
as ",+net_admin" ADD "$T/n.json"
check_match "ADD without SYS_ADMIN: cannot enter the netns" "$RC $(json_get "$OUT" .msg)" \
	'^1 failed to enter netns "/run/netns/c": Operation not permitted'
check_eq "ADD without SYS_ADMIN: nothing left" "$(leftovers)" "$clean"
as ",+sys_admin" ADD "$T/n.json"
check_match "ADD without NET_ADMIN: cannot make the veth" "$RC $(json_get "$OUT" .msg)" \
	'^1 .*veth.*Operation not permitted'
check_eq "ADD without NET_ADMIN: nothing left" "$(leftovers)" "$clean"
as "" ADD "$T/n.json"
check_match "ADD with no capability fails with EPERM" "$RC $(json_get "$OUT" .msg)" '^1 .*Operation not permitted'
check_eq "ADD with no capability: nothing left" "$(leftovers)" "$clean"

# DEL: entering the netns needs SYS_ADMIN, the links and rules NET_ADMIN.
# When the netns is already gone (CNI_NETNS empty), NET_ADMIN is enough.
as "$BOTH" ADD "$T/n.json"
with_result "$T/n.json" "$T/n.prev"
as ",+net_admin" DEL "$T/n.prev"
check_match "DEL without SYS_ADMIN fails (netns)" "$RC $(json_get "$OUT" .msg)" '^1 .*enter netns.*Operation not permitted'
as ",+sys_admin" DEL "$T/n.prev"
check_match "DEL without NET_ADMIN fails (link)" "$RC $(json_get "$OUT" .msg)" '^1 .*Operation not permitted'
ip netns del c
as ",+net_admin" DEL "$T/n.prev" ""
check_eq "DEL with no netns left needs only NET_ADMIN" "$RC:$OUT" "0:"
# The kernel destroys a deleted netns (and the veth with it) asynchronously.
for _ in $(seq 50); do [ "$(host_veths)" = 0 ] && break; sleep 0.1; done
check_eq "DEL with no netns left: nothing left" "$(leftovers | sed 's/container=[0-9]*//')" \
	"$(echo "$clean" | sed 's/container=[0-9]*//')"
netns_new c

# VERSION and STATUS (host-local has no STATUS of its own) need nothing;
# GC walks the nftables rules, which needs NET_ADMIN.
echo '{"cniVersion": "1.1.0"}' >"$T/v.json"
as "" VERSION "$T/v.json"
check_eq "VERSION with no capability" "$RC" 0
jq '.cniVersion = "1.1.0"' "$T/n.json" >"$T/s.json"
as "" STATUS "$T/s.json" ""
check_eq "STATUS with no capability" "$RC:$OUT" "0:"
jq '. + {"cni.dev/valid-attachments": []}' "$T/s.json" >"$T/gc.json"
as ",+net_admin" GC "$T/gc.json" ""
check_eq "GC with only NET_ADMIN" "$RC:$OUT" "0:"
done_testing
