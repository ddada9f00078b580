#!/bin/sh
# cni-bridge leaks and gc over real crash debris: ADDs SIGKILLed at a random
# instant (up to 1.2 x a whole ADD's time) with no DEL after them, as when
# the runtime died too, and a third of the pods' netns deleted afterwards. What leaks names must be
# exactly what the store, the kernel and the rule tables show to be leaked
# (computed here independently with ip, nft and iptables-save); gc must
# remove exactly that; then DEL of the survivors leaves nothing.
# env: OP_CHAOS_ROUNDS (default 40).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

OP=$BIN/cni-bridge
MT=$TOOLS/masq_tool
STORE=/var/lib/cni/networks
ROUNDS=${OP_CHAOS_ROUNDS:-40}
D=$T/net.d
mkdir -p "$D"
for n in knft:ko0:10.83.0.0/24:nftables kipt:ko1:10.84.0.0/24:iptables; do
	IFS=: read -r name br sub be <<-EOF2
		$n
	EOF2
	jq -n --arg n "$name" --arg br "$br" --arg sub "$sub" --arg be "$be" \
		'{cniVersion: "1.0.0", name: $n, plugins: [{type: "bridge", bridge: $br,
		  isGateway: true, ipMasq: true, ipMasqBackend: $be, macspoofchk: ($be == "nftables"),
		  ipam: {type: "host-local", ranges: [[{subnet: $sub}]]}}]}' >"$D/$name.conflist"
	jq '.plugins[0] + {name: .name, cniVersion: .cniVersion}' "$D/$name.conflist" >"$T/$name.json"
done
net_of() { [ $(($1 % 2)) = 0 ] && echo knft || echo kipt; }

# Calibrate: the kill window is 1.2 x the median time of a whole ADD (of 3;
# the sanitizer build is several times slower).
netns_new cal
for r in 1 2 3; do
	t0=$(date +%s%N)
	ours ADD cal /run/netns/cal eth0 "$T/knft.json"
	echo $((($(date +%s%N) - t0) / 1000000))
	ours DEL cal /run/netns/cal eth0 "$T/knft.json"
done | sort -n >"$T/cal"
ip netns del cal
MAX_MS=$(($(sed -n 2p "$T/cal") * 6 / 5 + 2))
diag "a whole ADD takes $(sed -n 2p "$T/cal") ms (median of 3): kills at 1..$MAX_MS ms"
killed=0 deleted=0
i=1
while [ $i -le "$ROUNDS" ]; do
	netns_new "x$i"
	ms=$(shuf -i 1-"$MAX_MS" -n 1)
	env CNI_COMMAND=ADD CNI_CONTAINERID="x$i" CNI_NETNS="/run/netns/x$i" CNI_IFNAME=eth0 \
		CNI_PATH="$BIN" timeout -s KILL "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))" "$BIN/bridge" \
		<"$T/$(net_of $i).json" >/dev/null 2>&1
	[ $? = 137 ] && killed=$((killed + 1))
	if [ $((i % 3)) = 0 ]; then
		ip netns del "x$i"
		deleted=$((deleted + 1))
	fi
	i=$((i + 1))
done
diag "$ROUNDS ADDs, $killed killed mid-way, $deleted netns deleted afterwards"
check "some ADDs were killed mid-way ($killed of $ROUNDS)" [ "$killed" -gt 0 ]

# The kernel reaps the veths of deleted namespaces asynchronously: wait
# until every host veth's peer is in a namespace that still exists.
live_peers() { for n in $(ls /run/netns); do ip -n "$n" -o link show type veth; done | wc -l; }
w=0
while [ "$(host_veths)" != "$(live_peers)" ] && [ $w -lt 100 ]; do
	sleep 0.1
	w=$((w + 1))
done
check_eq "settled: every host veth has its peer in a live netns" "$(host_veths)" "$(live_peers)"

