#!/bin/sh
# host-local allocation compared with the reference (/usr/lib/cni/host-local)
# request by request: each step runs both plugins on their own dataDir and
# compares what they hand out (addresses, gateways, routes, dns) or the error
# (code and message). Covers round robin across ranges and sets, skipped
# gateways, exhaustion, released addresses not reused at once, requested IPs
# from CNI_ARGS / args.cni.ips / runtimeConfig.ips, runtimeConfig.ipRanges,
# the legacy top-level range, 0.2.0 limits, and config validation errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_host_local_lib.inc"

# summary: what a result or an error says, in one comparable line
summary() {
	if [ "$RC" -eq 0 ]; then
		printf '%s' "$OUT" | jq -cS '[(.ips // [])[] | .address + "@" + (.gateway // "")] +
			[.ip4.ip, .ip6.ip | select(.)] + [(.routes // [])[] | .dst + ">" + (.gw // "")] +
			[(.dns // {})]'
	else
		printf 'ERR %s %s' "$(json_get "$OUT" .code)" "$(json_get "$OUT" .msg)"
	fi
}
# both DESC VERB ID IFNAME TEMPLATE [CNI_ARGS]: TEMPLATE uses @DATA@ for dataDir
n=0
both() {
	_desc=$1 _tpl=$5
	n=$((n + 1))
	sed "s|@DATA@|$T/ours|g" "$_tpl" >"$T/o.json"
	sed "s|@DATA@|$T/ref|g" "$_tpl" >"$T/r.json"
	hl ours "$2" "$3" "$4" "$T/o.json" "${6:-}"
	_o="$RC $(summary)"
	hl ref "$2" "$3" "$4" "$T/r.json" "${6:-}"
	_r="$RC $(summary)"
	check_eq "$_desc: same as the reference ($_r)" "$_o" "$_r"
}
tpl() { # NAME JSON
	printf '%s' "$2" >"$T/$1.tpl"
	echo "$T/$1.tpl"
}

# --- round robin over two ranges and two sets, gateways skipped ----------------
RR=$(tpl rr '{"cniVersion":"1.0.0","name":"rr","ipam":{"type":"host-local","dataDir":"@DATA@",
 "ranges":[[{"subnet":"10.2.0.0/29","rangeStart":"10.2.0.3"},{"subnet":"10.2.1.0/30"}],
           [{"subnet":"fd00:2::/125","gateway":"fd00:2::4"}]],
 "routes":[{"dst":"0.0.0.0/0"},{"dst":"fd00:9::/64","gw":"fd00:2::1"}]}}')
for i in 1 2 3 4 5; do both "round robin ADD a$i" ADD a$i eth0 "$RR"; done
both "exhaustion names the ranges" ADD a6 eth0 "$RR"
check_eq "exhaustion left no lease of a6" "$(grep -l a6 "$T/ours/rr/"* 2>/dev/null | grep -vc index)" 0
both "DEL a2" DEL a2 eth0 "$RR"
both "ADD after a DEL" ADD a7 eth0 "$RR"
both "DEL a1" DEL a1 eth0 "$RR"
both "DEL a3" DEL a3 eth0 "$RR"
both "released address not reused at once" ADD a8 eth0 "$RR"
both "round robin comes back to freed ones" ADD a9 eth0 "$RR"
both "duplicate ADD" ADD a9 eth0 "$RR"
both "second interface of the same container" ADD a9 eth1 "$RR"
both "CHECK" CHECK a9 eth1 "$RR"
both "CHECK unknown" CHECK zz eth0 "$RR"
check_eq "same lease files as the reference" "$(leases "$T/ours/rr")" "$(leases "$T/ref/rr")"
check_eq "same last_reserved_ip.0" "$(cat "$T/ours/rr/last_reserved_ip.0")" "$(cat "$T/ref/rr/last_reserved_ip.0")"
check_eq "same last_reserved_ip.1" "$(cat "$T/ours/rr/last_reserved_ip.1")" "$(cat "$T/ref/rr/last_reserved_ip.1")"

# --- last_reserved_ip.N rewritten in place, as the reference does, but never
# through a second link: that one is replaced ---------------------------------
LR=$(tpl lr '{"cniVersion":"1.0.0","name":"lr","ipam":{"type":"host-local","dataDir":"@DATA@",
 "subnet":"10.6.0.0/28"}}')
both "last_reserved: first ADD" ADD l1 eth0 "$LR"
_ino=$(stat -c %i "$T/ours/lr/last_reserved_ip.0")
for _v in ours ref; do printf '10.6.0.250' >"$T/$_v/lr/last_reserved_ip.0"; done
both "last_reserved: after a longer address outside the range" ADD l2 eth0 "$LR"
check_eq "last_reserved_ip.0 byte for byte the reference's" \
	"$(od -An -c "$T/ours/lr/last_reserved_ip.0")" "$(od -An -c "$T/ref/lr/last_reserved_ip.0")"
check_eq "last_reserved_ip.0 rewritten in place (same inode)" \
	"$(stat -c %i "$T/ours/lr/last_reserved_ip.0")" "$_ino"
ln -f "$T/ours/lr/10.6.0.2" "$T/ours/lr/last_reserved_ip.0"
hl ours ADD l3 eth0 "$T/o.json"
check_eq "ADD with last_reserved_ip.0 a second link of a lease: exit 0" "$RC" 0
check_eq "the lease behind that link is untouched" "$(od -An -c "$T/ours/lr/10.6.0.2")" \
	"$(printf 'l1\r\neth0' | od -An -c)"
check_eq "last_reserved_ip.0 is a file of its own again" \
	"$(stat -c %h "$T/ours/lr/last_reserved_ip.0") $(cat "$T/ours/lr/last_reserved_ip.0")" \
	"1 $(first_ip)"

# --- a seeded random walk of ADDs and DELs, step by step like the reference ---
RW=$(tpl rw '{"cniVersion":"1.0.0","name":"rw","ipam":{"type":"host-local","dataDir":"@DATA@",
 "ranges":[[{"subnet":"10.8.0.0/29","rangeStart":"10.8.0.2","rangeEnd":"10.8.0.5","gateway":"10.8.0.3"},
            {"subnet":"10.8.1.0/30"}],[{"subnet":"fd00:8::/126"},{"subnet":"fd00:9::/125","rangeStart":"fd00:9::4"}]]}}')
# The walk keeps the protocol: a container is ADDed again only after a DEL
# (a failed ADD counts as attached until its DEL, as with a runtime).
awk -v seed="${HL_WALK_SEED:-4}" 'BEGIN { srand(seed); for (i = 0; i < 80; i++) {
	c = int(rand() * 9); r = rand();
	if (att[c]) { print "DEL", "w" c; att[c] = 0 }
	else if (r < 0.1) print "DEL", "w" c
	else { print (r < 0.25 ? "ADDIP" : "ADD"), "w" c; att[c] = 1 } } }' >"$T/walk"
