#!/bin/sh
# CNI 1.1 GC through our bridge and host-local (issue 6): 10 attachments,
# GC keeping 4: the other 6 lose their leases, masquerade rules (nftables,
# then iptables) and spoof-check chains; the 4 keep working; a second
# network (sharing one container ID) is untouched. Then: an empty list with
# the misspelled key, no list at all, a config below 1.1.0 (code 1),
# legacy ID-only leases, files GC must never touch, DEL after GC, a lease
# that cannot be removed.
# cnitool (libcni 1.1.2) has no gc command, so GC is exec'd directly.
. "$(dirname "$0")/lib.sh"

STORE=/var/lib/cni/networks
MT=$TOOLS/masq_tool
# conf FILE NAME BRIDGE SUBNET BACKEND [EXTRA-JQ]
conf() {
	jq -n --arg n "$2" --arg br "$3" --arg sub "$4" --arg be "$5" \
		'{cniVersion: "1.1.0", name: $n, type: "bridge", bridge: $br, isGateway: true,
		  ipMasq: true, ipMasqBackend: $be, macspoofchk: true,
		  ipam: {type: "host-local", ranges: [[{subnet: $sub}]]}}' | jq "${6:-.}" >"$1"
}
# gc_req FILE CONF JSON-LIST [KEY]: CONF plus the attachment list
gc_req() {
	jq --argjson l "$3" --arg k "${4:-cni.dev/valid-attachments}" '. + {($k): $l}' "$2" >"$1"
}
# valid N...: [{"containerID": "cN", "ifname": "eth0"}, ...]
valid() { for i in "$@"; do echo "c$i"; done | jq -R '{containerID: ., ifname: "eth0"}' | jq -sc .; }
gc() { ours GC "" "" "" "$1"; }
# owners NET: "id/ifname" of every lease file (named like an address), sorted
owners() {
	for f in "$STORE/$1"/*; do
		case ${f##*/} in lock | last_reserved_ip.* | '*') continue ;; esac
		tr -d '\r' <"$f" | tr '\n' / && echo
	done | sort | tr '\n' ' '
}
nft_ids() { # NET: container IDs with a masquerade rule, sorted
	nft list chain inet cni_plugins_masquerade masq_checks 2>/dev/null |
		sed -n "s/.*net: $1, if: eth[0-9], id: \\([^\"]*\\)\".*/\\1/p" | sort -u | tr '\n' ' '
}
ipt_chains() { # NET ID...: how many of these containers have a CNI- chain
	_net=$1
	shift
	_n=0
	for _id in "$@"; do
		_c=$("$MT" names "$_net" x "$_id" | sed -n 's/^ipt_chain=//p')
		iptables-save -t nat | grep -q "^:$_c " && _n=$((_n + 1))
	done
	echo $_n
}
spoof_ids() { # the refids ("cid-ifname") with a spoof-check jump, sorted
	nft list chain bridge nat PREROUTING 2>/dev/null |
		sed -n 's/.*comment "macspoofchk-\(.*\)".*/\1/p' | sort | tr '\n' ' '
}
# store_files DIR: the file names in DIR but lock and last_reserved_ip.*, sorted
store_files() {
	for f in "$1"/*; do
		case ${f##*/} in lock | last_reserved_ip.* | '*') ;; *) echo "${f##*/}" ;; esac
	done | sort | tr '\n' ' '
}
ip_of() { ip -n "$1" -4 -o addr show dev "${2:-eth0}" | awk '{print $4}' | cut -d/ -f1; }

for i in 0 1 2 3 4 5 6 7 8 9; do netns_new "c$i"; done
netns_new o1
netns_new o2

