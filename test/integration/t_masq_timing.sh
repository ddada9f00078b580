#!/bin/sh
# ADD+DEL wall time with ipMasq: ours with each backend, the reference
# (Debian's v1.1.1, iptables, one process per rule) and ours without ipMasq,
# interleaved call by call in one run so that load hits all alike. Prints
# the medians as TAP comments; asserts only what should hold on any
# machine: nothing leaks, and ours is faster than the reference.
# N=<iterations> (default 10; 3 in the sanitizer pass, where the times say
# nothing and the speed checks are left out, not counted).
. "$(dirname "$0")/lib.sh"

conf() {
	jq -n '{cniVersion: "0.4.0", name: "tnet", type: "bridge", bridge: "tm0", isGateway: true,
		ipMasq: true, ipam: {type: "host-local", subnet: "10.88.0.0/16"}}' | jq "$2" >"$1"
}
KINDS="ours-nft ours-ipt ref-ipt ours-nomasq"
conf "$T/ours-nft.json" '.ipMasqBackend = "nftables"'
conf "$T/ours-ipt.json" '.ipMasqBackend = "iptables"'
conf "$T/ref-ipt.json" '.'
conf "$T/ours-nomasq.json" '.ipMasq = false'
netns_new c
ours ADD warm /run/netns/c eth0 "$T/ours-nomasq.json"
ours DEL warm /run/netns/c eth0 "$T/ours-nomasq.json"
ref ADD warm /run/netns/c eth0 "$T/ref-ipt.json"
ref DEL warm /run/netns/c eth0 "$T/ref-ipt.json"

SANITIZED=${ASAN_OPTIONS:+yes}
N=${N:-$([ -n "$SANITIZED" ] && echo 3 || echo 10)}
fails=0
failed() {
	fails=$((fails + 1))
	[ $fails -gt 3 ] || diag "$1 failed: $(printf '%s' "$OUT" | tr '\n' ' ')"
}
i=0
while [ $i -lt "$N" ]; do
	for k in $KINDS; do
		case $k in ref*) run=ref ;; *) run=ours ;; esac
		s=$(date +%s%N)
		$run ADD "c$i" /run/netns/c eth0 "$T/$k.json" || failed "$k ADD"
		$run DEL "c$i" /run/netns/c eth0 "$T/$k.json" || failed "$k DEL"
		e=$(date +%s%N)
		echo $(((e - s) / 1000)) >>"$T/$k.t"
	done
	i=$((i + 1))
done
median() { sort -n "$T/$1.t" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
for k in $KINDS; do
	diag "$(printf '%-12s ADD+DEL median %6.1f ms (n=%d)' "$k" "$(echo "$(median "$k")" | awk '{print $1 / 1000}')" "$N")"
done
diag "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
check_eq "every ADD and DEL succeeded" "$fails" 0
check_eq "no iptables chain or nftables rule left" \
	"$(iptables-save -t nat | grep -c CNI-)/$(nft list ruleset | grep -c ' masquerade comment ')" 0/0
if [ -n "$SANITIZED" ]; then
	diag "sanitizer build: timing comparisons not made"
else
	check "ours with nftables is faster than the reference" [ "$(median ours-nft)" -lt "$(median ref-ipt)" ]
	check "ours with iptables is faster than the reference" [ "$(median ours-ipt)" -lt "$(median ref-ipt)" ]
fi
done_testing
