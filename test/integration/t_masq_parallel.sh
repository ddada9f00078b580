#!/bin/sh
# Concurrent ADDs and DELs with ipMasq on one network, for each backend:
# every container gets its rules (no lost update when several plugins build
# their transactions at once), the shared nftables chains are not
# duplicated, and the parallel DELs leave nothing. Then a busy node: with
# hundreds of rules a listing spans several netlink messages, and a commit
# by another plugin in between flags it "interrupted"; that must be retried,
# not reported.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_masq_lib.inc"

P=12
nat4() { iptables-save -t nat | grep -v '^#'; }
for B in nft ipt; do
	jq -n --arg b "${B}ables" '{cniVersion: "1.0.0", name: "pnet", type: "bridge", bridge: "pq0",
		isGateway: true, ipMasq: true, ipMasqBackend: $b,
		ipam: {type: "host-local", ranges: [[{subnet: "10.66.0.0/24"}]]}}' >"$T/$B.json"
	i=0
	while [ $i -lt $P ]; do
		netns_new "p$i"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt $P ]; do
		(ours ADD "p$i" "/run/netns/p$i" eth0 "$T/$B.json" || echo "ADD p$i: $OUT") >"$T/add$i" 2>&1 &
		i=$((i + 1))
	done
	wait
	check_eq "$B: $P parallel ADDs succeed" "$(cat "$T"/add* | grep -c ADD)" 0
	cat "$T"/add* | head -3 | sed 's/^/# /'
	if [ $B = nft ]; then
		check_eq "$B: one rule per container" "$(nft_masq_rules | grep -c 'net: pnet')" $P
		check_eq "$B: postrouting built once (3 rules)" \
			"$(nft list chain inet cni_plugins_masquerade postrouting | grep -cE 'return|goto')" 3
	else
		check_eq "$B: one POSTROUTING jump per container" "$(nat4 | grep -c '^-A POSTROUTING .*pnet')" $P
		check_eq "$B: one chain per container" "$(nat4 | grep -c '^:CNI-')" $P
	fi
	i=0
	while [ $i -lt $P ]; do
		(ours DEL "p$i" "/run/netns/p$i" eth0 "$T/$B.json" || echo "DEL p$i: $OUT") >"$T/del$i" 2>&1 &
		i=$((i + 1))
	done
	wait
	check_eq "$B: $P parallel DELs succeed" "$(cat "$T"/del* | grep -c DEL)" 0
	cat "$T"/del* | head -3 | sed 's/^/# /'
	check_eq "$B: nothing left" "$(nft_masq_rules | grep -c .)/$(nat4 | grep -c CNI-)" 0/0
	rm -f "$T"/add* "$T"/del*
	i=0
	while [ $i -lt $P ]; do
		ip netns del "p$i"
		i=$((i + 1))
	done
done
# A busy node: 300 rules, then 16 parallel setup+teardown pairs, 4 times.
i=1
while [ $i -le 300 ]; do
	"$MT" nft-setup busy eth0 "base$i" "10.2.$((i / 250)).$((i % 250 + 1))/16" >/dev/null
	i=$((i + 1))
done
check_eq "300 rules in place" "$(nft_masq_rules | grep -c 'net: busy')" 300
: >"$T/fails"
round=0
while [ $round -lt 4 ]; do
	i=0
	while [ $i -lt 16 ]; do
		("$MT" nft-setup busy eth0 "c$i" "10.1.0.$((i + 1))/16" >>"$T/fails" &&
			"$MT" nft-teardown busy eth0 "c$i" >>"$T/fails") &
		i=$((i + 1))
	done
	wait
	round=$((round + 1))
done
check_eq "no setup or teardown failed (interrupted listings are retried)" "$(grep -c msg "$T/fails")" 0
grep msg "$T/fails" | sort | uniq -c | head -3 | sed 's/^/# /'
check_eq "only the 300 base rules are left" "$(nft_masq_rules | grep -c 'net: busy')" 300
done_testing