for B in nftables iptables; do
	# the bridge runs our host-local in-process; the second round execs it
	[ $B = iptables ] && export CNI_IPAM_NO_INPROC=1
	conf "$T/a.json" gcnet gc0 10.90.0.0/24 $B
	conf "$T/b.json" gcother gc1 10.91.0.0/24 $B
	n=0
	for i in 0 1 2 3 4 5 6 7 8 9; do
		ours ADD "c$i" "/run/netns/c$i" eth0 "$T/a.json" && n=$((n + 1))
	done
	check_eq "$B: 10 ADDs on gcnet" $n 10
	ours ADD o1 /run/netns/o1 eth0 "$T/b.json" && ours ADD o2 /run/netns/o2 eth0 "$T/b.json" &&
		ours ADD c0 /run/netns/c0 eth1 "$T/b.json"
	check_eq "$B: 3 ADDs on gcother (one shares c0)" "$RC" 0
	B_OWNERS=$(owners gcother)
	B_RULES="$(nft_ids gcother)/$(ipt_chains gcother o1 o2 c0)"
	check_eq "$B: 10 leases on gcnet" "$(owners gcnet | wc -w)" 10
	# c9's netns goes away before GC, as the spec expects of a stale one:
	# its host veth vanishes, its spoof-check rule becomes an orphan.
	ip netns del c9

	gc_req "$T/gc.json" "$T/a.json" "$(valid 0 1 2 3)"
	gc "$T/gc.json"
	check_eq "$B: GC keeping 4 succeeds" "$RC" 0
	check_match "$B: GC says what it released" "$ERR" 'gcnet: 6 leases released, 4 kept'
	check_eq "$B: only the 4 valid leases remain" "$(owners gcnet)" \
		"c0/eth0 c1/eth0 c2/eth0 c3/eth0 "
	if [ $B = nftables ]; then
		check_eq "$B: masquerade rules of the 4 only" "$(nft_ids gcnet)" "c0 c1 c2 c3 "
	else
		check_eq "$B: masquerade chains of the 4 only" \
			"$(ipt_chains gcnet 0 1 2 3 4 5 6 7 8 9 | tr -d ' ')/$(ipt_chains gcnet c0 c1 c2 c3)/$(ipt_chains gcnet c4 c5 c6 c7 c8 c9)" \
			"0/4/0"
		check_eq "$B: no POSTROUTING jump to a removed chain" \
			"$(iptables-save -t nat | grep -c '^-A POSTROUTING')" 7
	fi
	check_eq "$B: spoof-check chains of the 4 and of gcother only" "$(spoof_ids)" \
		"c0-eth0 c0-eth1 c1-eth0 c2-eth0 c3-eth0 o1-eth0 o2-eth0 "
	check_eq "$B: no stale spoof-check chain left" \
		"$(nft list table bridge nat | grep -c 'chain cni-br-iface-c[4-9]')" 0
	check "$B: c0 reaches its gateway" ip netns exec c0 ping -c1 -W2 10.90.0.1
	check "$B: c3 reaches c0" ip netns exec c3 ping -c1 -W2 "$(ip_of c0)"
	check "$B: c1 reaches c2" ip netns exec c1 ping -c1 -W2 "$(ip_of c2)"
	check_eq "$B: gcother's leases untouched" "$(owners gcother)" "$B_OWNERS"
	check_eq "$B: gcother's masquerade rules untouched" \
		"$(nft_ids gcother)/$(ipt_chains gcother o1 o2 c0)" "$B_RULES"
	check "$B: gcother still carries traffic" ip netns exec o1 ping -c1 -W2 "$(ip_of o2)"

	# The 6 freed addresses are handed out again.
	ours ADD c4 /run/netns/c4 eth1 "$T/a.json"
	check_eq "$B: ADD after GC" "$RC" 0
	ours DEL c4 /run/netns/c4 eth1 "$T/a.json"
	# The runtime still sends DEL for what GC cleaned: it must succeed.
	ours DEL c5 /run/netns/c5 eth0 "$T/a.json"
	check_eq "$B: DEL of a GC'd attachment succeeds" "$RC" 0
	ours DEL c9 "" eth0 "$T/a.json"
	check_eq "$B: DEL of a GC'd attachment without netns succeeds" "$RC" 0

	# Empty list, misspelled key: gcother loses everything, gcnet nothing.
	gc_req "$T/gc.json" "$T/b.json" '[]' cni.dev/attachments
	gc "$T/gc.json"
	check_eq "$B: GC with an empty cni.dev/attachments succeeds" "$RC" 0
	check_eq "$B: every gcother lease released" "$(owners gcother)" ""
	check_eq "$B: every gcother masquerade rule removed" \
		"$(nft_ids gcother)/$(ipt_chains gcother o1 o2 c0)" "/0"
	check_eq "$B: gcother's spoof-check chains removed, gcnet's kept" "$(spoof_ids)" \
		"c0-eth0 c1-eth0 c2-eth0 c3-eth0 "
	check_eq "$B: gcnet untouched" "$(owners gcnet)" "c0/eth0 c1/eth0 c2/eth0 c3/eth0 "
	check_eq "$B: lock and last_reserved_ip kept" \
		"$(test -f "$STORE/gcother/lock" && test -f "$STORE/gcother/last_reserved_ip.0" && echo yes)" yes
	check "$B: the lease index is kept" test -f "$STORE/gcother/.cni-bridge-index"

	for i in 0 1 2 3 4 5 6 7 8; do ours DEL "c$i" "/run/netns/c$i" eth0 "$T/a.json"; done
	for c in o1 o2; do ours DEL $c /run/netns/$c eth0 "$T/b.json"; done
	ours DEL c0 /run/netns/c0 eth1 "$T/b.json"
	check_eq "$B: all gone after DEL" "$(owners gcnet)$(owners gcother)$(nft_ids gcnet)$(spoof_ids)" ""
	netns_new c9
