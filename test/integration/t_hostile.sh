#!/bin/sh
# Hostile input catalogue (test/integration/hostile.cases): every case must
# fail with exit status 1, print an error object with the expected code and a
# message that names the culprit, and change nothing on the host or in any
# netns: links, addresses, routes, nft and iptables rules, sysctls, lease
# files. A working attachment (the sentinel) exists the whole time, so a case
# that tears down or reuses what it does not own is caught as well.
. "$(dirname "$0")/lib.sh"

CASES=${HOSTILE_CASES:-"$TOP/test/integration/hostile.cases"}
# HOSTILE_PENDING=1 also runs the cases that fail today (hostile.pending).
[ -z "${HOSTILE_PENDING:-}" ] || CASES="$CASES $TOP/test/integration/hostile.pending"
DATA=$T/data
mkdir -p "$DATA" "$T/victim" "$T/plant" "$T/cwd/rel" "$T/dir.conf"
netns_new s # the sentinel container
netns_new h # where the hostile ADDs point

# The network every case starts from (jq: cases edit it). ipMasq with the
# nftables backend so that rules are part of the state that must not move.
jq -n --arg d "$DATA" '{cniVersion: "1.0.0", name: "hostile", type: "bridge",
	bridge: "hbr0", isGateway: true, ipMasq: true, ipMasqBackend: "nftables",
	ipam: {type: "host-local", dataDir: $d,
	       ranges: [[{subnet: "10.77.0.0/24"}], [{subnet: "fd77::/64"}]]}}' >"$T/base.json"

# Things cases point at: a lease store whose network directory is a planted
# symlink into a victim directory; one whose lock is a symlink; a relative
# CNI_PATH entry that really holds a host-local; a FIFO and a huge
# resolv.conf; a GC request.
ln -s "$T/victim" "$T/plant/hostile"
mkdir -p "$T/lockplant/hostile"
ln -s "$T/victim/lock" "$T/lockplant/hostile/lock"
cp "$BIN/host-local" "$T/cwd/rel/host-local"
mkfifo "$T/fifo.conf"
head -c 8388608 /dev/zero | tr '\0' 'a' >"$T/huge.conf"

# gen_NAME FILE: stdin bodies that do not fit on a line of the table.
gen_huge() { # past JSON_MAX_INPUT (4 MiB): one long string value
	{ printf '{"cniVersion":"1.0.0","name":"hostile","type":"bridge","pad":"'
	  head -c 5000000 /dev/zero | tr '\0' 'x'
	  printf '"}'; } >"$1"
}
gen_deep_array() { awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; }' >"$1"; }
gen_deep_object() { # valid prefix, then 10^5 nested objects under a known key
	{ printf '{"cniVersion":"1.0.0","name":"hostile","type":"bridge","args":'
	  awk 'BEGIN { for (i = 0; i < 100000; i++) printf "{\"a\":"; printf "1";
	               for (i = 0; i < 100000; i++) printf "}"; }'
	  printf '}'; } >"$1"
}
gen_nul_byte() { printf '{"cniVersion":"1.0.0",\000"name":"hostile","type":"bridge"}' >"$1"; }
gen_truncated() { head -c 150 "$T/base.json" >"$1"; }
gen_bom() { printf '\357\273\277' >"$1"; cat "$T/base.json" >>"$1"; }
gen_many_keys() { # 200000 distinct keys: big, but under the size limit
	awk 'BEGIN { printf "{\"cniVersion\":\"1.0.0\",\"name\":\"hostile\",\"type\":\"bridge\",\"mtu\":\"x\"";
	             for (i = 0; i < 200000; i++) printf ",\"k%d\":%d", i, i; printf "}"; }' >"$1"
}

# State outside the plugin's own log. Names, not counters or timers.
state() {
	for ns in "" s h; do
		n=${ns:+-n $ns}
		echo "== netns ${ns:-host}"
		# shellcheck disable=SC2086 # $n is empty or two words
		ip $n -o link show | awk '{print $2, $3}' | sed 's/@[^:]*:/:/'
		# shellcheck disable=SC2086
		ip $n -o addr show | awk '{print $2, $3, $4}'
		# shellcheck disable=SC2086
		# (anycast and local routes come and go with link-local addresses)
		{ ip $n route show table all; ip $n -6 route show table all; } |
			grep -Ev '^(local|multicast|broadcast|anycast) '
	done
	echo "== nft"
	nft list ruleset 2>&1
	echo "== iptables"
	{ iptables-save; ip6tables-save; } 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
	echo "== sysctl"
	cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding
	echo "== files"
	# host-local's index is a cache that a rolled-back ADD may append to;
	# its presence counts, its size does not. Leases count byte for byte.
	find /var/lib/cni "$DATA" "$T/plant" "$T/victim" "$T/lockplant" "$T/cwd" /run/netns \
		-printf '%p %y %s %m %l\n' 2>/dev/null | sed 's/\(cni-bridge-index f\) [0-9]*/\1/' | sort
}

