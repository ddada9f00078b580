#!/bin/sh
# The bridge's MAC (issue 13): touched only when upstream v1.9.1 touches it,
# by an isGateway ADD that adds a gateway address, and set to the MAC the
# bridge had before this ADD's veth joined (upstream pins it in ensureAddr,
# after adding the address; ours before the veth joins, so no concurrent
# ADD sees the address without the pin: t_bridge_parallel). A bridge the
# operator made, or an L2 bridge, is left to the kernel: it follows the
# lowest port MAC and is 00:00:00:00:00:00 without ports.
# addr_assign_type: 1 = random (follows ports), 3 = set (pinned).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

mac() { cat "/sys/class/net/$1/address"; }
assign() { cat "/sys/class/net/$1/addr_assign_type"; }
ZERO=00:00:00:00:00:00
netns_new a

# --- L2 on a bridge the operator made: nothing pins it.
ip link add opbr type bridge && ip link set opbr up
bconf "$T/l2.json" 30-l2.conflist "" '.bridge = "opbr"'
ours ADD c1 /run/netns/a eth0 "$T/l2.json"
check_eq "L2 on an operator bridge: ADD succeeds" "$RC" 0
port=$(json_get "$OUT" .interfaces[1].name)
check_eq "L2: the bridge MAC is not pinned (addr_assign_type 1)" "$(assign opbr)" 1
check_eq "L2: the bridge follows its only port's MAC, as the kernel does" "$(mac opbr)" "$(mac "$port")"
check_eq "L2: the result reports the bridge MAC of now" "$(json_get "$OUT" .interfaces[0].mac)" "$(mac opbr)"
ours DEL c1 /run/netns/a eth0 "$T/l2.json"
check_eq "L2: after the only container left, the bridge does not keep its veth MAC" "$(mac opbr)" $ZERO

# --- L2 on a bridge we create: born unpinned, as upstream creates it.
bconf "$T/l2n.json" 30-l2.conflist "" '.bridge = "newl2"'
ours ADD c2 /run/netns/a eth0 "$T/l2n.json"
check_eq "L2 on a new bridge: not pinned either" "$(assign newl2)" 1
ours DEL c2 /run/netns/a eth0 "$T/l2n.json"

# --- a new bridge's operstate: it has carrier from birth, and when our port
# forwards before the kernel saw it without carrier, the bridge's carrier
# never changes and the kernel leaves it UNKNOWN; ADD asks for UP
bconf "$T/ds.json" 20-dualstack.conflist "" '.bridge = "dsbr"'
ours ADD c6 /run/netns/a eth0 "$T/ds.json"
check_eq "dual stack on a new bridge: ADD succeeds, the bridge's operstate is UP" \
	"$RC $(ip -o link show dsbr | grep -o 'state [A-Z]*')" "0 state UP"
ours DEL c6 /run/netns/a eth0 "$T/ds.json"

# --- L3 without isGateway: no gateway address on the bridge, no pin.
bconf "$T/l3.json" 10-bridge.conflist "" '.bridge = "nogw" | .isGateway = false |
	.isDefaultGateway = false | .ipam.ranges = [[{"subnet": "10.81.0.0/24"}]]'
ours ADD c3 /run/netns/a eth0 "$T/l3.json"
check_eq "L3 without isGateway: ADD succeeds" "$RC" 0
check_eq "L3 without isGateway: not pinned" "$(assign nogw)" 1
ours DEL c3 /run/netns/a eth0 "$T/l3.json"

# --- isGateway on an operator bridge that has a port: pinned to the MAC
# it had before our veth joined. The port's MAC is the highest a random one
# can be, so our veth's lowers the bridge's when it joins: the result must
# come from a look after the pin, not from the one before the container.
ip link add gwbr type bridge && ip link set gwbr up
ip link add opv0 type veth peer name opv1 && ip link set opv0 address fe:ff:ff:ff:ff:f0 &&
	ip link set opv0 master gwbr
before=$(mac gwbr)
bconf "$T/gw.json" 10-bridge.conflist "" '.bridge = "gwbr" | .ipam.ranges = [[{"subnet": "10.82.0.0/24"}]]'
ours ADD c4 /run/netns/a eth0 "$T/gw.json"
check_eq "isGateway: ADD succeeds" "$RC" 0
check_eq "isGateway: the MAC is pinned (addr_assign_type 3)" "$(assign gwbr)" 3
check_eq "isGateway: pinned to the MAC from before this ADD's veth" "$(mac gwbr)" "$before"
check_eq "isGateway: the result reports it" "$(json_get "$OUT" .interfaces[0].mac)" "$before"
ours DEL c4 /run/netns/a eth0 "$T/gw.json"
ip link del opv0

# --- isGateway on a bridge whose ports all left (MAC all zero): upstream
# would pin 00:00:00:00:00:00 (PR #1265); ours pins a MAC derived from the
# bridge's name and ifindex instead, so concurrent first ADDs agree.
ip link add zbr type bridge && ip link set zbr up
ip link add zv0 type veth peer name zv1 && ip link set zv0 master zbr && ip link del zv0
check_eq "setup: a bridge without ports has the zero MAC" "$(mac zbr)" $ZERO
bconf "$T/z.json" 10-bridge.conflist "" '.bridge = "zbr" | .ipam.ranges = [[{"subnet": "10.83.0.0/24"}]]'
ours ADD c5 /run/netns/a eth0 "$T/z.json"
check_eq "zero-MAC bridge, isGateway: ADD succeeds" "$RC" 0
zport=$(json_get "$OUT" .interfaces[1].name)
pinned=$(mac zbr)
check_match "zero-MAC bridge: pinned to a locally administered unicast MAC, not zero" \
	"$(assign zbr) $pinned" '^3 [0-9a-f][26ae]:'
check "zero-MAC bridge: not the veth's MAC" test "$pinned" != "$(mac "$zport")"
ours DEL c5 /run/netns/a eth0 "$T/z.json"
check_eq "zero-MAC bridge: keeps that MAC after the container left" "$(mac zbr)" "$pinned"
zidx=$(cat /sys/class/net/zbr/ifindex)
ip link del zbr
ip link add zbr index "$zidx" type bridge && ip link set zbr up
ip link add zv0 type veth peer name zv1 && ip link set zv0 master zbr && ip link del zv0
ours ADD c5 /run/netns/a eth0 "$T/z.json"
check_eq "zero-MAC bridge made again with the same name and index: the same MAC pinned" \
	"$RC $(mac zbr)" "0 $pinned"
ours DEL c5 /run/netns/a eth0 "$T/z.json"
done_testing
