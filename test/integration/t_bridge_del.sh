#!/bin/sh
# DEL is idempotent: every "already gone" shape succeeds and the IPAM lease
# is released in all of them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

bconf "$T/c.json" 10-bridge.conflist
# The kernel tears a deleted netns (and the veth in it) down asynchronously:
# wait up to 5 s for the host ends to go.
wait_veths_gone() {
	_i=0
	while [ "$(host_veths)" != 0 ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
# add NAME: a fresh container with one lease; leaves the result in R.
add() {
	netns_new "$1"
	ours ADD "ctr-$1" "/run/netns/$1" eth0 "$T/c.json"
	R=$OUT
	[ "$RC" = 0 ] || diag "ADD $1 failed: $OUT"
}

add plain
ours DEL ctr-plain /run/netns/plain eth0 "$T/c.json"
check_eq "normal DEL succeeds" "$RC" 0
check_eq "normal DEL: container interface gone" "$(ip -n plain -o link show eth0 2>/dev/null | wc -l)" 0
check_eq "normal DEL: host veth gone with it" "$(host_veths)" 0
check_eq "normal DEL: lease released" "$(leases)" 0
check_eq "normal DEL: bridge stays" "$(ip -o link show cni0 | wc -l)" 1
ours DEL ctr-plain /run/netns/plain eth0 "$T/c.json"
check_eq "DEL twice succeeds" "$RC" 0

add empty
ours DEL ctr-empty "" eth0 "$T/c.json"
check_eq "empty CNI_NETNS: DEL succeeds" "$RC" 0
check_eq "empty CNI_NETNS: lease released" "$(leases)" 0
ip netns del empty

add gone
ip netns del gone
ours DEL ctr-gone /run/netns/gone eth0 "$T/c.json"
check_eq "netns deleted: DEL succeeds" "$RC" 0
check_eq "netns deleted: lease released" "$(leases)" 0
wait_veths_gone
check_eq "netns deleted: its veth went with it (kernel cleanup)" "$(host_veths)" 0

add notns
# A broken bind mount: the path exists but is a plain file on tmpfs.
ip netns del notns
touch /run/netns/notns
ours DEL ctr-notns /run/netns/notns eth0 "$T/c.json"
check_eq "path is not a namespace: DEL succeeds (the reference fails and leaks)" "$RC" 0
check_eq "path is not a namespace: lease released" "$(leases)" 0
rm -f /run/netns/notns

add noif
ip -n noif link del eth0
ours DEL ctr-noif /run/netns/noif eth0 "$T/c.json"
check_eq "interface already gone: DEL succeeds" "$RC" 0
check_eq "interface already gone: lease released" "$(leases)" 0

add nolease
ours DEL ctr-nolease "" eth0 "$T/c.json" # releases the lease only
ours DEL ctr-nolease /run/netns/nolease eth0 "$T/c.json"
check_eq "lease already gone: DEL succeeds" "$RC" 0
check_eq "lease already gone: interface deleted" "$(ip -n nolease -o link show eth0 2>/dev/null | wc -l)" 0

add wrongns
# A namespace, but not a network one: a real error, reported; the lease is
# still released (every cleanup step runs).
ours DEL ctr-wrongns /proc/self/ns/uts eth0 "$T/c.json"
check_eq "not a network namespace: DEL reports the error" "$RC" 1
check_match "not a network namespace: message names the path" "$(json_get "$OUT" .msg)" '/proc/self/ns/uts'
check_eq "not a network namespace: lease released anyway" "$(leases)" 0
ours DEL ctr-wrongns /run/netns/wrongns eth0 "$T/c.json"

add prev
with_prev "$T/p.json" "$T/c.json" "$R"
ours DEL ctr-prev /run/netns/prev eth0 "$T/p.json"
check_eq "DEL with prevResult succeeds" "$RC" 0
ours DEL ctr-prev /run/netns/prev eth0 "$T/p.json"
check_eq "DEL with prevResult twice succeeds" "$RC" 0

add other
ours DEL ctr-other /run/netns/other eth1 "$T/c.json"
check_eq "DEL of another ifname succeeds" "$RC" 0
check_eq "DEL of another ifname leaves eth0 alone" "$(ip -n other -o link show eth0 | wc -l)" 1
ours DEL ctr-other /run/netns/other eth0 "$T/c.json"

bconf "$T/l2.json" 30-l2.conflist
netns_new l2
ours ADD ctr-l2 /run/netns/l2 eth0 "$T/l2.json"
ip netns del l2
ours DEL ctr-l2 /run/netns/l2 eth0 "$T/l2.json"
check_eq "L2, netns gone: DEL succeeds" "$RC" 0

# A conflist edited into values ADD refuses while the pod runs: DEL still
# removes the interface and releases the lease (a value check only guards
# what ADD would create); a wrong JSON type still fails, as the reference.
for edit in '.mtu = 70000' '.hairpinMode = true | .promiscMode = true' \
	'.bridge = "a-very-long-bridge-name"' '.runtimeConfig = {"mac": "01:00:5e:00:00:01"}' \
	'.ipMasq = true | .ipMasqBackend = "pf"' '.vlanTrunk = [{"id": 5000}]'; do
	add e
	jq "$edit" "$T/c.json" >"$T/edited.json"
	ours ADD ctr-e2 /run/netns/e eth1 "$T/edited.json"
	check_eq "edited to '$edit': ADD refuses it (code 7)" "$(err_code)" 7
	ours DEL ctr-e /run/netns/e eth0 "$T/edited.json"
	check_eq "edited to '$edit': DEL succeeds" "$RC" 0
	check_eq "edited to '$edit': interface gone, lease released" \
		"$(ip -n e -o link show eth0 2>/dev/null | wc -l)/$(leases)" 0/0
	ip netns del e
done
add e
jq '.mtu = "1500"' "$T/c.json" >"$T/edited.json"
ours DEL ctr-e /run/netns/e eth0 "$T/edited.json"
check_eq "edited to a wrong JSON type: DEL fails with code 6 (as the reference)" "$(err_code)" 6
ours DEL ctr-e /run/netns/e eth0 "$T/c.json"
ip netns del e

ours DEL ctr-x /run/netns/x eth0 "$T/c.json" "FOO=bar"
check_eq "DEL with bad CNI_ARGS still fails as the reference (code 999)" "$(err_code)" 999
wait_veths_gone
check_eq "nothing left: veths" "$(host_veths)" 0
check_eq "nothing left: leases" "$(leases)" 0
done_testing
