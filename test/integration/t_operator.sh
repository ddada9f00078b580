#!/bin/sh
# The operator command build/bin/cni-bridge (show, leaks, gc) on a node whose
# attachments the real plugins made: a clean node reports nothing; a planted
# stale lease, an orphan veth, orphan nftables and iptables masquerade rules
# and an orphan spoof-check chain are each named (exit 1); live attachments
# never are; gc --dry-run changes nothing; gc removes exactly what leaks
# listed, and leaks is clean afterwards. Also: --json parses, the libnl
# linkage is the operator's alone, errors exit 2.
. "$(dirname "$0")/lib.sh"

OP=$BIN/cni-bridge
MT=$TOOLS/masq_tool
STORE=/var/lib/cni/networks
D=$T/net.d
mkdir -p "$D"
# conflist NAME BRIDGE SUBNET BACKEND: a conflist in $D and the plugin
# object the runtime would pass ($T/NAME.json)
conflist() {
	jq -n --arg n "$1" --arg br "$2" --arg sub "$3" --arg be "$4" \
		'{cniVersion: "1.0.0", name: $n, plugins: [{type: "bridge", bridge: $br,
		  isGateway: true, ipMasq: true, ipMasqBackend: $be, macspoofchk: true,
		  ipam: {type: "host-local", ranges: [[{subnet: $sub}]]}}]}' >"$D/$1.conflist"
	jq '.plugins[0] + {name: .name, cniVersion: .cniVersion}' "$D/$1.conflist" >"$T/$1.json"
}
op() { "$OP" "$@" --conf-dir "$D"; }
# state: everything gc could change, for before/after comparisons
state() {
	ls -la --time-style=+ "$STORE"/* 2>/dev/null | grep -v '\.cni-bridge-index'
	ip -o link show | sed 's/ state .*//' | sort
	nft list ruleset 2>/dev/null
	iptables-save -t nat 2>/dev/null | grep -v '^#'
	ip6tables-save -t nat 2>/dev/null | grep -v '^#'
}
old() { touch -d '2 hours ago' "$@"; }

# libnl belongs to the operator command only
check "cni-bridge links libnl-route-3" sh -c "ldd '$OP' | grep -q libnl-route-3"
check_not "bridge and host-local do not link libnl" 1 sh -c "ldd '$BIN/bridge' '$BIN/host-local' | grep -q libnl"
check_not "cni-bridge defines none of lib/nl's clashing symbols" 1 \
	sh -c "nm '$OP' | grep -Eq ' T (nl_close|nl_dump)\$'"
check "--help names every verb and option" sh -c \
	"'$OP' --help | grep -q 'leaks' && '$OP' --help | grep -q -- '--min-age' && '$OP' --help | grep -q -- '--dry-run'"

# 1. clean node: networks configured, nothing attached
conflist opnet op0 10.77.0.0/24 nftables
conflist opipt op1 10.78.0.0/24 iptables
op leaks >"$T/out" 2>&1
check_eq "clean node: leaks exits 0" $? 0
check_eq "clean node: leaks prints nothing" "$(cat "$T/out")" ""
check "clean node: show exits 0" op show
check_eq "clean node: show --json lists both networks" \
	"$(op show --json | jq -c '[.networks[] | .name, .bridge.present, (.attachments | length)]')" \
	'["opipt",false,0,"opnet",false,0]'

# 2. live attachments
for c in c1 c2 c3; do netns_new $c; done
ours ADD c1 /run/netns/c1 eth0 "$T/opnet.json" && R1=$OUT &&
	ours ADD c2 /run/netns/c2 eth0 "$T/opnet.json" &&
	ours ADD c3 /run/netns/c3 eth0 "$T/opipt.json" && R3=$OUT
check_eq "three ADDs through our bridge" "$RC" 0
op leaks >"$T/out" 2>&1
check_eq "live attachments: leaks exits 0" $? 0
check_eq "live attachments: nothing reported" "$(cat "$T/out")" ""
op show --json >"$T/show.json"
check_eq "show exits 0" $? 0
ip1=$(json_get "$R1" '.ips[0].address' | cut -d/ -f1)
veth1=$(json_get "$R1" '.interfaces[1].name')
mac1=$(json_get "$R1" '.interfaces[2].mac')
check_eq "show: c1's IP, host veth, MAC, netns, container ifname" \
	"$(jq -r '.networks[] | select(.name=="opnet") | .attachments[] | select(.containerID=="c1") |
		"\(.ips[0].address) \(.ips[0].state) \(.hostVeth) \(.mac) \(.netns) \(.containerIfname)"' "$T/show.json")" \
	"$ip1 live $veth1 $mac1 /run/netns/c1 eth0"
