#!/bin/sh
# ipMasq, ipMasqBackend and macspoofchk through our bridge plugin: rules made
# by ADD, verified by CHECK, removed by DEL, also with an empty CNI_NETNS or
# a deleted netns (reference issue #810); real masqueraded traffic; no exec
# of nft/iptables with the nftables backend; interop with the reference.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_masq_lib.inc"
. "$(dirname "$0")/t_bridge_lib.inc"

# conf FILE NAME EXTRA-JQ: a dual-stack bridge network.
conf() {
	jq -n --arg name "$2" '{cniVersion: "1.0.0", name: $name, type: "bridge", bridge: "mq0",
		isDefaultGateway: true, ipMasq: true,
		ipam: {type: "host-local", ranges: [[{subnet: "10.77.0.0/24"}], [{subnet: "fd77::/64"}]]}}' |
		jq "$3" >"$1"
}
nat4() { iptables-save -t nat | grep -v '^#'; }
chain_of() { "$MT" names "$1" x "$2" | sed -n 's/^ipt_chain=//p'; }
nft_rules_of() { nft_masq_rules | grep -c "id: $1\"" ; }
with_prev() { printf '%s' "$3" | jq --slurpfile c "$2" '$c[0] + {prevResult: .}' >"$1"; }

check "outside namespace" masq_outside
# libnftnl is loaded on first use (lib/nft/nftnl_dl.h), never at start-up:
# the nftables cases below show that loading it then works.
for b in bridge host-local cni-bridge; do
	check_eq "$b does not load libnftnl at start-up" \
		"$(readelf -d "$BIN/$b" | grep -c 'NEEDED.*libnftnl')" 0
done
conf "$T/nft.json" mqnet '.ipMasqBackend = "nftables"'
conf "$T/ipt.json" mqnet '.ipMasqBackend = "iptables"'
conf "$T/dflt.json" mqnet '.'
conf "$T/nomasq.json" mqnet '.ipMasq = false'
conf "$T/bad.json" mqnet '.ipMasqBackend = "pf"'

netns_new c1
ours ADD c1 /run/netns/c1 eth0 "$T/bad.json"
check_eq "unknown ipMasqBackend: code 7" "$(json_get "$OUT" .code)" 7
check_match "the message names the allowed values" "$(json_get "$OUT" .msg)" '"iptables" or "nftables"'

