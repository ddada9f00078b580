#!/bin/sh
# Config handling: every bad config gets the right code and changes nothing;
# the Go decoder habits users rely on; MAC precedence; mtu, hairpin, promisc.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

netns_new c
# bad DESC CODE JQ-FILTER [CNI_ARGS]: ADD with the edited config must fail
# with CODE and leave no bridge, veth or lease behind.
bad() {
	bconf "$T/bad.json" 10-bridge.conflist "" ".bridge = \"bad0\" | $3"
	ours ADD ctr-bad /run/netns/c eth0 "$T/bad.json" "${4:-}"
	check_eq "$1: code $2" "$(err_code)" "$2"
	[ "$(err_code)" = "$2" ] || diag "output: $OUT"
	check_eq "$1: nothing made" "$(ip -o link show bad0 2>/dev/null | wc -l)/$(host_veths)/$(leases)" "0/0/0"
}
bad 'isGateway "true"' 6 '.isGateway = "true"'
bad 'mtu 1500.0' 6 '.mtu = 1500.5'
bad 'portIsolation "true" (the docs example)' 6 '.portIsolation = "true"'
bad 'mtu -1' 7 '.mtu = -1'
bad 'vlan 5000' 7 '.vlan = 5000'
bad 'vlanTrunk minID without maxID' 7 '.vlanTrunk = [{"minID": 5}]'
bad 'hairpinMode with promiscMode' 7 '.hairpinMode = true | .promiscMode = true'
bad 'disableContainerInterface with IPAM' 7 '.disableContainerInterface = true'
bad 'unknown ipMasqBackend' 7 '.ipMasqBackend = "pf"'
bad 'bridge name too long' 7 '.bridge = "a-very-long-bridge-name"'
bad 'bad args.cni.mac' 7 '.args = {"cni": {"mac": "zz:zz"}}'
bad 'bad runtimeConfig.mac' 7 '.runtimeConfig = {"mac": "01:00:5e:00:00:01"}'
bad 'bad CNI_ARGS MAC' 7 '.' 'MAC=nope'
bad 'unknown CNI_ARGS key' 999 '.' 'FOO=bar'
bad 'unsupported cniVersion' 1 '.cniVersion = "9.9.9"'
printf '{"cniVersion":"1.0.0","name":"x","type":"bridge",' >"$T/broken.json"
ours ADD ctr-bad /run/netns/c eth0 "$T/broken.json"
check_eq "broken JSON: code 6" "$(err_code)" 6
bconf "$T/pdv.json" 10-bridge.conflist "" '.bridge = "pdv0" | .preserveDefaultVlan = true |
	.ipam.ranges = [[{"subnet": "10.70.0.0/24"}]]'
ours ADD ctr-pdv /run/netns/c eth0 "$T/pdv.json"
check_eq "preserveDefaultVlan alone: accepted (a no-op without vlan, as the reference)" "$RC" 0
ours DEL ctr-pdv /run/netns/c eth0 "$T/pdv.json"

# Go decoder habits: case-insensitive keys, last duplicate wins, null keeps
# the default, unknown keys ignored.
cat >"$T/go.json" <<'JSON'
{"cniVersion": "1.0.0", "name": "go-habits", "type": "bridge",
 "BRIDGE": "first0", "bridge": "habit0", "ISGATEWAY": true, "mtu": null,
 "someFutureKey": {"x": 1},
 "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.66.0.0/24"}]]}}
JSON
ours ADD ctr-go /run/netns/c eth0 "$T/go.json"
check_eq "Go habits: ADD succeeds" "$RC" 0
check_eq "Go habits: last duplicate key wins" "$(json_get "$OUT" .interfaces[0].name)" habit0
check_match "Go habits: isgateway matched case-insensitively" "$(ip -br addr show habit0)" '10\.66\.0\.1/24'
ours DEL ctr-go /run/netns/c eth0 "$T/go.json"