same=0
steps=0
while read -r op ctr; do
	args=""
	[ "$op" = ADDIP ] && op=ADD && args="IP=10.8.0.4"
	sed "s|@DATA@|$T/ours|g" "$RW" >"$T/o.json"
	sed "s|@DATA@|$T/ref|g" "$RW" >"$T/r.json"
	hl ours "$op" "$ctr" eth0 "$T/o.json" "$args"
	o="$RC $(summary)"
	hl ref "$op" "$ctr" eth0 "$T/r.json" "$args"
	r="$RC $(summary)"
	steps=$((steps + 1))
	if [ "$o" = "$r" ]; then same=$((same + 1)); else
		diag "step $steps $op $ctr $args: ours $o"
		diag "step $steps $op $ctr $args: ref  $r"
	fi
done <"$T/walk"
check_eq "random walk of $steps ADD/DEL steps: every answer equals the reference's" "$same" "$steps"
check_eq "... and so do the lease files" "$(leases "$T/ours/rw")" "$(leases "$T/ref/rw")"

# Deliberate difference: a second ADD of an attached container (a protocol
# violation) that fails keeps the container's existing leases; the reference
# releases every lease of (id, ifname) then, pulling addresses from under a
# running container.
for c in 0 1 2 3 4 5 6 7 8; do hl ours DEL "w$c" eth0 "$T/o.json"; done
hl ours ADD dupe eth0 "$T/o.json"
check_eq "ADD on the emptied pool" "$RC $(leases "$T/ours/rw" | wc -w)" "0 2"
held=$(leases "$T/ours/rw")
hl ours ADD dupe eth0 "$T/o.json" "IP=10.8.1.2"
check_eq "a failed second ADD leaves the first ADD's leases alone" "$RC $(leases "$T/ours/rw")" "1 $held"

# --- requested addresses ------------------------------------------------------
RQ=$(tpl rq '{"cniVersion":"1.0.0","name":"rq","ipam":{"type":"host-local","dataDir":"@DATA@",
 "ranges":[[{"subnet":"10.3.0.0/24"}],[{"subnet":"fd00:3::/64"}]]}}')
