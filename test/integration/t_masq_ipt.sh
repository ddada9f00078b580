#!/bin/sh
# lib/ipt masquerade (through test/tools/masq_tool): the reference's chain,
# rules and comments in table nat; one iptables-restore per family; repeated
# setup replaces instead of duplicating; teardown without addresses; other
# containers and networks untouched; real traffic; interop with the
# reference bridge (Debian's v1.1.1, which runs the iptables binary).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_masq_lib.inc"

nat4() { iptables-save -t nat | grep -v '^#'; }
nat6() { ip6tables-save -t nat | grep -v '^#'; }
chain_of() { "$MT" names "$1" x "$2" | sed -n 's/^ipt_chain=//p'; }
C1=$(chain_of net1 c1)
Q='"name: \\"net1\\" id: \\"c1\\""'

check "iptables usable" "$MT" ipt-usable
check "setup v4 (two addresses) + v6" "$MT" ipt-setup net1 c1 10.1.0.5/16 10.2.0.7/24 fd00:1::5/64
N4=$(nat4)
N6=$(nat6)
check_eq "chain name is CNI- + 24 hex" "$(printf '%s' "$C1" | grep -cE '^CNI-[0-9a-f]{24}$')" 1
check_match "chain declared in nat" "$N4" "^:$C1 - "
check_match "POSTROUTING jump per IPv4 address, reference comment" "$N4" \
	"^-A POSTROUTING -s 10\.1\.0\.5/32 -m comment --comment $Q -j $C1\$"
check_match "second IPv4 address jumps too" "$N4" "^-A POSTROUTING -s 10\.2\.0\.7/32 .* -j $C1\$"
check_match "ACCEPT to the first subnet" "$N4" "^-A $C1 -d 10\.1\.0\.0/16 -m comment --comment $Q -j ACCEPT\$"
check_match "ACCEPT to the second subnet" "$N4" "^-A $C1 -d 10\.2\.0\.0/24 .* -j ACCEPT\$"
check_match "MASQUERADE except multicast" "$N4" "^-A $C1 ! -d 224\.0\.0\.0/4 -m comment --comment $Q -j MASQUERADE\$"
check_eq "both ACCEPTs come before the MASQUERADE" \
	"$(printf '%s\n' "$N4" | grep "^-A $C1" | awk '{print $NF}' | tr '\n' ,)" "ACCEPT,ACCEPT,MASQUERADE,"
check_match "IPv6 jump in ip6tables" "$N6" "^-A POSTROUTING -s fd00:1::5/128 .* -j $C1\$"
check_match "IPv6 MASQUERADE except ff00::/8" "$N6" "^-A $C1 ! -d ff00::/8 .* -j MASQUERADE\$"

check "repeated setup succeeds" "$MT" ipt-setup net1 c1 10.1.0.5/16 10.2.0.7/24 fd00:1::5/64
check_eq "no duplicated jumps or chain rules (decl + 2 jumps + 3 rules)" "$(nat4 | grep -c "$C1")" 6
check "repeated setup with one address dropped" "$MT" ipt-setup net1 c1 10.1.0.5/16
check_eq "the dropped address's jump is gone" "$(nat4 | grep -c "^-A POSTROUTING -s 10\.2\.0\.7")" 0

check "another container, same network" "$MT" ipt-setup net1 c2 10.1.0.6/16
check "another network" "$MT" ipt-setup net2 c1 10.3.0.5/24
check "check passes" "$MT" ipt-check net1 c1 10.1.0.5/16
check "teardown of net1/c1 without addresses" "$MT" ipt-teardown net1 c1
check_eq "its chain and jumps are gone (v4)" "$(nat4 | grep -c "$C1")" 0
check_eq "its chain and jumps are gone (v6)" "$(nat6 | grep -c "$C1")" 0
check_match "the other container survives" "$(nat4)" "-A POSTROUTING -s 10\.1\.0\.6/32 .* -j $(chain_of net1 c2)\$"
check_match "the other network survives" "$(nat4)" "-A POSTROUTING -s 10\.3\.0\.5/32 .* -j $(chain_of net2 c1)\$"
check_not "check fails once gone" 1 "$MT" ipt-check net1 c1 10.1.0.5/16
check "teardown again is a no-op" "$MT" ipt-teardown net1 c1
"$MT" ipt-teardown net1 c2
"$MT" ipt-teardown net2 c1
check_eq "all gone" "$(nat4 | grep -c 'CNI-')" 0

# GC: keep the listed containers of one network, touch no other network.
"$MT" ipt-setup net1 c1 10.1.0.5/16 fd00:1::5/64
"$MT" ipt-setup net1 c2 10.1.0.6/16
"$MT" ipt-setup net1 c3 10.1.0.7/16
"$MT" ipt-setup net2 c1 10.3.0.5/24
check "GC of net1 keeping c2" "$MT" ipt-gc net1 c2:eth0
check_eq "GC removed c1 (both families) and c3, kept c2 and net2" \
	"$(nat4 | grep -c "$C1")/$(nat6 | grep -c "$C1")/$(nat4 | grep -c "$(chain_of net1 c3)")/$(nat4 | grep -c "$(chain_of net1 c2)")/$(nat4 | grep -c "$(chain_of net2 c1)")" \
	0/0/0/4/4
