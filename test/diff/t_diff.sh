#!/bin/sh
# Differential suite: every case of test/diff/cases runs once against the
# reference plugins (/usr/lib/cni bridge + host-local, Debian's v1.1.1) and
# once against ours, each side in its own throwaway host netns (dhost) with
# the same container netns names and an empty /var/lib/cni, one after the
# other. After every step both sides record a trace; the traces must match:
#   rc      exit code and error code
#   result  the result JSON, keys sorted (jq -S: v1.1.1 prints struct order,
#           ours alphabetical), MACs and host veth names normalised
#   ctr     container links, addresses, routes and sysctls
#   host    bridges (addresses, mtu, vlan filtering), ports (flags), host
#           routes, forwarding sysctls
#   lease   host-local files byte for byte (not our .cni-bridge-index and
#           .cni-bridge-boot, not modes:
#           0644 in v1.1.1, 0600 since v1.4.0)
#   ipt     iptables/ip6tables rules (chain names and comments), nft tables
# A case may allow named sections to differ (column 2), always with the
# reason; error messages (section msg) may differ and are printed, never
# failed on. docs/differences.md lists every allowed difference.
# env: DIFF_CASES=file (default test/diff/cases), DIFF_ONLY=substring.
. "$(dirname "$0")/../integration/lib.sh"

# A private copy of our plugins: a rebuild in the tree during the run must
# not swap binaries between the steps of a case.
mkdir "$T/bin" && cp "$BIN/bridge" "$BIN/host-local" "$T/bin/" && BIN=$T/bin

CASES=${DIFF_CASES:-$TOP/test/diff/cases}
BASE='{"cniVersion":"1.0.0","name":"diffnet","type":"bridge","bridge":"dbr0",
 "isGateway":true,"ipam":{"type":"host-local","subnet":"10.88.0.0/24"}}'
VETH='veth[0-9a-f]\{8\}'
MAC='[0-9a-f]\{2\}\(:[0-9a-f]\{2\}\)\{5\}'

# norm: the random parts of a line (veth names, MACs, link-local addresses).
norm() { sed "s/$VETH/vethX/g; s/$MAC/MAC/g; s/fe80::[0-9a-f:]*/fe80::LL/g"; }

# snapshot STEP: the state of dhost, its containers and the store.
snapshot() {
	s=$1
	for ns in $(ip netns list | awk '{print $1}' | grep '^dc-' | sort); do
		c=${ns#dc-}
		ip -n "$ns" -o link show | awk -F': ' '$2 != "lo" {print $2, $3}' |
			sed 's/@[^ ]*//; s/ qdisc [^ ]*//; s/ state [A-Z]*//; s/ group [^ ]*//; s/ *\\.*//' |
			norm | sed "s/^/$s ctr $c link: /"
		ip -n "$ns" -o addr show | awk '$2 != "lo" && $4 !~ /^fe80/ {
			print $2, $3, $4, (/ tentative/ ? "tentative" : "")}' |
			sed "s/ *$//; s/^/$s ctr $c addr: /"
		ip -n "$ns" -4 route | sed "s/^/$s ctr $c route4: /"
		ip -n "$ns" -6 route | grep -v '^fe80\|^multicast\|^local\|^anycast' |
			sed "s/ pref medium//; s/^/$s ctr $c route6: /"
		# shellcheck disable=SC2046 # the interface names, one word each
		ip netns exec "$ns" sh "$T/ctr-sysctls.sh" \
			$(ip -n "$ns" -o link show | awk -F': ' '$2 != "lo" {print $2}' | sed 's/@.*//') |
			sed "s/^/$s ctr $c /"
	done
	ip -n dhost -d -o link show | awk -F': ' '$2 != "lo"' |
		grep -o '^[0-9]*: [^:@]*\| mtu [0-9]*\| qlen [0-9]*\|<[^>]*>\|master [^ ]*\|bridge \|bridge_slave\|vlan_filtering [0-9]\|vlan_default_pvid [0-9]*\|hairpin [a-z]*\|isolated [a-z]*\|veth' |
		tr '\n' ' ' | sed 's/ [0-9]*: /\n/g; s/^[0-9]*: //; s/  */ /g; s/ $//' |
		sed 's/NO-CARRIER,//; s/,LOWER_UP//' | norm | sort |
		sed "s/^/$s host link: /"
	ip -n dhost -o addr show | awk '$2 != "lo" && $4 !~ /^fe80/ {print $2, $3, $4}' |
		norm | sort | sed "s/^/$s host addr: /"
	# A bridge's carrier, its operstate and a route's linkdown follow port
	# changes through the kernel's linkwatch (up to a second late): left
	# out, the administrative flags are compared.
	ip -n dhost route | norm | sed "s/ linkdown//; s/^/$s host route4: /"
	ip -n dhost -6 route | grep -v '^fe80\|^multicast\|^local\|^anycast' | norm |
		sed "s/ pref medium//; s/ linkdown//; s/^/$s host route6: /"
	ip netns exec dhost sh "$T/host-state.sh" | norm | sed "s/^/$s host /"
	for f in $(cd /var/lib/cni && find . -type f ! -name .cni-bridge-index ! -name .cni-bridge-boot | sort); do
		printf '%s lease: %s: %s\n' "$s" "$f" "$(od -An -c "/var/lib/cni/$f" | tr -s ' \n' ' ')"
	done
	ip netns exec dhost sh "$T/ipt-state.sh" | norm | sed "s/^/$s /"
}