check_eq "show: c1's IP is the one on its eth0" "$(ip -n c1 -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)" "$ip1"
check_eq "show: c1's rules (1 nftables rule, spoofchk chain)" \
	"$(jq -c '.networks[] | select(.name=="opnet") | .attachments[] | select(.containerID=="c1") | .rules' "$T/show.json")" \
	'{"nftables":1,"iptables":null,"spoofchk":"c1-eth0"}'
chain3=$("$MT" names opipt eth0 c3 | sed -n 's/^ipt_chain=//p')
check_eq "show: c3's iptables chain and host veth" \
	"$(jq -r '.networks[] | select(.name=="opipt") | .attachments[0] | "\(.containerID) \(.rules.iptables) \(.hostVeth)"' "$T/show.json")" \
	"c3 $chain3 $(json_get "$R3" '.interfaces[1].name')"
check_eq "show: the bridge and its gateway address" \
	"$(jq -r '.networks[] | select(.name=="opnet") | "\(.bridge.name) \(.bridge.present) \(.bridge.addresses | map(select(startswith("10."))) | join(","))"' "$T/show.json")" \
	"op0 true 10.77.0.1/24"
op show >"$T/table"
check_match "show: the table has a row for c1 with its IP and veth" "$(cat "$T/table")" "^  c1 +eth0 +$ip1 +$veth1 "
sed -n 1,4p "$T/table" | sed "s/^/# /"

# 3. plant leaks
printf 'dead1\r\neth0' >"$STORE/opnet/10.77.0.200"
chmod 600 "$STORE/opnet/10.77.0.200"
old "$STORE/opnet/10.77.0.200"
printf 'fresh\r\neth0' >"$STORE/opnet/10.77.0.201"
netns_new o1
ip link add vorph type veth peer name eth0 netns o1
ip link set vorph master op0 up
"$MT" nft-setup opnet eth0 ghost 10.77.0.250/24 >/dev/null
"$MT" ipt-setup opipt ghost2 10.78.0.250/24 >/dev/null
"$MT" spoofchk-setup vorph 02:00:00:00:00:01 ghost3 eth0 >/dev/null
# a lease of an earlier boot: host-local's boot record (plugin/host-local/
# boot.h) naming this boot lists it, so it is of an earlier one; it is fresh,
# but --min-age does not protect such a lease
printf 'old1\r\neth0' >"$STORE/opnet/10.77.0.210"
chmod 600 "$STORE/opnet/10.77.0.210"
printf 'cni-bridge-boot 1 %s\n10.77.0.210 %s old1%%0D%%0Aeth0\n' \
	"$(cat /proc/sys/kernel/random/boot_id)" "$(stat -c %i "$STORE/opnet/10.77.0.210")" \
	>"$STORE/opnet/.cni-bridge-boot"
op leaks >"$T/leaks" 2>&1
check_eq "planted leaks: leaks exits 1" $? 1
sed "s/^/# /" "$T/leaks"
L=$(cat "$T/leaks")
check_match "the stale lease is named" "$L" "^lease +opnet +10\.77\.0\.200 +dead1 +eth0 "
check_match "the orphan veth is named" "$L" "^veth +opnet +vorph "
check_match "the orphan nftables rule is named" "$L" "^nftables +opnet +[0-9a-f-]+ +ghost +eth0 "
ghost2=$("$MT" names opipt eth0 ghost2 | sed -n 's/^ipt_chain=//p')
check_match "the orphan iptables chain is named" "$L" "^iptables +opipt +$ghost2 +ghost2 "
check_match "the orphan spoof-check chain is named" "$L" "^spoofchk +opnet +ghost3-eth0 "
check_match "the earlier-boot lease is named as such" "$L" "^boot +opnet +10\.77\.0\.210 +old1 +eth0 +made in an earlier boot"
check_eq "nothing else is reported (6 leaks)" "$(tail -n +2 "$T/leaks" | wc -l)" 6
check_eq "no live attachment and no new lease is reported" \
	"$(grep -cE " (c1|c2|c3|fresh) " "$T/leaks")" 0