# MAC precedence: CNI_ARGS < args.cni.mac < runtimeConfig.mac
bconf "$T/mac.json" 10-bridge.conflist "" '.args = {"cni": {"mac": "02:00:00:00:00:02"}}'
# IgnoreUnknown=1: host-local sees the same CNI_ARGS and knows no MAC key.
ours ADD ctr-m /run/netns/c eth0 "$T/mac.json" "IgnoreUnknown=1;MAC=02:00:00:00:00:01"
check_eq "args.cni.mac beats CNI_ARGS MAC" "$(json_get "$OUT" .interfaces[2].mac)" 02:00:00:00:00:02
ours DEL ctr-m /run/netns/c eth0 "$T/mac.json" "IgnoreUnknown=1;MAC=02:00:00:00:00:01"
bconf "$T/mac2.json" 10-bridge.conflist "" '.args = {"cni": {"mac": "02:00:00:00:00:02"}} |
	.runtimeConfig = {"mac": "02-00-00-00-00-03"}'
ours ADD ctr-m /run/netns/c eth0 "$T/mac2.json" "IgnoreUnknown=1;MAC=02:00:00:00:00:01;K8S_POD_NAME=x"
check_eq "runtimeConfig.mac beats both (dash form accepted)" "$(json_get "$OUT" .interfaces[2].mac)" 02:00:00:00:00:03
check_match "the container really has it" "$(ip -n c link show eth0)" '02:00:00:00:00:03'
ours DEL ctr-m /run/netns/c eth0 "$T/mac2.json" "IgnoreUnknown=1"
bconf "$T/mac3.json" 10-bridge.conflist
ours ADD ctr-m /run/netns/c eth0 "$T/mac3.json" "IgnoreUnknown=true;MAC=0200.0000.0004"
check_eq "CNI_ARGS MAC alone (dotted form)" "$(json_get "$OUT" .interfaces[2].mac)" 02:00:00:00:00:04
ours DEL ctr-m /run/netns/c eth0 "$T/mac3.json"

# mtu on a new bridge and both veth ends; hairpin on the port; promisc.
bconf "$T/mtu.json" 10-bridge.conflist "" '.bridge = "mtu0" | .mtu = 1400 |
	.ipam.ranges = [[{"subnet": "10.67.0.0/24"}]]'
ours ADD ctr-mtu /run/netns/c eth0 "$T/mtu.json"
HV=$(json_get "$OUT" .interfaces[1].name)
check_match "mtu: new bridge" "$(ip link show mtu0)" 'mtu 1400'
check_match "mtu: host veth" "$(ip link show "$HV")" 'mtu 1400'
check_match "mtu: container veth" "$(ip -n c link show eth0)" 'mtu 1400'
check_match "hairpinMode: flag on the port" "$(ip -d link show "$HV")" 'hairpin on'
check_eq "txqueuelen: the kernel's default on both veth ends (as upstream since v1.6.0)" \
	"$(cat /sys/class/net/"$HV"/tx_queue_len)/$(ip netns exec c cat /sys/class/net/eth0/tx_queue_len)" 1000/1000
ours DEL ctr-mtu /run/netns/c eth0 "$T/mtu.json"
bconf "$T/pr.json" 10-bridge.conflist "" '.bridge = "pr0" | .hairpinMode = false | .promiscMode = true |
	.ipam.ranges = [[{"subnet": "10.68.0.0/24"}]]'
ours ADD ctr-pr /run/netns/c eth0 "$T/pr.json"
check_match "promiscMode: bridge promiscuous" "$(ip link show pr0)" 'PROMISC'
with_prev "$T/prp.json" "$T/pr.json" "$OUT"
ours CHECK ctr-pr /run/netns/c eth0 "$T/prp.json"
check_eq "promiscMode: CHECK passes" "$RC" 0
ours DEL ctr-pr /run/netns/c eth0 "$T/pr.json"

# portIsolation: the "isolated" flag on the port, with hairpin.
bconf "$T/iso.json" 10-bridge.conflist "" '.bridge = "iso0" | .portIsolation = true |
	.ipam.ranges = [[{"subnet": "10.69.0.0/24"}]]'