# The parts of a snapshot read inside a netns, one exec each (an exec per
# value made the suite twice as slow).
cat >"$T/ctr-sysctls.sh" <<'SH'
for i in "$@"; do
	for k in ipv6/conf/$i/accept_dad ipv6/conf/$i/disable_ipv6 \
		ipv6/conf/$i/keep_addr_on_down ipv4/conf/$i/arp_notify; do
		echo "sysctl: $k=$(cat "/proc/sys/net/$k" 2>/dev/null)"
	done
done
SH
cat >"$T/host-state.sh" <<'SH'
bridge vlan show 2>/dev/null | sed 's/^/vlan: /'
echo "sysctl: ip_forward=$(cat /proc/sys/net/ipv4/ip_forward)" \
	"v6 forwarding=$(cat /proc/sys/net/ipv6/conf/all/forwarding)"
for br in $(ip -o link show type bridge | awk -F': ' '{print $2}'); do
	echo "sysctl: $br accept_ra=$(cat "/proc/sys/net/ipv6/conf/$br/accept_ra")"
	# MAC pinned (addr_assign_type 3) or following the ports (1)
	echo "mac: $br assign_type=$(cat "/sys/class/net/$br/addr_assign_type")"
done
SH
cat >"$T/ipt-state.sh" <<'SH'
for cmd in iptables-save ip6tables-save; do
	"$cmd" 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//; s/^/ipt: /'
done
nft list tables 2>/dev/null | sort | sed 's/^/ipt nft: /'
# macspoofchk's chains, rules and comments (the MACs are normalised)
nft list table bridge nat 2>/dev/null | sed 's/^[[:space:]]*//; /^$/d; s/^/ipt nft: /'
SH

# step_conf CTR: the config for a step, with the side's own last result of
# CTR as prevResult for CHECK and DEL (as libcni passes it from its cache).
step_conf() {
	if [ -s "$T/res.$1" ] && [ "$2" != ADD ]; then
		jq --slurpfile r "$T/res.$1" '. + {prevResult: $r[0]}' "$T/conf.json"
	else
		cat "$T/conf.json"
	fi
}

