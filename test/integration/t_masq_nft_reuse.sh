#!/bin/sh
# nftables ipMasq ADD leaves an intact postrouting chain alone (no flush,
# so no RCU wait on close), and still rebuilds it when it was edited.
. "$(dirname "$0")/lib.sh"

conf() {
	jq -n '{cniVersion: "1.0.0", name: "rnet", type: "bridge", bridge: "rq0",
		ipMasq: true, ipMasqBackend: "nftables",
		ipam: {type: "host-local", ranges: [[{subnet: "10.79.0.0/24"}], [{subnet: "fd79::/64"}]]}}' >"$1"
}
TBL="inet cni_plugins_masquerade"
# postrouting's rules with their handles, one a line
post() { nft -a list chain $TBL postrouting | grep -E 'return|goto' | sed 's/^[[:space:]]*//'; }
post_rules() { post | sed 's/ # handle [0-9]*$//'; }
WANT='ip daddr 224.0.0.0/4 return
ip6 daddr ff00::/8 return
goto masq_checks'
masq_count() { nft list chain $TBL masq_checks | grep -c ' masquerade comment '; }

conf "$T/c.json"
netns_new c1
netns_new c2
ours ADD c1 /run/netns/c1 eth0 "$T/c.json"
check_eq "first ADD succeeds" "$RC" 0
check_eq "first ADD writes the reference's postrouting rules" "$(post_rules)" "$WANT"
before=$(post)

ours ADD c2 /run/netns/c2 eth0 "$T/c.json"
check_eq "second ADD succeeds" "$RC" 0
check_eq "second ADD leaves intact postrouting rules as they were (same handles)" "$(post)" "$before"
check_eq "both attachments have their two rules" "$(masq_count)" 4
check_match "table comment kept" "$(nft list table $TBL)" 'comment "Masquerading for plugins from github.com/containernetworking/plugins"'
check_match "masq_checks comment kept" "$(nft list chain $TBL masq_checks)" \
	'comment "Masquerade traffic from certain IPs to any \(non-multicast\) IP outside their subnet"'

ours DEL c2 /run/netns/c2 eth0 "$T/c.json"
check_eq "DEL succeeds" "$RC" 0
check_eq "DEL removes only that attachment's rules" "$(masq_count)" 2
check_eq "DEL leaves postrouting alone" "$(post)" "$before"

# Edited postrouting: each way it can differ gets it rebuilt.
edit_and_add() { # DESC NFT-COMMAND...
	_d=$1
	shift
	ours DEL c2 /run/netns/c2 eth0 "$T/c.json"
	"$@"
	ours ADD c2 /run/netns/c2 eth0 "$T/c.json"
	check_eq "$_d: ADD succeeds" "$RC" 0
	check_eq "$_d: ADD rebuilds the reference's postrouting rules" "$(post_rules)" "$WANT"
	check_eq "$_d: nothing else in postrouting" \
		"$(nft -a list chain $TBL postrouting | grep -v 'chain postrouting' | grep -c '# handle')" 3
}
h=$(post | sed -n '2s/.*# handle //p')
edit_and_add "a rule deleted" nft delete rule $TBL postrouting handle "$h"
edit_and_add "a rule appended" nft add rule $TBL postrouting counter accept
h=$(post | sed -n '1s/.*# handle //p')
edit_and_add "a rule changed" nft replace rule $TBL postrouting handle "$h" ip daddr 224.0.0.0/5 return
edit_and_add "a rule commented" nft insert rule $TBL postrouting ip daddr 224.0.0.0/4 return comment '"x"'
edit_and_add "chain flushed" nft flush chain $TBL postrouting
edit_and_add "table deleted" nft delete table $TBL
check_eq "after the table was deleted only c2's rules are back" "$(masq_count)" 2

ours DEL c2 /run/netns/c2 eth0 "$T/c.json"
ours DEL c1 /run/netns/c1 eth0 "$T/c.json"
check_eq "DEL removes every masquerade rule" "$(masq_count)" 0
done_testing
