#!/bin/sh
# A failed ADD leaves nothing behind: no veth, no lease, no container
# interface; the error names the cause.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

# nothing_left DESC VETHS LEASES
nothing_left() {
	check_eq "$1: host veths" "$(host_veths)" "$2"
	check_eq "$1: leases" "$(leases)" "$3"
}

# --- IPAM fails: the range is exhausted
bconf "$T/small.json" 10-bridge.conflist "" '.bridge = "rb0" | .ipam.ranges = [[{"subnet": "10.55.0.0/30"}]]'
netns_new a
netns_new b
ours ADD ctr-a /run/netns/a eth0 "$T/small.json"
check_eq "exhausted range: first ADD takes the last free IP" "$RC" 0
ours ADD ctr-b /run/netns/b eth0 "$T/small.json"
check_eq "exhausted range: second ADD fails" "$RC" 1
check_match "exhausted range: message from IPAM" "$(json_get "$OUT" .msg)" 'no IP addresses available|range'
check_eq "exhausted range: no interface in the container" "$(ip -n b -o link show eth0 2>/dev/null | wc -l)" 0
nothing_left "exhausted range" 1 1
ours DEL ctr-a /run/netns/a eth0 "$T/small.json"

# --- IPAM succeeds without an IP: an error, and the allocation is released
mkdir "$T/plug"
ln -s "$BIN/bridge" "$T/plug/bridge"
printf '#!/bin/sh\necho "$CNI_COMMAND" >>%s/spy.log\necho "{\\"cniVersion\\":\\"1.0.0\\"}"\n' "$T" >"$T/plug/noip"
chmod +x "$T/plug/noip"
bconf "$T/noip.json" 10-bridge.conflist "" '.bridge = "rb1" | .ipam = {"type": "noip"}'
netns_new n
cni "$T/plug" bridge ADD ctr-n /run/netns/n eth0 "$T/noip.json"
check_match "IPAM without IPs: error" "$(json_get "$OUT" .msg)" 'IPAM plugin returned missing IP config'
check_eq "IPAM without IPs: IPAM DEL sent after its ADD" "$(tr '\n' ' ' <"$T/spy.log")" "ADD DEL "
nothing_left "IPAM without IPs" 0 0

# --- a later step fails: CNI_IFNAME already exists in the netns
bconf "$T/c.json" 10-bridge.conflist
netns_new c
ip -n c link add eth0 type bridge
ours ADD ctr-c /run/netns/c eth0 "$T/c.json"
check_eq "ifname exists: ADD fails" "$RC" 1
check_match "ifname exists: message names it" "$(json_get "$OUT" .msg)" 'eth0.*already exists'
check_eq "ifname exists: the container's own eth0 is untouched" "$(ip -n c -o link show eth0 type bridge | wc -l)" 1
nothing_left "ifname exists" 0 0

# --- a step inside the container fails: an IPAM route through an
# unreachable gateway
bconf "$T/r.json" 10-bridge.conflist "" '.ipam.routes = [{"dst": "192.168.0.0/16", "gw": "172.31.0.1"}]'
netns_new d
ours ADD ctr-d /run/netns/d eth0 "$T/r.json"
check_eq "route fails in the container: ADD fails" "$RC" 1
check_match "route fails: message names the route" "$(json_get "$OUT" .msg)" '192\.168\.0\.0/16 via 172\.31\.0\.1'
check_eq "route fails: container interface removed" "$(ip -n d -o link show eth0 2>/dev/null | wc -l)" 0
nothing_left "route fails" 0 0

# --- a host step after the container is configured fails: the bridge has
# another IPv4 address and forceAddress is off
ip link add cni0 type bridge 2>/dev/null
ip addr add 10.9.9.1/24 dev cni0
netns_new e
ours ADD ctr-e /run/netns/e eth0 "$T/c.json"
check_eq "bridge address conflict: ADD fails" "$RC" 1
check_match "bridge address conflict: message" "$(json_get "$OUT" .msg)" \
	'"cni0" already has an IP address different from 10\.22\.0\.1/16'
check_eq "bridge address conflict: container interface removed" "$(ip -n e -o link show eth0 2>/dev/null | wc -l)" 0
nothing_left "bridge address conflict" 0 0
bconf "$T/force.json" 10-bridge.conflist "" '.forceAddress = true'
ours ADD ctr-e /run/netns/e eth0 "$T/force.json"
check_eq "forceAddress: ADD replaces the address" "$RC" 0
check_eq "forceAddress: only the gateway remains" "$(ip -4 -o addr show cni0 | awk '{print $4}')" 10.22.0.1/16
ours DEL ctr-e /run/netns/e eth0 "$T/force.json"

# --- IPv6 (the reference's rule): only an address whose subnet overlaps the
# gateway's conflicts; one in another subnet stays beside it.
bconf "$T/v6.json" 10-bridge.conflist "" '.bridge = "v6br" | .ipam.ranges = [[{"subnet": "fd00:66::/64"}]]'
ip link add v6br type bridge
ip link set v6br up
ip addr add fd00:77::1/64 dev v6br nodad
ours ADD ctr-e /run/netns/e eth0 "$T/v6.json"
check_eq "IPv6: an address in another subnet does not conflict" "$RC" 0
check_eq "IPv6: both addresses on the bridge" \
	"$(ip -6 -o addr show dev v6br scope global | awk '{print $4}' | sort | tr '\n' ' ')" "fd00:66::1/64 fd00:77::1/64 "
