#!/bin/sh
# lib/netns in real namespaces: the worker thread enters the target, the
# main thread never does, errors come back, nothing leaks over 1000 runs.
# The C program prints its own TAP lines; this script adds checks that need
# the shell (the state it leaves behind).
. "$(dirname "$0")/lib.sh"

netns_new nsA
ip -n nsA link add cnitest0 type veth peer name cnitest1
: >/run/not-a-netns # /run is a tmpfs in the sandbox
before=$(links_on_host)

"$TOOLS/netns_selftest" /run/netns/nsA /run/not-a-netns
rc=$?
check_eq "netns_selftest exits 0" "$rc" 0
check_eq "host links unchanged" "$(links_on_host)" "$before"
check_eq "the target netns still has its link" \
	"$(ip -n nsA -o link show cnitest0 | awk -F': ' '{print $2}' | sed 's/@.*//')" cnitest0

# The bench's floor program (test/tools/bench_floor.c) does the same kind of
# netns work with raw libmnl; a broken floor would only give `make bench`
# meaningless numbers, so check its ADD and DEL here.
ip link add cbt0 type bridge && ip link set cbt0 up
netns_new fl1
"$TOOLS/bench_floor" add /run/netns/fl1 eth0 10.91.0.2/24 10.91.0.1 cbt0
check_eq "floor add: exit 0" "$?" 0
check_match "floor add: address on the container end" "$(ip -n fl1 -o addr show eth0)" \
	'inet 10\.91\.0\.2/24'
check_match "floor add: default route" "$(ip -n fl1 route show default)" \
	'^default via 10\.91\.0\.1 dev eth0'
check_match "floor add: container end up" "$(ip -n fl1 -o link show eth0)" ',UP'
check_match "floor add: host end vethXXXXXXXX on the bridge, up" \
	"$(ip -o link show master cbt0)" 'veth[0-9a-f]{8}@.*,UP.* master cbt0'
check_not "floor add: a second ADD of the same ifname fails" 1 \
	"$TOOLS/bench_floor" add /run/netns/fl1 eth0 10.91.0.3/24 10.91.0.1 cbt0
"$TOOLS/bench_floor" del /run/netns/fl1 eth0
check_eq "floor del: exit 0" "$?" 0
check_eq "floor del: both ends gone" "$(ip -n fl1 -o link show eth0 2>/dev/null; ip -o link show master cbt0)" ""
# -s: the reference's sysctls on the container end before it goes up (the
# pods case's "floorsys"); without it the netns defaults stay
sysctls() {
	echo "$(ip netns exec "$1" cat /proc/sys/net/ipv6/conf/eth0/accept_dad)" \
		"$(ip netns exec "$1" cat /proc/sys/net/ipv4/conf/eth0/arp_notify)"
}
"$TOOLS/bench_floor" add /run/netns/fl1 eth0 10.91.0.4/24 10.91.0.1 cbt0
check_eq "floor add: accept_dad and arp_notify left at the netns defaults" "$(sysctls fl1)" \
	"$(ip netns exec fl1 cat /proc/sys/net/ipv6/conf/default/accept_dad) $(ip netns exec fl1 cat /proc/sys/net/ipv4/conf/default/arp_notify)"
"$TOOLS/bench_floor" del /run/netns/fl1 eth0
"$TOOLS/bench_floor" -s add /run/netns/fl1 eth0 10.91.0.5/24 10.91.0.1 cbt0
check_eq "floor -s add: exit 0" "$?" 0
check_eq "floor -s add: accept_dad=0 and arp_notify=1" "$(sysctls fl1)" "0 1"
"$TOOLS/bench_floor" del /run/netns/fl1 eth0
check_eq "floor -s: del leaves nothing" "$(ip -o link show master cbt0)" ""
check_eq "floor: -s with del is a usage error" \
	"$("$TOOLS/bench_floor" -s del /run/netns/fl1 eth0 2>/dev/null; echo $?)" 2
done_testing