# run_side DIR ENV STEPS: runs the steps with the plugins in DIR and prints
# the trace; error messages go to $T/msgs.
run_side() {
	dir=$1 envs=$2 steps=$3
	ip netns add dhost && ip -n dhost link set lo up
	rm -rf /var/lib/cni/* "$T"/res.*
	n=0
	for step in $steps; do
		n=$((n + 1))
		verb=${step%%:*} rest=${step#*:}
		ctr=${rest%%:*} ifname=eth0
		[ "$rest" = "${rest#*:}" ] || ifname=${rest#*:}
		ns=/run/netns/dc-$ctr
		case $verb in
		GONE)
			# The kernel tears a deleted netns down asynchronously: wait
			# for its veth peer to vanish from dhost.
			v=$(ip -n dhost -o link show type veth | wc -l)
			ip netns del "dc-$ctr"
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				[ "$(ip -n dhost -o link show type veth | wc -l)" -lt "$v" ] && break
				sleep 0.3
			done
			snapshot "$n"
			continue
			;;
		RMLINK) ip -n "dc-$ctr" link del "$ifname"; snapshot "$n"; continue ;;
		SETMAC) ip -n "dc-$ctr" link set "$ifname" address 0a:58:00:00:00:99; snapshot "$n"; continue ;;
		RMADDR) ip -n "dc-$ctr" addr flush dev "$ifname"; snapshot "$n"; continue ;;
		MKBR) ip -n dhost link add dbr0 type bridge && ip -n dhost link set dbr0 up; snapshot "$n"; continue ;;
		SLOWDAD)
			# the container's new links inherit 10 DAD probes 1 s apart
			netns_new "dc-$ctr" && ip netns exec "dc-$ctr" sysctl -qw net.ipv6.conf.default.dad_transmits=10
			snapshot "$n"
			continue
			;;
		ADD | CHECK) [ -e "$ns" ] || netns_new "dc-$ctr" ;;
		DELNONS) verb=DEL ns= ;;
		DELNOTNS) verb=DEL ns=$T/not-a-netns ;;
		esac
		step_conf "$ctr" "$verb" >"$T/in.json"
		eval "set -- CNI_COMMAND=$verb CNI_CONTAINERID=$ctr CNI_NETNS=$ns CNI_IFNAME=$ifname \
			CNI_PATH=$dir CNI_ARGS= $envs"
		ip netns exec dhost env "$@" "$dir/bridge" <"$T/in.json" >"$T/out" 2>"$T/err"
		rc=$?
		code=$(jq -r '.code // "-"' "$T/out" 2>/dev/null)
		[ "$rc" -eq 0 ] && code=-
		echo "$n rc: $step exit $rc code $code"
		[ "$rc" -eq 0 ] || echo "$n msg: $step $(jq -r '.msg + " " + (.details // "")' "$T/out" 2>/dev/null || cat "$T/out")"
		if [ "$verb" = ADD ] && [ "$rc" -eq 0 ]; then
			cp "$T/out" "$T/res.$ctr"
			jq -S 'del(.interfaces[]?.mac)' "$T/out" | norm | sed "s/^/$n result: /"
		fi
		snapshot "$n"
	done
	for c in $(ip netns list | awk '{print $1}' | grep '^dc-'); do ip netns del "$c"; done
	ip netns del dhost
	rm -rf /var/lib/cni/*
}

# allowed SECTION TEXT: whether a differing trace line is allowed by an
# entry of $T/allow (one per line: SECTION, or SECTION~ERE matched against
# the text of the line). msg lines always are.
allowed() {
	[ "$1" = msg ] && return 0
	while IFS= read -r entry; do
		case $entry in
		"$1") return 0 ;;
		"$1~"*) printf '%s\n' "$2" | grep -Eq -- "${entry#*~}" && return 0 ;;
		esac
	done <"$T/allow"
	return 1
}

# strip TRACE: TRACE with the text matched by each "SECTION/ERE" entry of
# $T/allow cut out of that section's lines, on both sides alike: a known
# difference inside a line (an attribute one side shows and the other does
# not) then leaves the rest of that line compared.
strip() {
	_d=$(printf '\001')
	cp "$1" "$T/stripped"
	grep '^[a-z]*/' "$T/allow" >"$T/strips"
	while IFS= read -r _e; do
		sed -E -i "/^[^ ]+ ${_e%%/*}:? /s$_d${_e#*/}$_d${_d}g" "$T/stripped"
	done <"$T/strips"
	cat "$T/stripped"
}

# compare NAME ALLOW REF_TRACE OURS_TRACE: one TAP line. ALLOW (a comma
# list of entries, see allowed and strip) is added to the global entries.
compare() {
	name=$1
	{ printf '%s' "$GLOBAL_ALLOW"; printf '%s\n' "$2" | tr ',' '\n'; } | grep -v '^$' >"$T/allow"
	strip "$3" >"$T/cmp.ref"
	strip "$4" >"$T/cmp.ours"
	diff "$T/cmp.ref" "$T/cmp.ours" | grep '^[<>]' >"$T/d"
	bad=$(while read -r side step sect rest; do
		sect=${sect%:}
		allowed "$sect" "$rest" || echo "$side $step $sect $rest"
	done <"$T/d")
	if [ -z "$bad" ]; then
		ok "$name: same as the reference${2:+ (except the differences the case marks)}"
	else
		not_ok "$name: same as the reference"
		printf '%s\n' "$bad" | head -30 | sed 's/^</# ref: /; s/^>/# ours:/'
	fi
	grep ' msg: ' "$T/d" | sed 's/^</# msg ref: /; s/^>/# msg ours:/'
	[ -z "$2" ] || grep -v ' msg: ' "$T/d" | head -12 | sed 's/^</# allowed ref: /; s/^>/# allowed ours:/'
}