ours ADD ctr-iso /run/netns/c eth0 "$T/iso.json"
check_eq "portIsolation: ADD" "$RC" 0
check_match "portIsolation: port isolated, hairpin kept" \
	"$(ip -d link show "$(json_get "$OUT" .interfaces[1].name)")" 'hairpin on .*isolated on'
ours DEL ctr-iso /run/netns/c eth0 "$T/iso.json"

# disableContainerInterface (L2 only): the container end stays down and ADD
# does not wait for a port that cannot come up.
bconf "$T/dis.json" 30-l2.conflist "" '.disableContainerInterface = true'
t0=$(date +%s)
ours ADD ctr-dis /run/netns/c eth0 "$T/dis.json"
check_eq "disableContainerInterface: ADD" "$RC" 0
check "disableContainerInterface: without waiting" test $(($(date +%s) - t0)) -lt 2
check_match "disableContainerInterface: container end down" "$(ip -n c link show eth0)" 'state DOWN'
check_eq "disableContainerInterface: three interfaces in the result" "$(json_get "$OUT" '.interfaces | length')" 3
ours DEL ctr-dis /run/netns/c eth0 "$T/dis.json"
check_eq "disableContainerInterface: DEL" "$RC" 0

# STATUS and GC go to IPAM (1.1.0 configs).
bconf "$T/st.json" 10-bridge.conflist 1.1.0
ours STATUS "" "" "" "$T/st.json"
check_eq "STATUS passes (host-local is available)" "$RC" 0
bconf "$T/st2.json" 10-bridge.conflist 1.1.0 '.ipam.type = "no-such-ipam"'
ours STATUS "" "" "" "$T/st2.json"
check_match "STATUS with a missing IPAM plugin fails naming it" "$(json_get "$OUT" .msg)" 'no-such-ipam'
# GC is passed on: a spy IPAM plugin records the verbs it receives.
mkdir "$T/plug"
ln -s "$BIN/bridge" "$T/plug/bridge"
printf '#!/bin/sh\necho "$CNI_COMMAND" >>%s/spy.log\n' "$T" >"$T/plug/spy"
chmod +x "$T/plug/spy"
bconf "$T/gc.json" 10-bridge.conflist 1.1.0 '.ipam = {"type": "spy"} | . + {"cni.dev/valid-attachments": []}'
cni "$T/plug" bridge GC "" "" "" "$T/gc.json"
check_eq "GC succeeds" "$RC" 0
cni "$T/plug" bridge STATUS "" "" "" "$T/gc.json"
check_eq "GC and STATUS reach the IPAM plugin" "$(tr '\n' ' ' <"$T/spy.log")" "GC STATUS "

# dns (issue 13): as upstream v1.9.1 dnsConfSet, a list given even empty
# replaces the DNS host-local read from resolvConf; null keeps it.
printf 'nameserver 192.0.2.53\nsearch example.test\n' >"$T/resolv.conf"
for v in 1.0.0 0.4.0; do
	bconf "$T/dns.json" 10-bridge.conflist $v '.bridge = "dns0" |
		.ipam.ranges = [[{"subnet": "10.70.0.0/24"}]] | .dns = {"nameservers": []}'
	jq --arg r "$T/resolv.conf" '.ipam.resolvConf = $r' "$T/dns.json" >"$T/dns2.json"
	ours ADD ctr-dns /run/netns/c eth0 "$T/dns2.json"
	want='{}'
	[ $v = 1.0.0 ] && want=null
	check_eq "$v: dns {nameservers: []} replaces the IPAM's DNS (with nothing)" \
		"$(json_get "$OUT" '.dns | tojson')" "$want"
	ours DEL ctr-dns /run/netns/c eth0 "$T/dns2.json"
	jq '.dns = {"nameservers": null}' "$T/dns2.json" >"$T/dns3.json"
	ours ADD ctr-dns /run/netns/c eth0 "$T/dns3.json"
	check_eq "$v: dns {nameservers: null} keeps the IPAM's DNS" \
		"$(json_get "$OUT" '.dns.nameservers | tojson')" '["192.0.2.53"]'
	ours DEL ctr-dns /run/netns/c eth0 "$T/dns3.json"
done
done_testing
