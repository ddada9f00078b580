#!/bin/sh
# 32 ADDs at once on a bridge that does not exist yet: all succeed, one
# bridge, one gateway address, 32 distinct addresses; then 32 DELs at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_bridge_lib.inc"

N=32
bconf "$T/c.json" 10-bridge.conflist "" '.bridge = "par0" |
	.ipam.ranges = [[{"subnet": "10.44.0.0/24"}]]'
i=1
while [ $i -le $N ]; do
	netns_new p$i
	i=$((i + 1))
done
run() { # VERB I
	env CNI_COMMAND=$1 CNI_CONTAINERID=ctr-$2 CNI_NETNS=/run/netns/p$2 CNI_IFNAME=eth0 \
		CNI_PATH="$BIN" "$BIN/bridge" <"$T/c.json" >"$T/out.$1.$2" 2>&1
	echo $? >"$T/rc.$1.$2"
}
i=1
while [ $i -le $N ]; do
	run ADD $i &
	i=$((i + 1))
done
wait
fails=0
i=1
while [ $i -le $N ]; do
	if [ "$(cat "$T/rc.ADD.$i")" != 0 ]; then
		fails=$((fails + 1))
		diag "ADD $i: $(cat "$T/out.ADD.$i")"
	fi
	i=$((i + 1))
done
check_eq "all $N parallel ADDs succeed" "$fails" 0
check_eq "exactly one bridge" "$(ip -o link show type bridge | wc -l)" 1
check_eq "exactly one gateway address on it" "$(ip -4 -o addr show par0 | awk '{print $4}')" 10.44.0.1/24
check_eq "$N ports on the bridge" "$(ip -o link show master par0 | wc -l)" $N
check_eq "every result names the same bridge MAC (CHECK compares it)" \
	"$(cat "$T"/out.ADD.* | jq -r '.interfaces[0].mac' 2>/dev/null | sort -u | wc -l)" 1
check_eq "... and it is the bridge's MAC now" \
	"$(cat "$T"/out.ADD.1 | jq -r '.interfaces[0].mac')" "$(cat /sys/class/net/par0/address)"
check_eq "$N distinct container addresses" \
	"$(cat "$T"/out.ADD.* | jq -r '.ips[0].address' 2>/dev/null | sort -u | wc -l)" $N
check "first and last container reach each other" \
	ip netns exec p1 ping -c 1 -w 3 "$(jq -r '.ips[0].address' "$T/out.ADD.$N" | cut -d/ -f1)"
i=1
while [ $i -le $N ]; do
	run DEL $i &
	i=$((i + 1))
done
wait
check_eq "all parallel DELs succeed" "$(cat "$T"/rc.DEL.* | sort -u)" 0
check_eq "no veth left" "$(host_veths)" 0
check_eq "no lease left" "$(leases)" 0
done_testing