# The comparison itself must catch a difference: a planted one fails.
printf '1 rc: ADD:a exit 0 code -\n1 host addr: dbr0 inet 10.88.0.1/24\n' >"$T/p.ref"
printf '1 rc: ADD:a exit 0 code -\n1 host addr: dbr0 inet 10.88.0.2/24\n' >"$T/p.ours"
GLOBAL_ALLOW=
( _tap_n=0; compare selftest "" "$T/p.ref" "$T/p.ours" ) >"$T/p.tap"
check_match "self-test: a planted difference in an unallowed section fails" "$(head -1 "$T/p.tap")" '^not ok'
( _tap_n=0; compare selftest host "$T/p.ref" "$T/p.ours" ) >"$T/p.tap"
check_match "self-test: the same difference in an allowed section passes" "$(head -1 "$T/p.tap")" '^ok'
( _tap_n=0; compare selftest 'host~10\.88\.0\.[12]/24' "$T/p.ref" "$T/p.ours" ) >"$T/p.tap"
check_match "self-test: ... and when allowed by a pattern" "$(head -1 "$T/p.tap")" '^ok'
( _tap_n=0; compare selftest 'host~10\.88\.0\.1/24$' "$T/p.ref" "$T/p.ours" ) >"$T/p.tap"
check_match "self-test: a pattern that covers only one side's line fails" "$(head -1 "$T/p.tap")" '^not ok'
printf '1 host link: vethX mtu 1500 master dbr0 veth\n' >"$T/p.ref"
printf '1 host link: vethX mtu 1500 master dbr0 qlen 1000 veth\n' >"$T/p.ours"
( _tap_n=0; compare selftest 'host/ qlen 1000' "$T/p.ref" "$T/p.ours" ) >"$T/p.tap"
check_match "self-test: a stripped attribute is not a difference" "$(head -1 "$T/p.tap")" '^ok'
printf '1 host link: vethX mtu 1400 master dbr0 qlen 1000 veth\n' >"$T/p.ours"
( _tap_n=0; compare selftest 'host/ qlen 1000' "$T/p.ref" "$T/p.ours" ) >"$T/p.tap"
check_match "self-test: ... but the rest of the line still is" "$(head -1 "$T/p.tap")" '^not ok'

# Global entries: lines "! ENTRY | why" in the case file.
GLOBAL_ALLOW=$(sed -n 's/^![[:space:]]*\([^|]*[^|[:space:]]\)[[:space:]]*|.*/\1/p' "$CASES")
[ -z "$GLOBAL_ALLOW" ] || GLOBAL_ALLOW="$GLOBAL_ALLOW
"

# Files cases may name through $T (jq --arg T), and a path that is no netns.
: >"$T/not-a-netns"
printf 'nameserver 192.0.2.53\nsearch example.test\noptions ndots:2\n' >"$T/resolv.conf"
# A fake IPAM plugin (FAKE_RESULT in the case's env is its ADD result), and
# iptables tools that exist but fail, as on a kernel without iptables.
mkdir "$T/fakeipam" "$T/badipt" && cp "$TOOLS/ipam_fake" "$T/fakeipam/fake"
for t in iptables-restore iptables-save ip6tables-restore ip6tables-save iptables ip6tables; do
	printf '#!/bin/sh\necho "%s: Table does not exist (do you need to insmod?)" >&2\nexit 3\n' "$t" >"$T/badipt/$t"
	chmod +x "$T/badipt/$t"
done

trim() { printf '%s' "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'; }
# verbs STEPS: how many steps call a plugin
verbs() { printf '%s\n' $1 | grep -vc '^GONE\|^RMLINK\|^SETMAC\|^RMADDR\|^MKBR\|^SLOWDAD'; }

ncases=0
# Not read -r: "\|" in a column is a literal pipe (jq filters need it).
# shellcheck disable=SC2162
while IFS='|' read name allow filter envs steps; do
	name=$(trim "$name")
	case $name in '' | '#'* | '!'*) continue ;; esac
	[ -z "${DIFF_ONLY:-}" ] || case $name in *"$DIFF_ONLY"*) ;; *) continue ;; esac
	allow=$(trim "$allow") filter=$(trim "$filter") envs=$(trim "$envs") steps=$(trim "$steps")
	allow=${allow%% (*}
	[ "$allow" = - ] && allow=
	[ "$envs" = - ] && envs=
	ncases=$((ncases + 1))
	case $filter in
	raw:*) printf '%s' "${filter#raw:}" >"$T/conf.json" ;;
	*) printf '%s' "$BASE" | jq --arg T "$T" "$filter" >"$T/conf.json" || { not_ok "$name: jq filter"; continue; } ;;
	esac
	run_side "$REF" "$envs" "$steps" </dev/null >"$T/trace.ref" 2>"$T/side.err"
	run_side "$BIN" "$envs" "$steps" </dev/null >"$T/trace.ours" 2>>"$T/side.err"
	check_eq "$name: both sides ran every step" \
		"$(grep -c ' rc: ' "$T/trace.ref")/$(grep -c ' rc: ' "$T/trace.ours")" \
		"$(verbs "$steps")/$(verbs "$steps")"
	compare "$name" "$allow" "$T/trace.ref" "$T/trace.ours"
	[ -z "${DIFF_KEEP:-}" ] || cp "$T/trace.ref" "$T/trace.ours" "$DIFF_KEEP/"
done <"$CASES"
[ -n "${DIFF_ONLY:-}" ] || check "at least 25 cases ($ncases)" test "$ncases" -ge 25
done_testing
