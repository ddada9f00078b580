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

done_testing