ours DEL ctr-e /run/netns/e eth0 "$T/v6.json"
ip addr flush dev v6br scope global
ip addr add fd00:66::99/64 dev v6br nodad
ours ADD ctr-e /run/netns/e eth0 "$T/v6.json"
check_match "IPv6: an address in the same subnet conflicts" "$RC $(json_get "$OUT" .msg)" \
	'^1 "v6br" already has an IP address different from fd00:66::1/64 \(it has fd00:66::99/64'
nothing_left "IPv6 bridge address conflict" 0 0
ip link del v6br

# --- forwarding: written only when not already on, and a failed write is
# fatal. A read-only file bound over the sysctl stands in for a host that
# forbids the write (the sandbox has its own mount namespace).
bind_forward() { # VALUE
	umount /proc/sys/net/ipv4/ip_forward 2>/dev/null
	echo "$1" >"$T/fwd"
	mount --bind "$T/fwd" /proc/sys/net/ipv4/ip_forward &&
		mount -o remount,bind,ro /proc/sys/net/ipv4/ip_forward
}
bconf "$T/fw.json" 10-bridge.conflist "" '.bridge = "fw0" | .ipam.ranges = [[{"subnet": "10.56.0.0/24"}]]'
netns_new h
bind_forward 1
ours ADD ctr-h /run/netns/h eth0 "$T/fw.json"
check_eq "ip_forward already 1 and not writable: ADD succeeds (no write)" "$RC" 0
ours DEL ctr-h /run/netns/h eth0 "$T/fw.json"
bind_forward 0
ours ADD ctr-h /run/netns/h eth0 "$T/fw.json"
check_eq "ip_forward 0 and not writable: ADD fails" "$RC" 1
check_match "ip_forward: message names the sysctl" "$(json_get "$OUT" .msg)" 'ip_forward'
check_eq "ip_forward: container interface removed" "$(ip -n h -o link show eth0 2>/dev/null | wc -l)" 0
nothing_left "ip_forward" 0 0
umount /proc/sys/net/ipv4/ip_forward

# --- the bridge name belongs to another kind of link (checked before IPAM)
ip link add notbr type veth peer name notbr-peer
bconf "$T/nb.json" 10-bridge.conflist "" '.bridge = "notbr"'
netns_new f
ours ADD ctr-f /run/netns/f eth0 "$T/nb.json"
check_eq "not a bridge: message (the reference's, plus what the link is)" "$(json_get "$OUT" .msg)" \
	'failed to create bridge "notbr": "notbr" already exists but is not a bridge (it is a veth)'
nothing_left "not a bridge" 2 0 # the two are notbr and its peer
ip link del notbr

# --- the netns does not exist: nothing is made at all
ours ADD ctr-g /run/netns/nope eth0 "$T/nb.json"
check_eq "missing netns: ADD fails" "$RC" 1
check_match "missing netns: message names the path" "$(json_get "$OUT" .msg)" '/run/netns/nope'
nothing_left "missing netns" 0 0
check_eq "missing netns: no bridge made" "$(ip -o link show notbr 2>/dev/null | wc -l)" 0

# --- a rollback step fails: the ADD's own error is reported, the failed
# step is a warning on stderr and in the logFile (a leak leaves a trace)
printf '%s\n' '#!/bin/sh' 'case $CNI_COMMAND in' \
	'ADD) echo "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.56.0.5/24\"}]}" ;;' \
	'DEL) echo "{\"code\":11,\"msg\":\"store locked by pid 42\"}"; exit 1 ;;' 'esac' >"$T/plug/stuck"
chmod +x "$T/plug/stuck"
bconf "$T/stuck.json" 10-bridge.conflist "" \
	'.bridge = "rb2" | .ipam = {"type": "stuck"} | .logFile = "'"$T"'/stuck.log"'
netns_new s
ip -n s link add eth0 type bridge
cni "$T/plug" bridge ADD ctr-s /run/netns/s eth0 "$T/stuck.json"
check_match "rollback warning: the ADD reports its own error" "$(json_get "$OUT" .msg)" 'eth0.*already exists'
check_match "rollback warning: on stderr, with the step and the IPAM's message" "$ERR" \
	'bridge: warning: ADD rollback: releasing the IPAM allocation: store locked by pid 42'
check_match "rollback warning: in the logFile too" "$(grep 'result=warning' "$T/stuck.log")" \
	' bridge ADD net=[^ ]+ id=ctr-s ifname=eth0 result=warning msg=".*store locked by pid 42"$'

# --- DEL keeps going after a failed step and reports every error, joined
# (the kernel refuses to delete lo; the IPAM plugin refuses its DEL)
cni "$T/plug" bridge DEL ctr-s /run/netns/s lo "$T/stuck.json"
check_eq "DEL with two failures: fails" "$RC" 1
check_match "DEL with two failures: both messages, the first one's first" "$(json_get "$OUT" .msg)" \
	'lo.*; store locked by pid 42'
done_testing
