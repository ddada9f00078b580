#!/bin/sh
# lib/nft masquerade (through test/tools/masq_tool): the reference's table,
# chains and comments; idempotent setup; teardown by comment hash without
# addresses; other attachments and networks untouched; GC; no exec; and real
# traffic leaving with the host's address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_masq_lib.inc"

check "setup v4+v6 for net1/eth0/c1" "$MT" nft-setup net1 eth0 c1 10.1.0.5/16 fd00:1::5/64
RS=$(nft list ruleset)
check_match "table inet cni_plugins_masquerade" "$RS" 'table inet cni_plugins_masquerade \{'
check_match "postrouting is a nat hook at srcnat" "$RS" \
	'type nat hook postrouting priority srcnat; policy accept;'
check_match "postrouting returns for IPv4 multicast" "$RS" 'ip daddr 224\.0\.0\.0/4 return'
check_match "postrouting returns for IPv6 multicast" "$RS" 'ip6 daddr ff00::/8 return'
check_match "postrouting goes to masq_checks" "$RS" 'goto masq_checks'
H=$("$MT" names net1 eth0 c1 | sed -n 's/^nft_hash=//p')
check_match "IPv4 rule with the reference comment" "$RS" \
	"ip saddr 10\.1\.0\.5 ip daddr != 10\.1\.0\.0/16 masquerade comment \"$H, net: net1, if: eth0, id: c1\""
check_match "IPv6 rule with the reference comment" "$RS" \
	"ip6 saddr fd00:1::5 ip6 daddr != fd00:1::/64 masquerade comment \"$H, net: net1, if: eth0, id: c1\""

check "repeated setup succeeds" "$MT" nft-setup net1 eth0 c1 10.1.0.5/16 fd00:1::5/64
check_eq "repeated setup does not duplicate rules" "$(nft_masq_rules | wc -l)" 2
check_eq "postrouting still has exactly 3 rules" \
	"$(nft list chain inet cni_plugins_masquerade postrouting | grep -cE 'return|goto')" 3

check "second attachment (eth1) of the same container" "$MT" nft-setup net1 eth1 c1 10.2.0.5/24
check "second network" "$MT" nft-setup net2 eth0 c2 10.3.0.5/20
check "check passes for net1/eth0/c1" "$MT" nft-check net1 eth0 c1 10.1.0.5/16 fd00:1::5/64
check_not "check fails for an address without a rule" 1 "$MT" nft-check net1 eth0 c1 10.1.0.6/16
check "teardown of net1/eth0/c1 without addresses" "$MT" nft-teardown net1 eth0 c1
R=$(nft_masq_rules)
check_eq "its rules are gone" "$(printf '%s\n' "$R" | grep -c 'if: eth0, id: c1')" 0
check_match "the eth1 attachment's rule survives" "$R" 'if: eth1, id: c1'
check_match "the other network's rule survives (non-byte prefix printed as nft does)" "$R" \
	'ip saddr 10\.3\.0\.5 ip daddr != 10\.3\.0\.0/20 masquerade comment ".*net: net2'
check_not "check fails once the rules are gone" 1 "$MT" nft-check net1 eth0 c1 10.1.0.5/16
check "teardown again is a no-op" "$MT" nft-teardown net1 eth0 c1
check "GC of net1 keeping nothing" "$MT" nft-gc net1
check_eq "GC removed net1's last rule, kept net2's" "$(nft_masq_rules | grep -c 'net: ')" 1
check "GC of net2 keeping c2:eth0" "$MT" nft-gc net2 c2:eth0
check_eq "GC kept the valid attachment" "$(nft_masq_rules | grep -c 'net: net2')" 1

# Teardown when the table was never made.
nft delete table inet cni_plugins_masquerade
check "teardown with no table at all" "$MT" nft-teardown net1 eth0 c1

# Errors are CNI JSON naming the object: a rule for an unknown chain cannot
# happen through the API, so provoke a kernel refusal: a conflicting base
# chain (same name, other hook) makes the batch fail and change nothing.
nft add table inet cni_plugins_masquerade
nft add chain inet cni_plugins_masquerade postrouting '{ type filter hook input priority 0; }'
OUT=$("$MT" nft-setup net1 eth0 c1 10.1.0.5/16)
RC=$?
check_eq "conflicting chain: setup fails" "$RC" 1
check_match "error names the chain and errno" "$(json_get "$OUT" .msg)" \
	'nftables: add chain inet cni_plugins_masquerade postrouting: '