both "CNI_ARGS IP" ADD q1 eth0 "$RQ" "IP=10.3.0.77"
both "CNI_ARGS IP with a prefix length" ADD q2 eth0 "$RQ" "IP=10.3.0.78/24"
both "CNI_ARGS IP taken" ADD q3 eth0 "$RQ" "IP=10.3.0.77"
both "CNI_ARGS IP is the gateway" ADD q4 eth0 "$RQ" "IP=10.3.0.1"
both "CNI_ARGS IP in no set" ADD q5 eth0 "$RQ" "IP=10.9.0.5"
both "CNI_ARGS IP unparsable" ADD q6 eth0 "$RQ" "IP=bogus"
both "CNI_ARGS unknown key" ADD q7 eth0 "$RQ" "IP=10.3.0.80;FOO=1"
both "CNI_ARGS IgnoreUnknown" ADD q8 eth0 "$RQ" "IgnoreUnknown=1;IP=10.3.0.81;K8S_POD_NAME=x"
ARGS=$(tpl args '{"cniVersion":"1.0.0","name":"rq","args":{"cni":{"ips":["10.3.0.90","fd00:3::90/64"]}},
 "ipam":{"type":"host-local","dataDir":"@DATA@","ranges":[[{"subnet":"10.3.0.0/24"}],[{"subnet":"fd00:3::/64"}]]}}')
both "args.cni.ips, one per family" ADD q9 eth0 "$ARGS"
RTC=$(tpl rtc '{"cniVersion":"1.0.0","name":"rq","runtimeConfig":{"ips":["fd00:3::91"]},
 "ipam":{"type":"host-local","dataDir":"@DATA@","ranges":[[{"subnet":"10.3.0.0/24"}],[{"subnet":"fd00:3::/64"}]]}}')
both "runtimeConfig.ips for one family, dynamic for the other" ADD q10 eth0 "$RTC"
both "requested IP already taken by the same container" ADD q10 eth1 "$RTC"
COMB=$(tpl comb '{"cniVersion":"1.0.0","name":"rq","args":{"cni":{"ips":["fd00:3::92"]}},"runtimeConfig":{"ips":["10.3.0.92"]},
 "ipam":{"type":"host-local","dataDir":"@DATA@","ranges":[[{"subnet":"10.3.0.0/24"}],[{"subnet":"fd00:3::/64"}],[{"subnet":"10.13.0.0/24"}]]}}')
both "the three sources are combined" ADD q11 eth0 "$COMB" "IP=10.13.0.93"
BADIPS=$(tpl badips '{"cniVersion":"1.0.0","name":"rq","runtimeConfig":{"ips":["bogus"]},
 "ipam":{"type":"host-local","dataDir":"@DATA@","ranges":[[{"subnet":"10.3.0.0/24"}]]}}')
both "runtimeConfig.ips unparsable" ADD q12 eth0 "$BADIPS"
check_eq "requested-IP leases equal the reference's" "$(leases "$T/ours/rq")" "$(leases "$T/ref/rq")"

# --- where ranges come from ---------------------------------------------------
LEG=$(tpl leg '{"cniVersion":"0.4.0","name":"leg","runtimeConfig":{"ipRanges":[[{"subnet":"10.5.0.0/30"}]]},
 "ipam":{"type":"host-local","dataDir":"@DATA@","subnet":"10.4.0.0/24","rangeStart":"10.4.0.100","gateway":"10.4.0.254",
 "ranges":[[{"subnet":"fd00:4::/64"}]]}}')
both "runtimeConfig.ipRanges first, then the legacy range, then ranges" ADD l1 eth0 "$LEG"
check_eq "set indexes follow that order" "$(cat "$T/ours/leg/last_reserved_ip.1")" 10.4.0.100
V02=$(tpl v02 '{"cniVersion":"0.2.0","name":"v02","ipam":{"type":"host-local","dataDir":"@DATA@",
 "ranges":[[{"subnet":"10.6.0.0/24"}],[{"subnet":"fd00:6::/64"}]]}}')
both "0.2.0: one address per family" ADD v1 eth0 "$V02"
V02B=$(tpl v02b '{"cniVersion":"0.2.0","name":"v02","ipam":{"type":"host-local","dataDir":"@DATA@",
 "ranges":[[{"subnet":"10.6.0.0/24"}],[{"subnet":"10.7.0.0/24"}]]}}')