done
unset CNI_IPAM_NO_INPROC

# No list at all: nothing to compare against, so nothing is released.
conf "$T/a.json" gcnet gc0 10.90.0.0/24 nftables
ours ADD c0 /run/netns/c0 eth0 "$T/a.json"
gc "$T/a.json"
check_eq "GC without an attachment list succeeds" "$RC" 0
check_eq "and releases nothing" "$(owners gcnet)" "c0/eth0 "
check_eq "and removes no rule" "$(nft_ids gcnet)/$(spoof_ids)" "c0 /c0-eth0 "

# Below 1.1.0 GC does not exist: code 1, nothing changes.
for v in 1.0.0 0.4.0; do
	jq --arg v $v '(.cniVersion = $v) + {"cni.dev/valid-attachments": []}' "$T/a.json" >"$T/old.json"
	gc "$T/old.json"
	check_eq "GC at $v: code 1" "$(json_get "$OUT" .code)" 1
	check_eq "GC at $v: nothing released" "$(owners gcnet)" "c0/eth0 "
done

# The valid list's own key, with a list that keeps c0 but on another ifname.
gc_req "$T/gc.json" "$T/a.json" '[{"containerID": "c0", "ifname": "eth7"}]'
gc "$T/gc.json"
check_eq "GC matches on (containerID, ifname), not the ID alone" "$(owners gcnet)$(nft_ids gcnet)" ""
ours DEL c0 /run/netns/c0 eth0 "$T/a.json"

# host-local on its own: legacy ID-only leases, files that are not leases.
HL=$T/hl.json
jq -n '{cniVersion: "1.1.0", name: "hlgc", ipam: {type: "host-local",
	ranges: [[{subnet: "10.92.0.0/24"}]]}}' >"$HL"
hl() { cni "$BIN" host-local "$@"; }
hl ADD x1 /run/netns/c1 eth0 "$HL"
hl ADD x2 /run/netns/c2 eth0 "$HL"
S=$STORE/hlgc
printf 'old1' >"$S/10.92.0.200"
printf 'old2' >"$S/10.92.0.201"
printf 'x3\r\neth0' >"$S/fd00::5"
printf 'x9\r\neth0' >"$S/notes.txt"
gc_req "$T/gc.json" "$HL" '[{"containerID": "x1", "ifname": "eth0"},
	{"containerID": "old1", "ifname": "eth3"}]'
hl GC "" "" "" "$T/gc.json"
check_eq "host-local GC succeeds" "$RC" 0
check_eq "legacy lease kept by its ID, the other released; any family" \
	"$(store_files "$S")" \
	"10.92.0.2 10.92.0.200 notes.txt "
hl CHECK x2 /run/netns/c2 eth0 "$HL"
check_eq "CHECK of a released attachment fails" "$RC" 1
gc_req "$T/gc.json" "$HL" '[]'
hl GC "" "" "" "$T/gc.json"
check_eq "empty list: everything released but non-address files" \
	"$(store_files "$S")" "notes.txt "
rm -rf "$STORE/nostore"
jq '.name = "nostore"' "$T/gc.json" >"$T/gc2.json"
hl GC "" "" "" "$T/gc2.json"
check_eq "GC of a network without a store succeeds" "$RC" 0
check "and creates no store" test ! -e "$STORE/nostore"

# A lease GC cannot remove does not stop the others; all are reported.
hl ADD y1 /run/netns/c1 eth0 "$HL"
hl ADD y2 /run/netns/c2 eth0 "$HL"
hl ADD y3 /run/netns/c3 eth0 "$HL"
# a mount point cannot be unlinked (EBUSY)
printf 'y9\r\neth0' >"$T/pinned" && touch "$S/10.92.0.99" && mount --bind "$T/pinned" "$S/10.92.0.99"
hl GC "" "" "" "$T/gc.json"
check_eq "an unremovable lease: GC fails" "$(json_get "$OUT" .code)" 999
check_match "naming it" "$(json_get "$OUT" .msg)" 'remove lease 10\.92\.0\.99: '
check_eq "the removable ones are released anyway" \
	"$(store_files "$S")" "10.92.0.99 notes.txt "
umount "$S/10.92.0.99"
done_testing
