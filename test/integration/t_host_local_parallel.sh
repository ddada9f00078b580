#!/bin/sh
# Concurrency: 100 parallel ADDs on one network get 100 distinct addresses
# and last_reserved_ip ends at the highest; 100 parallel DELs leave only the
# lock, last_reserved_ip.* and our index. Then ours and the reference run
# side by side on the same store: the flock keeps them from colliding and our
# index notices every change the reference makes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_host_local_lib.inc"

D=$T/data
S=$D/net1
C=$T/c.json
hlconf "$C" "$D" 1.0.0 '[[{"subnet":"10.30.0.0/24"}],[{"subnet":"fd00:30::/64"}]]'
mkdir -p "$T/out"

run_bg() { # WHICH VERB ID
	if [ "$1" = ours ]; then _p=$BIN/host-local; else _p=$REF/host-local; fi
	env CNI_COMMAND="$2" CNI_CONTAINERID="$3" CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=/x \
		"$_p" <"$C" >"$T/out/$3.$2" 2>&1 &
}
failed() { # VERB: how many of the outputs are errors
	grep -l '"code"' "$T/out/"*."$1" 2>/dev/null | wc -l
}

i=1
while [ $i -le 100 ]; do run_bg ours ADD p$i; i=$((i + 1)); done
wait
check_eq "100 parallel ADDs all succeed" "$(failed ADD)" 0
v4=$(cat "$T/out/"*.ADD | jq -r '.ips[0].address' | sort -u | wc -l)
v6=$(cat "$T/out/"*.ADD | jq -r '.ips[1].address' | sort -u | wc -l)
check_eq "100 distinct IPv4 and 100 distinct IPv6 addresses" "$v4 $v6" "100 100"
check_eq "200 lease files" "$(leases "$S" | wc -w)" 200
check_eq "last_reserved_ip.0 is the 100th address (no lost update)" "$(cat "$S/last_reserved_ip.0")" 10.30.0.101
check_eq "last_reserved_ip.1 likewise" "$(cat "$S/last_reserved_ip.1")" fd00:30::65
hl ref CHECK p57 eth0 "$C"
check_eq "the reference finds a lease made in the burst" "$RC" 0

i=1
while [ $i -le 100 ]; do run_bg ours DEL p$i; i=$((i + 1)); done
wait
check_eq "100 parallel DELs all succeed" "$(cat "$T/out/"*.DEL | wc -c)" 0
check_eq "only lock, last_reserved_ip.* the index and the boot record remain" \
	"$(ls -a "$S" | grep -v '^\.\.\?$' | sort | tr '\n' ' ')" \
	".cni-bridge-boot .cni-bridge-index last_reserved_ip.0 last_reserved_ip.1 lock "

# ours and the reference interleaved on one store
rm -f "$T/out/"*
i=1
while [ $i -le 40 ]; do
	run_bg ours ADD m$i
	run_bg ref ADD r$i
	i=$((i + 1))
done
wait
check_eq "80 mixed parallel ADDs (40 ours, 40 reference) all succeed" "$(failed ADD)" 0
check_eq "... with 80 distinct IPv4 addresses" \
	"$(cat "$T/out/"*.ADD | jq -r '.ips[0].address' | sort -u | wc -l)" 80
hl ours ADD r7 eth0 "$C"
check_match "our duplicate check sees a lease the reference made in the burst" "$(msg)" "allocated to r7"
i=1
while [ $i -le 40 ]; do
	run_bg ref DEL m$i
	run_bg ours DEL r$i
	i=$((i + 1))
done
wait
check_eq "crossed parallel DELs (reference frees ours, ours frees the reference's) empty the store" \
	"$(leases "$S")" ""
hl ours CHECK m3 eth0 "$C"
check_eq "our index agrees: m3 is gone" "$RC" 1

done_testing