for B in nft ipt; do
	ours ADD c1 /run/netns/c1 eth0 "$T/nomasq.json"
	check_eq "$B: ADD without ipMasq" "$RC" 0
	check_eq "$B: without masquerade the outside sees the container" \
		"$(seen_from_outside 192.168.200.2 c1)" "$(json_get "$OUT" '.ips[0].address' | cut -d/ -f1)"
	ours DEL c1 /run/netns/c1 eth0 "$T/nomasq.json"

	ours ADD c1 /run/netns/c1 eth0 "$T/$B.json"
	check_eq "$B: ADD with ipMasq" "$RC" 0
	R=$OUT
	if [ $B = nft ]; then
		check_eq "$B: one rule per container IP" "$(nft_rules_of c1)" 2
		check_eq "$B: no iptables chain" "$(nat4 | grep -c CNI-)" 0
	else
		check_eq "$B: chain and a jump per family" \
			"$(nat4 | grep -c "^-A POSTROUTING .* -j $(chain_of mqnet c1)")/$(ip6tables-save -t nat | grep -c "^-A POSTROUTING .* -j $(chain_of mqnet c1)")" 1/1
		check_eq "$B: no nftables masquerade rule" "$(nft_rules_of c1)" 0
	fi
	check_eq "$B: the outside sees the host (v4)" "$(seen_from_outside 192.168.200.2 c1)" 192.168.200.1
	check_eq "$B: the outside sees the host (v6)" "$(seen_from_outside fd20::2 c1)" fd20::1
	with_prev "$T/prev.json" "$T/$B.json" "$R"
	ours CHECK c1 /run/netns/c1 eth0 "$T/prev.json"
	check_eq "$B: CHECK passes" "$RC" 0
	if [ $B = nft ]; then
		"$MT" nft-teardown mqnet eth0 c1
	else
		"$MT" ipt-teardown mqnet c1
	fi
	ours CHECK c1 /run/netns/c1 eth0 "$T/prev.json"
	check_eq "$B: CHECK fails when the rules are gone" "$RC" 1
	check_match "$B: CHECK says what is missing" "$(json_get "$OUT" .msg)" 'no masquerade rule for [0-9.]+|chain CNI-'
	ours DEL c1 /run/netns/c1 eth0 "$T/$B.json"
	check_eq "$B: DEL after the rules vanished" "$RC" 0

	# Empty CNI_NETNS (ctr, nerdctl) and a vanished netns: rules still go.
	ours ADD c1 /run/netns/c1 eth0 "$T/$B.json"
	netns_new c2
	ours ADD c2 /run/netns/c2 eth0 "$T/$B.json"
	conf "$T/other.json" othernet ".ipMasqBackend = \"${B}ables\" | .bridge = \"mq1\" |
		.ipam.ranges = [[{subnet: \"10.78.0.0/24\"}]]"
	ours ADD c1 /run/netns/c1 eth1 "$T/other.json"
	check_eq "$B: a second network on the same container" "$RC" 0
	ours DEL c1 "" eth0 "$T/$B.json"
	check_eq "$B: DEL with empty CNI_NETNS" "$RC" 0
	check_eq "$B: c1's mqnet rules are gone" \
		"$(nft_masq_rules | grep -c 'net: mqnet, if: eth0, id: c1"')$(nat4 | grep -c "$(chain_of mqnet c1)")" 00
	ip -n c1 link del eth0 # what the runtime's netns removal would do
	ip netns del c2
	ours DEL c2 /run/netns/c2 eth0 "$T/$B.json"
	check_eq "$B: DEL after the netns was deleted" "$RC" 0
	check_eq "$B: c2's rules are gone" "$(nft_masq_rules | grep -c 'id: c2"')$(nat4 | grep -c "$(chain_of mqnet c2)")" 00
	if [ $B = nft ]; then
		check_eq "$B: the other network's rule survives" "$(nft_masq_rules | grep -c 'net: othernet, if: eth1, id: c1')" 1
	else
		check_eq "$B: the other network's chain survives" "$(nat4 | grep -c "^-A POSTROUTING .* -j $(chain_of othernet c1)")" 1
	fi
	ours DEL c1 /run/netns/c1 eth1 "$T/other.json"
	check_eq "$B: everything gone" "$(nft_masq_rules | grep -c .)$(nat4 | grep -c CNI-)" 00
	ip link del mq1
	netns_new c2
done

ours ADD c1 /run/netns/c1 eth0 "$T/dflt.json"
check_eq "no ipMasqBackend: iptables, as the reference (its tools are here)" \
	"$(nat4 | grep -c "^-A POSTROUTING .* -j $(chain_of mqnet c1)")" 1
ours DEL c1 /run/netns/c1 eth0 "$T/dflt.json"
check_eq "DEL removes it" "$(nat4 | grep -c CNI-)" 0

# No ipMasqBackend on a host whose iptables tools exist but fail (no working
# iptables in the kernel): upstream v1.9.1 checks that iptables works and
# falls back to nftables (issue 13). A failing fake pair comes first in PATH.
mkdir "$T/badipt"
for t in iptables-restore iptables-save ip6tables-restore ip6tables-save iptables ip6tables; do
	printf '#!/bin/sh\necho "%s: cannot initialize table: Table does not exist (do you need to insmod?)" >&2\nexit 3\n' \
		"$t" >"$T/badipt/$t"
	chmod +x "$T/badipt/$t"
done
conf "$T/dflt11.json" mqnet '.cniVersion = "1.1.0"'
GOODPATH=$PATH
PATH=$T/badipt:$GOODPATH
ours ADD c1 /run/netns/c1 eth0 "$T/dflt11.json"
R=$OUT RC_ADD=$RC
PATH=$GOODPATH
check_eq "broken iptables, no ipMasqBackend: ADD succeeds" "$RC_ADD" 0
check_eq "... with the nftables backend (one rule per address)" "$(nft_rules_of c1)" 2
check_eq "... and no iptables rule" "$(nat4 | grep -c CNI-)" 0
with_prev "$T/dflt11p.json" "$T/dflt11.json" "$R"
PATH=$T/badipt:$GOODPATH
ours CHECK c1 /run/netns/c1 eth0 "$T/dflt11p.json"
RC_CHECK=$RC
jq '. + {"cni.dev/valid-attachments": [{"containerID": "c1", "ifname": "eth0"}]}' "$T/dflt11.json" >"$T/gc11.json"
ours GC "" "" "" "$T/gc11.json"
RC_GC=$RC
ours DEL c1 /run/netns/c1 eth0 "$T/dflt11p.json"
RC_DEL=$RC
PATH=$GOODPATH
check_eq "broken iptables: CHECK (nftables rules), GC and DEL succeed" "$RC_CHECK/$RC_GC/$RC_DEL" 0/0/0
check_eq "broken iptables: DEL removes the nftables rules" "$(nft_rules_of c1)" 0

# No nft/iptables process with the nftables backend.
strace -f -qq -e trace=execve -o "$T/strace" env CNI_COMMAND=ADD CNI_CONTAINERID=c1 \
	CNI_NETNS=/run/netns/c1 CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/bridge" <"$T/nft.json" >"$T/add.out"
check_eq "strace: ADD (nftables) succeeded" "$(jq -r '.ips | length' "$T/add.out")" 2
check_eq "strace: no exec besides the plugin and its IPAM" \
	"$(grep -o 'execve("[^"]*"' "$T/strace" | sed 's/.*\///; s/"//' | grep -vxE 'env|bridge|host-local' | tr '\n' ,)" ""
ours DEL c1 /run/netns/c1 eth0 "$T/nft.json"

# macspoofchk.
conf "$T/spoof.json" mqnet '.ipMasq = false | .macspoofchk = true'
ours ADD c1 /run/netns/c1 eth0 "$T/spoof.json"
check_eq "macspoofchk ADD" "$RC" 0
R=$OUT
HOSTIF=$(json_get "$R" '.interfaces[1].name')
check_match "PREROUTING jumps for the host veth" "$(nft list chain bridge nat PREROUTING)" \
	"iifname \"$HOSTIF\" jump cni-br-iface-c1-eth0 comment \"macspoofchk-c1-eth0\""
check_match "the container MAC is allowed" "$(nft list chain bridge nat cni-br-iface-c1-eth0-mac)" \
	"ether saddr $(json_get "$R" '.interfaces[2].mac') return"
with_prev "$T/prev.json" "$T/spoof.json" "$R"
ours CHECK c1 /run/netns/c1 eth0 "$T/prev.json"
check_eq "CHECK passes" "$RC" 0
check "the container reaches its gateway" ip netns exec c1 ping -c1 -W2 10.77.0.1
ip -n c1 link set eth0 address 02:de:ad:be:ef:02
ip neigh flush dev mq0
ip -n c1 neigh flush dev eth0
check_not "with a spoofed MAC it does not" 1 ip netns exec c1 ping -c1 -W1 10.77.0.1
ours DEL c1 "" eth0 "$T/spoof.json"
check_eq "DEL with empty CNI_NETNS" "$RC" 0
check_eq "spoof-check rules and chains gone" "$(nft list table bridge nat | grep -c 'c1-eth0')" 0
ip -n c1 link del eth0

# GC (CNI 1.1): stale attachments' rules go, valid ones and other networks stay.
for B in nft ipt; do
	conf "$T/gc.json" mqnet ".cniVersion = \"1.1.0\" | .ipMasqBackend = \"${B}ables\""
	conf "$T/gcother.json" othernet ".cniVersion = \"1.1.0\" | .ipMasqBackend = \"${B}ables\" |
		.bridge = \"mq1\" | .ipam.ranges = [[{subnet: \"10.78.0.0/24\"}]]"
	ours ADD c1 /run/netns/c1 eth0 "$T/gc.json"
	ours ADD c2 /run/netns/c2 eth0 "$T/gc.json"
	ours ADD c1 /run/netns/c1 eth1 "$T/gcother.json"
	jq '. + {"cni.dev/valid-attachments": [{"containerID": "c2", "ifname": "eth0"}]}' "$T/gc.json" >"$T/gcreq.json"
	ours GC "" "" "" "$T/gcreq.json"
	check_eq "$B: GC succeeds" "$RC" 0
	if [ $B = nft ]; then
		check_eq "$B: GC removed c1's rules, kept c2's and the other network's" \
			"$(nft_masq_rules | grep -c 'net: mqnet, if: eth0, id: c1"')/$(nft_masq_rules | grep -c 'net: mqnet, if: eth0, id: c2"')/$(nft_masq_rules | grep -c 'net: othernet')" \
			0/2/1
	else
		check_eq "$B: GC removed c1's chain, kept c2's and the other network's" \
			"$(nat4 | grep -c "$(chain_of mqnet c1)")/$(nat4 | grep -c "$(chain_of mqnet c2)")/$(nat4 | grep -c "$(chain_of othernet c1)")" \
			0/4/4
	fi
	ours DEL c2 /run/netns/c2 eth0 "$T/gc.json"
	ours DEL c1 /run/netns/c1 eth0 "$T/gc.json"
	ours DEL c1 /run/netns/c1 eth1 "$T/gcother.json"
	check_eq "$B: all gone after DEL" "$(nft_masq_rules | grep -c .)$(nat4 | grep -c CNI-)" 00
done

# Without libnftnl (hidden in this test's mount namespace), the nftables
# backend fails with an error that names the library and the way out, and
# leaves nothing behind (checked once the library is back, so that nft(8),
# which needs it too, can list the rules).
lib=$(readlink -f "$(ldconfig -p | awk '/libnftnl\.so\.11 .*x86-64/ { print $NF; exit }')")
if [ -f "$lib" ] && mount --bind /dev/null "$lib"; then
	netns_new c9
	veths=$(host_veths)
	ours ADD c9 /run/netns/c9 eth0 "$T/nft.json"
	umount "$lib"
	check_eq "no libnftnl: nftables ADD fails with code 999" "$RC $(json_get "$OUT" .code)" "1 999"
	check_match "... naming the library and the way out" "$(json_get "$OUT" .msg)" \
		"needs libnftnl\.so\.11, which cannot be loaded.*install Debian's libnftnl11"
	check_eq "... and leaves no veth, lease or rule behind" \
		"$(host_veths) $(ls /var/lib/cni/networks/mqnet | grep -c '^10\.77') $(nft_rules_of c9)" \
		"$veths 0 0"
	check_eq "... the container has no eth0" "$(ip -n c9 -o link show eth0 2>/dev/null | wc -l)" 0
	ours ADD c9 /run/netns/c9 eth0 "$T/nft.json"
	check_eq "with libnftnl back, the same ADD works" "$RC $(nft_rules_of c9)" "0 2"
	ours DEL c9 /run/netns/c9 eth0 "$T/nft.json"
	ip netns del c9
else
	not_ok "cannot hide libnftnl (found: '$lib')"
fi

# Interop with the reference bridge (v1.1.1: iptables only, DEL needs the link).
conf "$T/ref.json" mqnet '.cniVersion = "0.4.0"'
ours ADD c1 /run/netns/c1 eth0 "$T/ipt.json"
ref DEL c1 /run/netns/c1 eth0 "$T/ref.json"
check_eq "ours ADD, reference DEL: succeeds" "$RC" 0
check_eq "ours ADD, reference DEL: no rule left" "$(nat4 | grep -c CNI-)$(ip6tables-save -t nat | grep -c CNI-)" 00
ref ADD c1 /run/netns/c1 eth0 "$T/ref.json"
check_eq "reference ADD with ipMasq" "$RC" 0
ours DEL c1 "" eth0 "$T/ref.json"
check_eq "reference ADD, ours DEL with empty CNI_NETNS: succeeds" "$RC" 0
check_eq "reference ADD, ours DEL: no rule left (the reference itself leaks here)" \
	"$(nat4 | grep -c CNI-)$(ip6tables-save -t nat | grep -c CNI-)" 00
done_testing