# The sentinel: a working attachment with a lease, rules and a veth.
env CNI_COMMAND=ADD CNI_CONTAINERID=sentinel CNI_NETNS=/run/netns/s CNI_IFNAME=eth0 \
	CNI_PATH="$BIN" "$BIN/bridge" <"$T/base.json" >"$T/sentinel.out" 2>&1
check_eq "sentinel ADD succeeds" "$(jq -r '.ips | length' "$T/sentinel.out" 2>/dev/null)" 2
# Let the kernel finish what the ADD set in motion (link-local addresses,
# carrier) so that a difference below is the hostile call's doing.
prev=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
	cur=$(state)
	[ "$cur" = "$prev" ] && break
	prev=$cur
	sleep 0.5
done

# stdin_for SPEC FILE: writes the case's stdin.
stdin_for() {
	case $1 in
	jq:*) jq -c --arg T "$T" "${1#jq:}" "$T/base.json" >"$2" ;;
	raw:*) printf '%s' "${1#raw:}" >"$2" ;;
	gen:*) "gen_${1#gen:}" "$2" ;;
	file:*) cp "$(eval "echo ${1#file:}")" "$2" ;;
	*) echo "bad stdin spec: $1" >&2; return 1 ;;
	esac
}

trim() { printf '%s' "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'; }

# shellcheck disable=SC2086 # a list of files
cat $CASES >"$T/cases"
ncases=0
while IFS='|' read -r plugin code want envs input; do
	plugin=$(trim "$plugin")
	case $plugin in '' | '#'*) continue ;; esac
	code=$(trim "$code") want=$(trim "$want") envs=$(trim "$envs") input=$(trim "$input")
	ncases=$((ncases + 1))
	# (backslashes doubled: lib.sh prints with dash's echo, which expands them)
	label="#$ncases $plugin: $(printf '%.70s' "$envs${envs:+ }$input" | sed 's/\\/\\\\/g')"
	if ! stdin_for "$input" "$T/in"; then
		not_ok "$label: stdin spec"
		continue
	fi
	before=$(state)
	# Defaults a runtime would pass, then the case's overrides (shell
	# words, so quoting and $(printf ...) work in the table).
	eval "set -- CNI_COMMAND=ADD CNI_CONTAINERID=ctr-hostile CNI_NETNS=/run/netns/h \
		CNI_IFNAME=eth0 CNI_PATH=\"\$BIN\" CNI_ARGS= $envs"
	(cd "$T/cwd" && timeout 20 env "$@" "$BIN/$plugin" <"$T/in" >"$T/out" 2>"$T/err")
	rc=$?
	after=$(state)
	got=$(jq -r '"\(.code)"' "$T/out" 2>/dev/null)
	check_eq "$label: exit 1, code $code" "$rc/$got" "1/$code"
	text=$(jq -r '"\(.msg) \(.details // "")"' "$T/out" 2>/dev/null)
	case $text in
	*"$want"*) ok "$label: message names '$want'" ;;
	*)
		not_ok "$label: message names '$want'"
		diag "stdout: $(head -c 600 "$T/out")"
		diag "stderr: $(head -c 300 "$T/err")"
		;;
	esac
	if [ "$before" = "$after" ]; then ok "$label: no state change"; else
		not_ok "$label: no state change"
		printf '%s\n' "$before" >"$T/before"
		printf '%s\n' "$after" >"$T/after"
		diff "$T/before" "$T/after" | head -20 | sed 's/^/# /'
	fi
done <"$T/cases"
check "catalogue has at least 60 cases ($ncases)" test "$ncases" -ge 60

# The sentinel survived all of it: CHECK passes, DEL cleans up.
CNI_PREV=$(jq -c --slurpfile r "$T/sentinel.out" '. + {prevResult: $r[0]}' "$T/base.json")
printf '%s' "$CNI_PREV" >"$T/check.json"
check "sentinel CHECK passes after the catalogue" env CNI_COMMAND=CHECK CNI_CONTAINERID=sentinel \
	CNI_NETNS=/run/netns/s CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/bridge" <"$T/check.json"
check "sentinel DEL" env CNI_COMMAND=DEL CNI_CONTAINERID=sentinel \
	CNI_NETNS=/run/netns/s CNI_IFNAME=eth0 CNI_PATH="$BIN" "$BIN/bridge" <"$T/check.json"
check_eq "victim directory untouched" "$(find "$T/victim" | wc -l)" 1
done_testing