op leaks --min-age 0 >"$T/out"
check_match "--min-age 0 also names the fresh lease" "$(cat "$T/out")" "^lease +opnet +10\.77\.0\.201 +fresh "
rm "$STORE/opnet/10.77.0.201"
op leaks --json >"$T/leaks.json"
check_eq "leaks --json exits 1 and parses" "$?/$(jq -c '[.leaks[].kind] | sort' "$T/leaks.json")" \
	'1/["boot","iptables","lease","nftables","spoofchk","veth"]'
check_eq "leaks --json: no errors" "$(jq -c .errors "$T/leaks.json")" "[]"

# valgrind sees what ASan does not (uninitialised reads), over the planted
# state; not in the sanitizer pass (valgrind cannot run ASan binaries)
if [ -z "${ASAN_OPTIONS:-}" ] && command -v valgrind >/dev/null; then
	for v in "show 0" "leaks 1" "gc:--dry-run 1"; do
		set -- $v
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--log-file="$T/vg" "$OP" $(echo "$1" | tr : ' ') --conf-dir "$D" >/dev/null 2>&1
		check_eq "cni-bridge $1 under valgrind: exit $2, no error" \
			"$?/$(grep -cE '^==[0-9]+== +(Invalid|Conditional|Use of uninit|Syscall param|[0-9,]+ bytes in [0-9,]+ blocks are definitely)' "$T/vg")" "$2/0"
	done
fi

# 4. gc --dry-run changes nothing
state >"$T/before"
op gc --dry-run >"$T/dry" 2>&1
check_eq "gc --dry-run exits 1 (something to release)" $? 1
state >"$T/after"
check "gc --dry-run changes nothing" cmp -s "$T/before" "$T/after"
check_eq "gc --dry-run lists what leaks lists" "$(tail -n +2 "$T/dry" | awk '{print $1, $2, $3}')" \
	"$(tail -n +2 "$T/leaks" | awk '{print $1, $2, $3}')"

# 5. gc
op show --json | jq -S '[.networks[] | .attachments[] | select(.containerID != "dead1" and .containerID != "old1")]' >"$T/live.before"
op gc --json >"$T/gc.json"
check_eq "gc exits 0" $? 0
check_eq "gc --json lists exactly what leaks --json listed" \
	"$(jq -S -c .leaks "$T/gc.json")" "$(jq -S -c .leaks "$T/leaks.json")"
op leaks >"$T/out" 2>&1
check_eq "after gc: leaks exits 0" $? 0
check_eq "after gc: leaks prints nothing" "$(cat "$T/out")" ""
check_not "the stale lease file is gone" 1 test -e "$STORE/opnet/10.77.0.200"
check_not "the earlier-boot lease file is gone" 1 test -e "$STORE/opnet/10.77.0.210"
check_not "the orphan veth is gone" 1 ip link show vorph
check_not "the orphan nftables rule is gone" 1 sh -c "nft list chain inet cni_plugins_masquerade masq_checks | grep -q 'id: ghost\"'"
check_not "the orphan iptables chain is gone" 1 sh -c "iptables-save -t nat | grep -q '$ghost2'"
check_not "the orphan spoof-check chains are gone" 1 sh -c "nft list table bridge nat | grep -q ghost3"
op show --json | jq -S '[.networks[] | .attachments[]]' >"$T/live.after"
check "the live attachments are untouched (show --json equal)" cmp -s "$T/live.before" "$T/live.after"
check "c1 still reaches its gateway" ip netns exec c1 ping -c1 -W2 10.77.0.1
for c in c1 c2; do ours DEL $c /run/netns/$c eth0 "$T/opnet.json"; done
ours DEL c3 /run/netns/c3 eth0 "$T/opipt.json"
op leaks >"$T/out" 2>&1
check_eq "after DEL of everything: leaks exits 0" "$?/$(cat "$T/out")" "0/"