# Ground truth. held: "net ip" of every address on a bridge-port veth's peer.
held() {
	for n in $(ls /run/netns); do
		idx=$(ip -n "$n" -o link show eth0 2>/dev/null | sed -n 's/.*eth0@if\([0-9]*\):.*/\1/p')
		[ -n "$idx" ] || continue
		br=$(ip -o link show | awk -v i="$idx:" '$1 == i' | sed -n 's/.* master \([^ ]*\) .*/\1/p')
		case $br in ko0) net=knft ;; ko1) net=kipt ;; *) continue ;; esac
		for a in $(ip -n "$n" -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1); do
			echo "$net $a $n $idx"
		done
	done
}
held >"$T/held"
expected() {
	for net in knft kipt; do
		for f in "$STORE/$net"/10.*; do
			[ -e "$f" ] || continue
			ip=${f##*/}
			grep -q "^$net $ip " "$T/held" || echo "lease $net $ip"
		done
	done
	# bridge ports whose peer has no leased address (an unleased address counts as none)
	for n in $(ls /run/netns); do
		idx=$(ip -n "$n" -o link show eth0 2>/dev/null | sed -n 's/.*eth0@if\([0-9]*\):.*/\1/p')
		[ -n "$idx" ] || continue
		line=$(ip -o link show | awk -v i="$idx:" '$1 == i')
		veth=$(printf '%s' "$line" | awk '{print $2}' | sed 's/@.*//')
		br=$(printf '%s' "$line" | sed -n 's/.* master \([^ ]*\) .*/\1/p')
		case $br in ko0) net=knft ;; ko1) net=kipt ;; *) continue ;; esac
		leased=no
		for a in $(awk -v n="$n" '$3 == n {print $2}' "$T/held"); do
			[ -e "$STORE/$net/$a" ] && leased=yes
		done
		[ $leased = no ] && echo "veth $net $veth"
	done
	# rules of containers that hold no lease in that network
	for id in $(nft list chain inet cni_plugins_masquerade masq_checks 2>/dev/null |
		sed -n 's/.*id: \(x[0-9]*\)".*/\1/p' | sort -u); do
		grep -lq "^$id" "$STORE"/knft/10.* 2>/dev/null ||
			echo "nftables knft $("$MT" names knft eth0 "$id" | sed -n 's/^nft_hash=//p')"
	done
	for id in $(iptables-save -t nat | sed -n 's/.*id: \\"\(x[0-9]*\)\\".*/\1/p' | sort -u); do
		grep -lq "^$id" "$STORE"/kipt/10.* 2>/dev/null ||
			echo "iptables kipt $("$MT" names kipt eth0 "$id" | sed -n 's/^ipt_chain=//p')"
	done
	for ref in $(nft list chain bridge nat PREROUTING 2>/dev/null |
		sed -n 's/.*comment "macspoofchk-\(x[0-9]*-eth0\)".*/\1/p' | sort -u); do
		grep -lq "^${ref%-eth0}" "$STORE"/knft/10.* 2>/dev/null && continue
		veth=$(nft list chain bridge nat PREROUTING | grep "macspoofchk-$ref\"" |
			sed -n 's/.*iifname "\([^"]*\)".*/\1/p' | head -1)
		if ip link show "$veth" >/dev/null 2>&1; then echo "spoofchk knft $ref"; else echo "spoofchk null $ref"; fi
	done
}
expected | sort >"$T/expected"
"$OP" leaks --json --min-age 0 --conf-dir "$D" >"$T/leaks.json"
rc=$?
jq -r '.leaks[] | "\(.kind) \(.network) \(.object)"' "$T/leaks.json" | sort >"$T/found"
diag "leaks found $(wc -l <"$T/found") objects: $(awk '{print $1}' "$T/found" | sort | uniq -c | tr -s ' \n' ' ')"
check_eq "leaks exits 1 when there is debris, 0 when not, with no error" \
	"$rc/$(jq -c .errors "$T/leaks.json")" "$([ -s "$T/expected" ] && echo 1 || echo 0)/[]"
if cmp -s "$T/expected" "$T/found"; then ok "leaks names exactly the leaked leases, veths and rules"; else
	not_ok "leaks names exactly the leaked leases, veths and rules"
	diff "$T/expected" "$T/found" | sed 's/^/# /' | head -20
fi
unattached=$(ip -o link show type veth | grep -vc ' master ')
diag "host veths not on any bridge (invisible to leaks by design): $unattached"
check_eq "no leaked object is a live attachment" \
	"$(awk '$1 == "lease" {print $3}' "$T/found" | while read -r a; do grep -c " $a " "$T/held"; done | grep -vc '^0$')" 0

"$OP" gc --min-age 0 --json --conf-dir "$D" >"$T/gc.json"
check_eq "gc exits 0" $? 0
check_eq "gc released what leaks listed" \
	"$(jq -r '.leaks[] | "\(.kind) \(.network) \(.object)"' "$T/gc.json" | sort)" "$(cat "$T/found")"
"$OP" leaks --min-age 0 --conf-dir "$D" >"$T/after" 2>&1
check_eq "after gc: leaks exits 0 and prints nothing" "$?/$(cat "$T/after")" "0/"
expected | sort >"$T/expected2"
check_eq "after gc: the independent count finds nothing leaked either" "$(cat "$T/expected2")" ""
held >"$T/held2"
check "after gc: every address that was live still is" cmp -s "$T/held" "$T/held2"

for n in $(ls /run/netns); do
	case $n in x*) i=${n#x} ;; *) continue ;; esac
	ours DEL "x$i" "/run/netns/x$i" eth0 "$T/$(net_of "$i").json"
done
check_eq "after DEL of the survivors: no lease, no rule, no veth on a bridge" \
	"$(leases)/$(nft list chain inet cni_plugins_masquerade masq_checks 2>/dev/null | grep -c ' masquerade comment')/$(iptables-save -t nat | grep -c 'id: ')/$(ip -o link show type veth | grep -c ' master ')" "0/0/0/0"
done_testing
