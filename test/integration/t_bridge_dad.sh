#!/bin/sh
# enabledad: ADD waits for the kernel's DAD notifications, bounded by the
# same 5 s deadline as the reference's SettleAddresses. The passing and the
# DADFAILED cases are in t_bridge_families.sh; this one covers the deadline
# (a DAD made to outlast it) and a wait that spans several addresses.
. "$(dirname "$0")/lib.sh"

jq -n '{cniVersion: "1.0.0", name: "dadnet", type: "bridge", bridge: "cnidad",
	isGateway: true, enabledad: true,
	ipam: {type: "host-local", dataDir: "/var/lib/cni/dad",
		ranges: [[{subnet: "fd00:dad::/64"}], [{subnet: "fd00:dad:1::/64"}],
			[{subnet: "10.77.0.0/24"}]]}}' >"$T/dad.json"
# lease files: one per address, beside "lock", "last_reserved_ip.N" and
# dot files (our index)
leases() { find /var/lib/cni/dad -type f 2>/dev/null | grep -Evc '/(lock|last_reserved_ip\.[0-9]+|\.[^/]*)$'; }
ms() { echo $(($(date +%s%N) / 1000000)); }

# --- two IPv6 addresses plus the link-local one: ADD returns only when
# none of them is tentative any more.
netns_new a
ours ADD ctr-a /run/netns/a eth0 "$T/dad.json"
check_eq "two IPv6 addresses: ADD" "$RC" 0
check_eq "two IPv6 addresses: none tentative when ADD returns" \
	"$(ip -n a -6 addr show dev eth0 tentative | grep -c inet6)" 0
check_eq "two IPv6 addresses: both present" \
	"$(ip -n a -6 addr show dev eth0 scope global | grep -c 'inet6 fd00:dad')" 2
check_eq "two IPv6 addresses: three leases" "$(leases)" 3
ours DEL ctr-a /run/netns/a eth0 "$T/dad.json"
check_eq "two IPv6 addresses: DEL" "$RC" 0

# --- DAD that cannot end within 5 s: 10 probes 1 s apart (the container's
# defaults, which the new eth0 inherits). ADD gives up at the deadline with
# the reference's message and undoes itself.
netns_new slow
ip netns exec slow sysctl -qw net.ipv6.conf.default.dad_transmits=10
t0=$(ms)
ours ADD ctr-slow /run/netns/slow eth0 "$T/dad.json"
took=$(($(ms) - t0))
check_eq "slow DAD: ADD fails" "$RC" 1
check_eq "slow DAD: error code 999" "$(json_get "$OUT" .code)" 999
check_match "slow DAD: message names the link and the deadline" "$(json_get "$OUT" .msg)" \
	'link eth0 still has tentative IPv6 addresses after 5 s'
check "slow DAD: gave up at 5 s, not before nor long after (${took} ms)" \
	test "$took" -ge 5000 -a "$took" -lt 7000
check_eq "slow DAD: rolled back (container link, leases)" \
	"$(ip -n slow -o link show eth0 2>/dev/null | wc -l)/$(leases)" "0/0"

# --- upstream v1.9.1 waits only when an IP has an IPv6 gateway
# (ConfigureIface's v6gw). An IPAM result with an IPv6 address and no
# gateway (isGateway off, so none is made up): ADD does not wait, and
# returns with the address still tentative. A fake IPAM plugin gives it.
mkdir "$T/plug"
ln -s "$BIN/bridge" "$T/plug/bridge"
cp "$TOOLS/ipam_fake" "$T/plug/fake"
jq -n '{cniVersion: "1.0.0", name: "dadnet2", type: "bridge", bridge: "cnidad2",
	enabledad: true, ipam: {type: "fake"}}' >"$T/nogw.json"
export FAKE_RESULT='{"cniVersion":"1.0.0","ips":[{"address":"fd00:dad:9::5/64"}]}'
netns_new nogw
ip netns exec nogw sysctl -qw net.ipv6.conf.default.dad_transmits=10
cni "$T/plug" bridge ADD ctr-nogw /run/netns/nogw eth0 "$T/nogw.json"
check_eq "IPv6 without a gateway: ADD succeeds (no DAD wait)" "$RC" 0
check_eq "IPv6 without a gateway: the address is still tentative when ADD returns" \
	"$(ip -n nogw -6 addr show dev eth0 tentative | grep -c 'inet6 fd00:dad:9::5')" 1
cni "$T/plug" bridge DEL ctr-nogw /run/netns/nogw eth0 "$T/nogw.json"
# ... and with an IPv6 gateway in the same result it waits (and here, with
# 10 probes, gives up at the deadline).
export FAKE_RESULT='{"cniVersion":"1.0.0","ips":[{"address":"fd00:dad:9::5/64","gateway":"fd00:dad:9::1"}]}'
cni "$T/plug" bridge ADD ctr-nogw /run/netns/nogw eth0 "$T/nogw.json"
check_match "IPv6 with a gateway: waits, and fails at the deadline" "$RC $(json_get "$OUT" .msg)" \
	'^1 link eth0 still has tentative IPv6 addresses after 5 s'
unset FAKE_RESULT

# --- the deadline on a link that is not up (upstream v1.9.0): DAD cannot
# end without carrier, so the wait gives up without an error. The DAD wait
# itself, on a veth whose peer is down, then up.
netns_new dl
ip netns exec dl sysctl -qw net.ipv6.conf.default.dad_transmits=10 net.ipv6.conf.default.accept_dad=1
ip -n dl link add d0 type veth peer name d1
ip -n dl -6 addr add fd00:dad:8::5/64 dev d0
ip -n dl link set d0 up
check_match "setup: d0 has no carrier and a tentative address" \
	"$(ip -n dl -6 addr show dev d0 tentative | grep -c fd00:dad:8) $(ip -n dl link show d0)" '^1 .*NO-CARRIER'
check_eq "deadline on a link without carrier: success" "$(ip netns exec dl "$TOOLS/dad_settle" d0 300)" ok
ip -n dl link set d1 up
# operstate follows carrier through the kernel's linkwatch: wait for it
for _ in $(seq 50); do ip -n dl link show d0 | grep -q 'state UP' && break; sleep 0.1; done
check_match "deadline on an up link: the error" "$(ip netns exec dl "$TOOLS/dad_settle" d0 300)" \
	'^link d0 still has tentative IPv6 addresses after 300 ms$'

done_testing