# 6. a netns deleted under a live container: its lease and rules leak. The
# kernel tears a deleted netns down later, taking the veth along; leaks runs
# at once, so it usually meets the veth still there, naming a peer netns no
# path leads to. Five rounds, each judged the same whatever the timing.
still=0
for r in 1 2 3 4 5; do
	[ -e /run/netns/c2 ] || netns_new c2
	ours ADD c2 /run/netns/c2 eth0 "$T/opnet.json"
	ip netns del c2
	ip link show | grep -q "master op0" && still=$((still + 1))
	op leaks --json --min-age 0 >"$T/l.json" 2>"$T/l.err"
	rc=$?
	check_eq "deleted netns (round $r): its lease leaks with its attachment's rules kept for gc" \
		"$rc/$(jq -c '[.leaks[] | "\(.kind) \(.containerID)"]' "$T/l.json")" '1/["lease c2"]'
	[ "$rc" = 1 ] || diag "errors: $(jq -c .errors "$T/l.json") $(cat "$T/l.err")"
	check_eq "its masquerade rule and spoof-check chains are still there (round $r)" \
		"$(nft list ruleset | grep -c 'id: c2"')/$(nft list ruleset | grep -c 'chain cni-br-iface-c2-eth0')" "1/2"
	op gc --min-age 0 >/dev/null 2>&1
	check_eq "gc releases the lease and the rules DEL would remove (round $r)" \
		"$(ls "$STORE/opnet" | grep -c '^10\.')/$(nft list ruleset | grep -cE 'id: c2"|c2-eth0')" "0/0"
	# the next round's veth must not meet this one's
	for _ in $(seq 50); do ip link show | grep -q "master op0" || break; sleep 0.1; done
done
diag "rounds in which the deleted netns's veth was still on op0 as leaks started: $still of 5"

# a netns unmounted but held open by a process: alive, and no path leads to
# it, so its leases cannot be judged (exit 2, the veth named); once the
# holder exits, the lease leaks like any other
netns_new c4
ours ADD c4 /run/netns/c4 eth0 "$T/opnet.json"
sleep 60 3</run/netns/c4 &
holder=$!
ip netns del c4
op leaks --min-age 0 >/dev/null 2>"$T/l.err"
check_eq "a held, unmounted netns: leaks exits 2 and says it cannot find the peer's netns" \
	"$?/$(grep -c 'in a netns this command cannot find' "$T/l.err")" "2/1"
check "the held netns's veth is still there" sh -c "ip link show | grep -q 'master op0'"
kill $holder
wait $holder 2>/dev/null
for _ in $(seq 50); do ip link show | grep -q "master op0" || break; sleep 0.1; done
op leaks --json --min-age 0 >"$T/l.json" 2>/dev/null
check_eq "the holder gone: its lease leaks" \
	"$?/$(jq -c '[.leaks[] | "\(.kind) \(.containerID)"]' "$T/l.json")" '1/["lease c4"]'
op gc --min-age 0 >/dev/null 2>&1
check_eq "gc releases it" "$(ls "$STORE/opnet" | grep -c '^10\.')" "0"

# 7. errors exit 2
"$OP" leaks --conf-dir "$T/none" >/dev/null 2>&1
check_eq "a missing conf dir: exit 2" $? 2
op show nosuchnet >/dev/null 2>&1
check_eq "an unknown network: exit 2" $? 2
"$OP" frobnicate >/dev/null 2>&1
check_eq "an unknown command: exit 2" $? 2
echo '{"name": "broken", "plugins": [' >"$D/99-broken.conflist"
op leaks >/dev/null 2>"$T/err"
check_eq "an unparsable conflist: exit 2, named" "$?/$(grep -c 99-broken "$T/err")" "2/1"
rm "$D/99-broken.conflist"

# 8. make install puts it in $(DESTDIR)$(SBIN_DIR)
if command -v make >/dev/null; then
	NO="-o $BUILD/bin/bridge -o $BUILD/bin/host-local -o $OP"
	make -s -C "$TOP" BUILD="$BUILD" DESTDIR="$T/dest" $NO install >/dev/null 2>&1
	check "make install: /usr/local/sbin/cni-bridge, byte for byte" cmp -s "$OP" "$T/dest/usr/local/sbin/cni-bridge"
	make -s -C "$TOP" BUILD="$BUILD" DESTDIR="$T/dest" SBIN_DIR=/sbin $NO install >/dev/null 2>&1
	check "make install SBIN_DIR=/sbin" test -x "$T/dest/sbin/cni-bridge"
fi
done_testing