check "GC of net1 keeping nothing" "$MT" ipt-gc net1
check_eq "only net2 is left" "$(nat4 | grep -c 'CNI-')" 4
"$MT" ipt-teardown net2 c1

# One process per family on the common path.
strace -f -qq -e trace=execve -o "$T/strace" "$MT" ipt-setup net1 c1 10.1.0.5/16 fd00:1::5/64
check_eq "setup execs exactly iptables-restore and ip6tables-restore" \
	"$(grep -o 'execve("[^"]*"' "$T/strace" | sed 's/.*\///; s/"//' | grep -v masq_tool | sort | tr '\n' ,)" \
	"ip6tables-restore,iptables-restore,"
strace -f -qq -e trace=execve -o "$T/strace" "$MT" ipt-teardown net1 c1
check_eq "teardown execs iptables-save + -restore per family" \
	"$(grep -o 'execve("[^"]*"' "$T/strace" | sed 's/.*\///; s/"//' | grep -v masq_tool | sort | tr '\n' ,)" \
	"ip6tables-restore,ip6tables-save,iptables-restore,iptables-save,"
strace -f -qq -e trace=execve -o "$T/strace" "$MT" ipt-teardown net1 c1
check_eq "teardown with nothing to remove starts no process" "$(grep -c execve "$T/strace")" 1

# A missing tool is a clear error.
OUT=$(PATH=/nonexistent "$MT" ipt-setup net1 c1 10.1.0.5/16)
check_match "missing iptables-restore: error names it" "$(json_get "$OUT" .msg)" \
	'iptables-restore not found in PATH'

# Real traffic through the iptables rules.
check "topology" masq_topology
check_eq "without masquerade the outside sees the container" "$(seen_from_outside 192.168.200.2)" 10.10.0.2
check "setup for the container" "$MT" ipt-setup net1 ctr 10.10.0.2/24 fd10::2/64
check_eq "with masquerade the outside sees the host (v4)" "$(seen_from_outside 192.168.200.2)" 192.168.200.1
check_eq "with masquerade the outside sees the host (v6)" "$(seen_from_outside fd20::2)" fd20::1
check "teardown" "$MT" ipt-teardown net1 ctr
check_eq "after teardown the outside sees the container again" "$(seen_from_outside 192.168.200.2)" 10.10.0.2

# Interop with the reference bridge.
refconf() { # FILE IPMASQ
	cat >"$1" <<JSON
{"cniVersion":"0.4.0","name":"refnet","type":"bridge","bridge":"cni9","isGateway":true,
 "ipMasq":$2,"ipam":{"type":"host-local","subnet":"10.99.0.0/24"}}
JSON
}
refconf "$T/masq.json" true
refconf "$T/nomasq.json" false
RC9=$(chain_of refnet r1)
netns_new r1
ref ADD r1 /run/netns/r1 eth0 "$T/masq.json"
check_eq "reference ADD with ipMasq" "$RC" 0
IP=$(json_get "$OUT" '.ips[0].address')
REFRULES=$(nat4 | grep -- "$RC9" | sort)
check_match "reference made the chain our names predict" "$REFRULES" "^:$RC9 "
check "our teardown (no addresses) of the reference's rules" "$MT" ipt-teardown refnet r1
check_eq "no rule or chain left" "$(nat4 | grep -c -- "$RC9")" 0
# The reference's own DEL would now fail: with iptables 1.8.9 its "-D ...
# -j <missing chain>" exits 2, which go-iptables v1.1.1 does not take for
# "does not exist". Release the container without ipMasq instead.
ref DEL r1 /run/netns/r1 eth0 "$T/nomasq.json"
check_eq "reference DEL (without ipMasq) releases the container" "$RC" 0

ref ADD r1 /run/netns/r1 eth0 "$T/nomasq.json"
IP=$(json_get "$OUT" '.ips[0].address')
check "our setup for the reference's container" "$MT" ipt-setup refnet r1 "$IP"
same_ip() { sed 's/-s 10\.99\.0\.[0-9]*\/32/-s IP/'; }
check_eq "our rules are the reference's rules, line for line" \
	"$(nat4 | grep -- "$RC9" | sort | same_ip)" "$(printf '%s\n' "$REFRULES" | same_ip)"
ref DEL r1 /run/netns/r1 eth0 "$T/masq.json"
check_eq "reference DEL succeeds on our rules" "$RC" 0
check_eq "reference DEL removed all of our rules" "$(nat4 | grep -c -- "$RC9")" 0
done_testing