check_eq "nothing half-made (masq_checks not created)" \
	"$(nft list chain inet cni_plugins_masquerade masq_checks >/dev/null 2>&1 && echo yes || echo no)" no
nft delete table inet cni_plugins_masquerade

# Interop with the reference's nftables backend. Debian's reference (v1.1.1)
# predates it, so replay with `nft` the transaction its knftables code
# writes (pkg/ip/ipmasq_nftables_linux.go), and its teardown (list
# masq_checks, delete the rules whose comment starts with the hash).
ref_nft_setup() { # NET IFNAME CID IP SUBNET
	C=$("$MT" names "$1" "$2" "$3" | sed -n 's/^nft_comment=//p')
	nft -f - <<NFT
add table inet cni_plugins_masquerade { comment "Masquerading for plugins from github.com/containernetworking/plugins" ; }
add chain inet cni_plugins_masquerade masq_checks { comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" ; }
add chain inet cni_plugins_masquerade postrouting { type nat hook postrouting priority srcnat ; }
flush chain inet cni_plugins_masquerade postrouting
add rule inet cni_plugins_masquerade postrouting ip daddr == 224.0.0.0/4  return
add rule inet cni_plugins_masquerade postrouting ip6 daddr == ff00::/8  return
add rule inet cni_plugins_masquerade postrouting goto masq_checks
add rule inet cni_plugins_masquerade masq_checks ip saddr == $4 ip daddr != $5 masquerade comment "$C"
NFT
}
ref_nft_teardown() { # NET IFNAME CID
	H=$("$MT" names "$1" "$2" "$3" | sed -n 's/^nft_hash=//p')
	nft -j list chain inet cni_plugins_masquerade masq_checks |
		jq -r --arg h "$H" '.nftables[] | select(.rule) | .rule | select((.comment // "") | startswith($h)) | .handle' |
		while read -r handle; do
			nft delete rule inet cni_plugins_masquerade masq_checks handle "$handle"
		done
}
nft delete table inet cni_plugins_masquerade 2>/dev/null
check "reference-style setup" ref_nft_setup net1 eth0 c1 10.1.0.5 10.1.0.0/16
REFTABLE=$(nft list table inet cni_plugins_masquerade)
check "our teardown of it" "$MT" nft-teardown net1 eth0 c1
check_eq "no rule left" "$(nft_masq_rules | grep -c .)" 0
nft delete table inet cni_plugins_masquerade
check "our setup" "$MT" nft-setup net1 eth0 c1 10.1.0.5/16
check_eq "our table lists exactly as the reference's" "$(nft list table inet cni_plugins_masquerade)" "$REFTABLE"
check "reference-style teardown of ours" ref_nft_teardown net1 eth0 c1
check_eq "no rule left after it" "$(nft_masq_rules | grep -c .)" 0
nft delete table inet cni_plugins_masquerade

# No process is started (netlink only).
strace -f -qq -e trace=execve -o "$T/strace" "$MT" nft-setup net1 eth0 c1 10.1.0.5/16
check_eq "strace: the only execve is masq_tool itself" "$(grep -c execve "$T/strace")" 1
"$MT" nft-teardown net1 eth0 c1

# Real traffic.
check "topology" masq_topology
check_eq "without masquerade the outside sees the container (v4)" \
	"$(seen_from_outside 192.168.200.2)" 10.10.0.2
check_eq "without masquerade the outside sees the container (v6)" \
	"$(seen_from_outside fd20::2)" fd10::2
check "setup for the container" "$MT" nft-setup net1 eth0 ctr 10.10.0.2/24 fd10::2/64
check_eq "with masquerade the outside sees the host (v4)" \
	"$(seen_from_outside 192.168.200.2)" 192.168.200.1
check_eq "with masquerade the outside sees the host (v6)" \
	"$(seen_from_outside fd20::2)" fd20::1
check "teardown" "$MT" nft-teardown net1 eth0 ctr
check_eq "after teardown the outside sees the container again" \
	"$(seen_from_outside 192.168.200.2)" 10.10.0.2
done_testing