both "0.2.0 refuses two IPv4 sets" ADD v2 eth0 "$V02B"
printf 'nameserver 10.0.0.53\nsearch a.example b.example\n# c\n;x\noptions ndots:2 edns0\ndomain d.example\nnameserver fd00::53 extra\n' >"$T/resolv.conf"
DNS=$(tpl dns '{"cniVersion":"0.4.0","name":"dns","ipam":{"type":"host-local","dataDir":"@DATA@",
 "resolvConf":"'"$T/resolv.conf"'","ranges":[[{"subnet":"10.6.0.0/24"}]]}}')
both "resolvConf becomes dns" ADD r1 eth0 "$DNS"

# a 70 KiB line: the reference's scanner refuses lines over 64 KiB, so do we
head -c 71680 /dev/zero | tr '\0' a >"$T/long.conf"
LONG=$(tpl long '{"cniVersion":"0.4.0","name":"dns","ipam":{"type":"host-local","dataDir":"@DATA@",
 "resolvConf":"'"$T/long.conf"'","ranges":[[{"subnet":"10.6.0.0/24"}]]}}')
sed "s|@DATA@|$T/ours|g" "$LONG" >"$T/o.json"
hl ours ADD r2 eth0 "$T/o.json"
check_match "resolvConf with a 70 KiB line is refused, naming the file" "$RC $(msg)" "^1 resolvConf .*long.conf: a line longer than 64 KiB"
hl ref ADD r2 eth0 "$T/o.json"
check_match "... as the reference refuses it" "$RC $(msg)" "^1 .*too long"
hl ours CHECK r2 eth0 "$T/o.json"
check_eq "... and no lease was taken" "$RC" 1

# --- config errors: the reference's messages ------------------------------------
cfg_err() { # DESC IPAM_JSON_FRAGMENT [VERSION]
	_t=$(tpl cfg '{"cniVersion":"'"${3:-1.0.0}"'","name":"cfg","ipam":{"type":"host-local","dataDir":"@DATA@",'"$2"'}}')
	both "$1" ADD e1 eth0 "$_t"
}
cfg_err "host bits set" '"ranges":[[{"subnet":"10.1.2.3/24"}]]'
cfg_err "IPv6 host bits set" '"ranges":[[{"subnet":"fd00::1/64"}]]'
cfg_err "/31 too small" '"ranges":[[{"subnet":"10.1.2.0/31"}]]'
cfg_err "/32 too small" '"ranges":[[{"subnet":"10.1.2.0/32"}]]'
cfg_err "/127 too small" '"ranges":[[{"subnet":"fd00::/127"}]]'
cfg_err "/128 too small" '"ranges":[[{"subnet":"fd00::/128"}]]'
cfg_err "rangeStart outside" '"ranges":[[{"subnet":"10.1.2.0/24","rangeStart":"10.1.3.1"}]]'
cfg_err "rangeEnd outside" '"ranges":[[{"subnet":"10.1.2.0/24","rangeEnd":"10.1.3.1"}]]'
cfg_err "rangeStart after rangeEnd" '"ranges":[[{"subnet":"10.1.2.0/24","rangeStart":"10.1.2.100","rangeEnd":"10.1.2.50"}]]'
cfg_err "mixed families" '"ranges":[[{"subnet":"10.1.2.0/24"},{"subnet":"fd00::/64"}]]'
cfg_err "overlap within a set" '"ranges":[[{"subnet":"10.1.2.0/24"},{"subnet":"10.1.2.0/25"}]]'
cfg_err "overlap across sets" '"ranges":[[{"subnet":"10.1.2.0/24"}],[{"subnet":"10.1.3.0/24"}],[{"subnet":"10.1.2.128/25"}]]'
cfg_err "empty set" '"ranges":[[]]'
cfg_err "no ranges" '"ranges":[]'
cfg_err "bad CIDR" '"ranges":[[{"subnet":"10.1.2.0"}]]'
cfg_err "bad rangeStart" '"ranges":[[{"subnet":"10.1.2.0/24","rangeStart":"10.1.2.5/24"}]]'
cfg_err "bad gateway" '"ranges":[[{"subnet":"10.1.2.0/24","gateway":"bogus"}]]'
NOIPAM=$(tpl noipam '{"cniVersion":"1.0.0","name":"cfg"}')
both "no ipam key" ADD e2 eth0 "$NOIPAM"
both "DEL with a bad config fails as the reference's does" DEL e2 eth0 "$NOIPAM"

done_testing
