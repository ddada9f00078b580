#!/bin/sh
# Beyond one node: three "nodes" (network namespaces) joined by an underlay
# bridge in the sandbox host, each running our plugins with its own bridge
# subnets 10.244.N.0/24 and fd00:10:244:N::/64
# (conf/k8s-node/20-containerd-dualstack.conflist, subnets swapped per node)
# and its own /var/lib/cni, plus host-gw routes: every node routes the other
# nodes' pod subnets via their underlay addresses, as flannel's host-gw
# backend sets up around the bridge plugin. Pods on different nodes reach
# each other over both families with their own addresses (no NAT).
. "$(dirname "$0")/lib.sh"

CONF=$TOP/conf/k8s-node/20-containerd-dualstack.conflist
NET=$(jq -r .name "$CONF")
NODES="1 2 3"
ip link add underlay type bridge
ip link set underlay up
for n in $NODES; do
	netns_new "node$n"
	ip link add "u$n" type veth peer name eth0 netns "node$n"
	ip link set "u$n" master underlay up
	ip -n "node$n" addr add "192.168.100.$n/24" dev eth0
	ip -n "node$n" addr add "fd00:100::$n/64" dev eth0 nodad
	ip -n "node$n" link set eth0 up
	mkdir -p "/var/lib/cni/node$n"
	jq --arg s "10.244.$n.0/24" --arg s6 "fd00:10:244:$n::/64" '.plugins[0] + {cniVersion, name}
		| .ipam.ranges[0][0].subnet = $s | .ipam.ranges[1][0].subnet = $s6' "$CONF" >"$T/node$n.json"
done
# host-gw: the other nodes' pod subnets via their underlay addresses.
for n in $NODES; do
	for m in $NODES; do
		[ "$n" = "$m" ] && continue
		ip -n "node$n" route add "10.244.$m.0/24" via "192.168.100.$m"
		ip -n "node$n" -6 route add "fd00:10:244:$m::/64" via "fd00:100::$m"
	done
done

# node_cni NODE VERB POD: our bridge run in the node's netns, with the
# node's own /var/lib/cni (a bind mount in a private mount namespace, so
# the plugin uses its default dataDir as on a real node).
node_cni() {
	OUT=$(ip netns exec "node$1" unshare --mount sh -c '
		mount --bind "/var/lib/cni/node$1" /var/lib/cni && exec env CNI_COMMAND="$2" \
		CNI_CONTAINERID="$3" CNI_NETNS="/run/netns/$3" CNI_IFNAME=eth0 CNI_PATH="$4" \
		"$4/bridge" <"$5"' sh "$1" "$2" "$3" "$BIN" "$T/node$1.json" 2>"$T/err")
	RC=$?
}

for n in $NODES; do
	netns_new "pod$n"
	node_cni "$n" ADD "pod$n"
	check_eq "node$n: ADD for pod$n succeeds" "$RC" 0
	[ "$RC" = 0 ] || diag "$OUT $(cat "$T/err")"
	check_match "node$n: pod$n got an address in 10.244.$n.0/24" \
		"$(json_get "$OUT" '.ips[0].address' 2>/dev/null)" "^10\.244\.$n\.[0-9]+/24$"
	check_match "node$n: pod$n got an address in fd00:10:244:$n::/64" \
		"$(json_get "$OUT" '.ips[1].address' 2>/dev/null)" "^fd00:10:244:$n::[0-9a-f]+/64$"
	check_eq "node$n: both leases are in node$n's own store" \
		"$(find "/var/lib/cni/node$n/networks/$NET" -name '10.244.*' -o -name 'fd00:*' | wc -l)" 2
	check_eq "node$n: forwarding is on for both families (isGateway)" \
		"$(ip netns exec "node$n" cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding | tr '\n' ' ')" "1 1 "
done
check_eq "the sandbox host has no pod bridge (the plugins ran in the nodes)" \
	"$(ip -o link show cni0 2>/dev/null | wc -l)" 0
check_eq "the sandbox host's own store is untouched" \
	"$(ls /var/lib/cni/networks 2>/dev/null | wc -l)" 0

addr_of() { ip -n "pod$1" -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1; }
addr6_of() { ip -n "pod$1" -6 -o addr show eth0 scope global | awk '{print $4}' | cut -d/ -f1; }
for pair in "1 2" "2 3" "3 1" "1 3"; do
	# shellcheck disable=SC2086 # two words
	set -- $pair
	check "pod$1 (node$1) reaches pod$2 (node$2) at $(addr_of "$2")" \
		ip netns exec "pod$1" ping -c1 -w4 "$(addr_of "$2")"
	# a fresh IPv6 gateway address may still be in duplicate address
	# detection: ping keeps trying for a few seconds
	check "pod$1 (node$1) reaches pod$2 (node$2) at $(addr6_of "$2")" \
		ip netns exec "pod$1" ping -6 -c1 -w6 "$(addr6_of "$2")"
done
# No NAT on the way: pod3 counts pings whose source is pod1's own address
# (ipMasq false, host-gw).
ip netns exec pod3 iptables -A INPUT -s "$(addr_of 1)" -p icmp -j ACCEPT
ip netns exec pod1 ping -c2 -w4 "$(addr_of 3)" >/dev/null
check_match "pod3 sees pod1's own address as the source (no NAT)" \
	"$(ip netns exec pod3 iptables -L INPUT -v -n -x | awk -v s="$(addr_of 1)" '$8 == s {print $1}')" '^[1-9]'
check "a pod reaches a remote node's underlay address" ip netns exec pod1 ping -c1 -w4 192.168.100.2

# The host-gw route is what carries it: without node1's route to node2's
# subnet, pod1 no longer reaches pod2.
ip -n node1 route del 10.244.2.0/24
check_not "without the host-gw route pod1 does not reach pod2" 1 \
	ip netns exec pod1 ping -c1 -w2 "$(addr_of 2)"
ip -n node1 route add 10.244.2.0/24 via 192.168.100.2

for n in $NODES; do
	node_cni "$n" DEL "pod$n"
	check_eq "node$n: DEL for pod$n" "$RC" 0
	check_eq "node$n: no veth and no lease left" \
		"$(ip -n "node$n" -o link show type veth | grep -vc '^[0-9]*: eth0@')/$(find "/var/lib/cni/node$n/networks/$NET" -name '10.*' -o -name 'fd00:*' | wc -l)" "0/0"
done
done_testing
