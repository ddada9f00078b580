#!/bin/sh
# Switching binaries on a live node: an attachment made by the reference
# bridge + host-local is checked and deleted by ours, and the other way
# round. Same lease store, same names, same netns layout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

bconf "$T/c.json" 10-bridge.conflist 1.0.0

netns_new a
ref ADD ctr-a /run/netns/a eth0 "$T/c.json"
check_eq "reference ADD" "$RC" 0
with_prev "$T/pa.json" "$T/c.json" "$OUT"
ours CHECK ctr-a /run/netns/a eth0 "$T/pa.json"
check_eq "our CHECK accepts the reference's attachment" "$RC" 0
[ "$RC" = 0 ] || diag "$OUT"
ours DEL ctr-a /run/netns/a eth0 "$T/pa.json"
check_eq "our DEL removes it" "$RC" 0
check_eq "... interface, veth and lease gone" \
	"$(ip -n a -o link show eth0 2>/dev/null | wc -l)/$(host_veths)/$(leases)" "0/0/0"

netns_new b
ours ADD ctr-b /run/netns/b eth0 "$T/c.json"
check_eq "our ADD" "$RC" 0
with_prev "$T/pb.json" "$T/c.json" "$OUT"
ref CHECK ctr-b /run/netns/b eth0 "$T/pb.json"
check_eq "reference CHECK accepts our attachment" "$RC" 0
[ "$RC" = 0 ] || diag "$OUT"
ref DEL ctr-b /run/netns/b eth0 "$T/pb.json"
check_eq "reference DEL removes it" "$RC" 0
check_eq "... interface, veth and lease gone" \
	"$(ip -n b -o link show eth0 2>/dev/null | wc -l)/$(host_veths)/$(leases)" "0/0/0"

# Both on one bridge at once: containers of either binary talk.
netns_new c
netns_new d
ref ADD ctr-c /run/netns/c eth0 "$T/c.json"
RC_=$OUT
ours ADD ctr-d /run/netns/d eth0 "$T/c.json"
IPC=$(json_get "$RC_" .ips[0].address | cut -d/ -f1)
IPD=$(json_get "$OUT" .ips[0].address | cut -d/ -f1)
check "mixed bridge: ours and the reference's get different IPs ($IPC, $IPD)" \
	test -n "$IPC" -a -n "$IPD" -a "$IPC" != "$IPD"
check "mixed bridge: our container pings the reference's" \
	ip netns exec d ping -c 1 -w 3 "$IPC"
ours DEL ctr-c /run/netns/c eth0 "$T/c.json"
ours DEL ctr-d /run/netns/d eth0 "$T/c.json"
check_eq "mixed bridge: all gone" "$(host_veths)/$(leases)" "0/0"
done_testing
