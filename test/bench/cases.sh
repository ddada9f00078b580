# The benchmark cases of issue 8 (sourced by test/bench/run.sh, inside the
# sandbox). Each case alternates the variants round by round; round 0 is a
# warm-up (creates bridges, pulls binaries into the page cache) and is not
# recorded.

# sink ROUND CASE VARIANT OP: record, except during the warm-up round.
sink() {
	if [ "$1" -eq 0 ]; then cat >/dev/null; else record "$2" "$3" "$4"; fi
}

# ---- case 1, 2, 3: serial ADD then DEL of $N containers ----

# one_call VARIANT OP CONF IDX: one ADD or DEL of container IDX by VARIANT
# ("floor" is the floor program), bench_exec's line on stdout.
# A floor variant other than "floor" finds its bridge and /16 prefix in
# FLOOR_BR_<variant> and FLOOR_NET_<variant> (e.g. cpf0 and 10.111); a
# "floorsys" one also sets the reference's sysctls (bench_floor -s).
one_call() {
	case $1 in
	floor*)
		eval "_fbr=\${FLOOR_BR_$1:-cbf0} _fnet=\${FLOOR_NET_$1:-10.90}"
		_fs=
		case $1 in floorsys*) _fs=-s ;; esac
		if [ "$2" = add ]; then
			# shellcheck disable=SC2154,SC2086 # set by the eval; _fs: no word or one
			"$TOOLS/bench_exec" -s "$4" -- "$FLOOR" $_fs add /run/netns/b%d eth0 \
				"$_fnet.%i/16" "$_fnet.0.1" "$_fbr"
		else
			"$TOOLS/bench_exec" -s "$4" -- "$FLOOR" del /run/netns/b%d eth0
		fi
		;;
	netavark*)
		case $2 in add) _cmd=setup ;; *) _cmd=teardown ;; esac
		"$TOOLS/bench_exec" -s "$4" -f "$W/nv/$4.json" -- "$NETAVARK" --config "$W/nv/state" \
			"$_cmd" /run/netns/b%d
		;;
	*)
		case $2 in add) _cmd=ADD ;; *) _cmd=DEL ;; esac
		cni_exec "$(plugin_dir "$1")" bridge "$_cmd" "$3" "$4" 1
		;;
	esac
}

# serial_case CASE CONF_PREFIX VARIANT...: $ROUNDS rounds (after a warm-up) of
# $N ADDs then $N DELs, the variants interleaved call by call (the order
# reversed every round) so that a noisy moment hits all of them. Variant V
# reads $W/CONF_PREFIX-V.json and owns its own namespaces: the K-th variant
# uses containers K*N .. K*N+N-1.
serial_case() {
	_case=$1 _prefix=$2
	shift 2
	log "$_case: $N containers x $ROUNDS rounds, interleaved: $*"
	netns_make $(($# * N))
	_k=0
	for _v in "$@"; do
		eval "_off_$_v=$((_k * N))"
		_k=$((_k + 1))
	done
	_r=0
	while [ "$_r" -le "${CASE_ROUNDS:-$ROUNDS}" ]; do
		# a case may prepare every round (fresh stores, configs)
		[ -z "${ROUND_HOOK:-}" ] || "$ROUND_HOOK" "$_r"
		_order=$(variants_in_order "$_r" "$@")
		for _op in add del; do
			_i=0
			while [ "$_i" -lt "$N" ]; do
				for _v in $_order; do
					eval "_off=\$_off_$_v"
					one_call "$_v" "$_op" "$W/$_prefix-$_v.json" $((_off + _i)) \
						>>"$W/calls-$_v-$_op"
				done
				_i=$((_i + 1))
			done
		done
		for _v in "$@"; do
			for _op in add del; do
				sink "$_r" "$_case" "$_v" "$_op" <"$W/calls-$_v-$_op"
				rm -f "$W/calls-$_v-$_op"
			done
		done
		_r=$((_r + 1))
	done
	for _v in "$@"; do
		case $_v in floor*) ;; *) put "$_case" "$_v" leases_left "$(leases_left "$_case-$_v")" ;; esac
	done
	put "$_case" all veths_left "$(veths_left)"
}

# floor_bridge: the bridge the floor program attaches to (it creates none).
floor_bridge() {
	[ -e /sys/class/net/cbf0 ] && return 0
	ip link add cbf0 type bridge && ip addr add 10.90.0.1/16 dev cbf0 && ip link set cbf0 up
}

# with_floor V...: the variants, plus "floor" when the floor program exists.
with_floor() {
	if [ -x "$FLOOR" ] && floor_bridge; then echo "$* floor"; else
		log "no floor program at $FLOOR: floor rows skipped"
		echo "$@"
	fi
}

case_serial() {
	mkconf "$W/serial-ours.json" serial-ours cbo0 "$(ipam_v4 10.88.0.0/16)"
	mkconf "$W/serial-ref.json" serial-ref cbr0 "$(ipam_v4 10.89.0.0/16)"
	# shellcheck disable=SC2046 # a list of words
	serial_case serial serial $(with_floor ours ref)
}

case_dual() {
	mkconf "$W/dual-ours.json" dual-ours cdo0 "$(ipam_dual 10.92.0.0/16 fd92:0:0:1::/64)"
	mkconf "$W/dual-ref.json" dual-ref cdr0 "$(ipam_dual 10.93.0.0/16 fd93:0:0:1::/64)"
	serial_case dual dual ours ref
}

# ipMasq: the reference (v1.1.1) only has the iptables backend; ours has
# nftables (default) and iptables. Each compares with the reference.
case_masq() {
	mkconf "$W/masq-ref.json" masq-ref cmr0 "$(ipam_v4 10.94.0.0/16)" '{"ipMasq":true}'
	mkconf "$W/masq-ours.json" masq-ours cmo0 "$(ipam_v4 10.95.0.0/16)" \
		'{"ipMasq":true,"ipMasqBackend":"nftables"}'
	mkconf "$W/masq-ours_ipt.json" masq-ours_ipt cmi0 "$(ipam_v4 10.96.0.0/16)" \
		'{"ipMasq":true,"ipMasqBackend":"iptables"}'
	serial_case masq masq ours ours_ipt ref
}

# ---- case 4: burst of $BURST ADDs at once, then $BURST DELs at once ----

# distinct_ips DIR: the number of distinct addresses in the ADD results there.
distinct_ips() {
	cat "$1"/*.out 2>/dev/null | jq -r '.ips[]?.address' | sort -u | grep -c .
}

# burst_add VARIANT / burst_del VARIANT: $BURST calls at once, ADD results in
# $W/burst-out.
burst_add() {
	if [ "$1" = floor ]; then
		"$TOOLS/bench_exec" -P -k "$BURST" -- "$FLOOR" add /run/netns/b%d eth0 10.90.%i/16 \
			10.90.0.1 cbf0
	else
		cni_exec "$(plugin_dir "$1")" bridge ADD "$W/burst-$1.json" 0 "$BURST" -P \
			-O "$W/burst-out"
	fi
}
burst_del() {
	if [ "$1" = floor ]; then
		"$TOOLS/bench_exec" -P -k "$BURST" -- "$FLOOR" del /run/netns/b%d eth0
	else
		cni_exec "$(plugin_dir "$1")" bridge DEL "$W/burst-$1.json" 0 "$BURST" -P
	fi
}

case_burst() {
	_vs=$(with_floor ours ref)
	log "burst: $BURST at once x $BURST_ROUNDS rounds: $_vs"
	mkconf "$W/burst-ours.json" burst-ours cbuo0 "$(ipam_v4 10.97.0.0/16)"
	mkconf "$W/burst-ref.json" burst-ref cbur0 "$(ipam_v4 10.98.0.0/16)"
	for _v in ours ref; do # warm-up: the bridges exist before the first burst
		cni_exec "$(plugin_dir "$_v")" bridge ADD "$W/burst-$_v.json" 0 1 >/dev/null
		cni_exec "$(plugin_dir "$_v")" bridge DEL "$W/burst-$_v.json" 0 1 >/dev/null
	done
	_r=1
	while [ "$_r" -le "$BURST_ROUNDS" ]; do
		for _v in $(variants_in_order "$_r" $_vs); do
			rm -rf "$W/burst-out" && mkdir -p "$W/burst-out"
			burst_add "$_v" | record burst "$_v" add
			burst_del "$_v" | record burst "$_v" del
			[ "$_v" = floor ] && continue
			put burst "$_v" distinct_ips "$(distinct_ips "$W/burst-out")"
			put burst "$_v" leases_left "$(leases_left "burst-$_v")"
		done
		_r=$((_r + 1))
	done
	put burst all veths_left "$(veths_left)"
	# The gate itself: 5 x 0.3 s sleeps let go at once take ~0.3 s in all
	# when they run together, 1.5 s when one waited for the other.
	_gate=$("$TOOLS/bench_exec" -P -k 5 -- /bin/sleep 0.3 | awk '$1 == "burst" { print $4 }')
	log "burst gate: 5 x 0.3 s sleeps let go at once took ${_gate:-?} us in all"
	put burst all gate_wall_us "${_gate:-0}"
}

# ---- case 5: host-local alone against a store holding many leases ----

# prefill NETWORK FROM TO: lease files for addresses FROM..TO-1 of 10.100/16
# (offset from .0.2), in the reference's format "id\r\nifname", and the
# last-reserved pointer after them so allocation does not have to skip them.
prefill() {
	_dir=${HL_ROOT:-/var/lib/cni/networks}/$1 _i=$2
	mkdir -p "$_dir"
	while [ "$_i" -lt "$3" ]; do
		_n=$((_i + 2))
		printf 'prefill-%d\r\neth0' "$_i" >"$_dir/10.100.$((_n / 256)).$((_n % 256))"
		_i=$((_i + 1))
	done
	[ "$3" -gt 0 ] && printf '10.100.%d.%d' $((($3 + 1) / 256)) $((($3 + 1) % 256)) \
		>"$_dir/last_reserved_ip.0"
	return 0
}

# One store per variant and lease count, all filled first; then every round
# visits every (count, variant) pair, so a noisy moment on the machine does
# not land on one lease count only.
# The stores sit where BENCH_HL_STORE says: "disk" (default), a dataDir on
# the filesystem of $W, as a node keeps /var/lib/cni on its root
# filesystem; "tmpfs", /var/lib/cni/networks of this run (its own tmpfs),
# where our index must also readdir the store (plugin/host-local/README.md).
case_hostlocal() {
	log "host-local: leases $HL_LEASES, $HL_N x $HL_ROUNDS per level, levels interleaved," \
		"store on $HL_STORE"
	HL_ROOT=/var/lib/cni/networks
	[ "$HL_STORE" = tmpfs ] || HL_ROOT=$W/hl-store
	for _l in $HL_LEASES; do
		for _v in ours ref; do
			mkconf "$W/hl-$_v-$_l.json" "hl-$_v-$_l" unused \
				"{\"type\":\"host-local\",\"subnet\":\"10.100.0.0/16\",\"dataDir\":\"$HL_ROOT\"}"
			prefill "hl-$_v-$_l" 0 "$_l"
		done
	done
	_r=0
	while [ "$_r" -le "$HL_ROUNDS" ]; do
		for _l in $HL_LEASES; do
			for _v in $(variants_in_order "$_r" ours ref); do
				_d=$(plugin_dir "$_v")
				cni_exec "$_d" host-local ADD "$W/hl-$_v-$_l.json" 0 "$HL_N" |
					sink "$_r" "hl$_l" "$_v" add
				cni_exec "$_d" host-local DEL "$W/hl-$_v-$_l.json" 0 "$HL_N" |
					sink "$_r" "hl$_l" "$_v" del
			done
		done
		_r=$((_r + 1))
	done
}

# ---- context: what starting a process costs here ----
# VERSION of each bridge (start-up, no work) next to an empty C program (glibc
# start-up alone) and one without libc: on a VM, glibc's CPU feature probing
# (cpuid, which traps to the hypervisor) can be most of a C plugin's exec.
case_startup() {
	log "startup: VERSION of each bridge and empty programs, $STARTUP_N each"
	printf 'int main(void) { return 0; }\n' >"$W/empty.c"
	printf '#include <unistd.h>\nvoid _start(void) { _exit(0); }\n' >"$W/nolibc.c"
	cat >"$W/cpuid.c" <<'EOF'
#include <cpuid.h>
#include <stdio.h>
#include <time.h>
int main(void)
{
	unsigned a, b, c, d, sum = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 2000; i++) {
		__cpuid_count(4, i & 3, a, b, c, d);
		sum += a;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.0f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 2000 + (sum & 0));
	return 0;
}
EOF
	cc -O2 -o "$W/empty-libc" "$W/empty.c" &&
		cc -O2 -static -nostartfiles -o "$W/empty-nolibc" "$W/nolibc.c" &&
		cc -O2 -o "$W/cpuid" "$W/cpuid.c" || return 1
	# one cpuid instruction, in ns: under a hypervisor it traps, and glibc's
	# start-up runs a few dozen of them (cache and feature probing)
	put startup cpu cpuid_ns "$("$W/cpuid")"
	_r=0
	while [ "$_r" -le 2 ]; do
		for _v in $(variants_in_order "$_r" ours ref libc nolibc); do
			case $_v in
			ours | ref) set -- -e CNI_COMMAND=VERSION -- "$(plugin_dir "$_v")/bridge" ;;
			*) set -- -- "$W/empty-$_v" ;;
			esac
			"$TOOLS/bench_exec" -k "$STARTUP_N" "$@" | sink "$_r" startup "$_v" exec
		done
		_r=$((_r + 1))
	done
}

# ---- case 6: stripped binary sizes (peak RSS comes from cases 1 and 5) ----

case_size() {
	for _v in ours ref; do
		for _p in bridge host-local; do
			cp "$(plugin_dir "$_v")/$_p" "$W/strip-$_p" && strip --strip-all "$W/strip-$_p"
			put size "$_v" "${_p}_stripped_bytes" "$(stat -c %s "$W/strip-$_p")"
		done
	done
}

# Peak RSS of each process of an ADD and a DEL (plugin, IPAM child, iptables,
# ...) and how many processes ran, traced (slow) so kept out of the timings.
case_rss() {
	log "rss: $RSS_N traced ADD+DEL per variant, plain and with ipMasq"
	mkconf "$W/rss-ours.json" rss-ours crso0 "$(ipam_v4 10.103.0.0/16)"
	mkconf "$W/rss-ref.json" rss-ref crsr0 "$(ipam_v4 10.104.0.0/16)"
	mkconf "$W/rssmasq-ours.json" rssmasq-ours crmo0 "$(ipam_v4 10.105.0.0/16)" '{"ipMasq":true}'
	mkconf "$W/rssmasq-ref.json" rssmasq-ref crmr0 "$(ipam_v4 10.106.0.0/16)" '{"ipMasq":true}'
	for _c in rss rssmasq; do
		for _v in ours ref; do
			_d=$(plugin_dir "$_v")
			cni_exec "$_d" bridge ADD "$W/$_c-$_v.json" 0 "$RSS_N" -R | record "$_c" "$_v" add
			cni_exec "$_d" bridge DEL "$W/$_c-$_v.json" 0 "$RSS_N" -R | record "$_c" "$_v" del
		done
	done
}

# ---- case 7: enabledad ADD against the kernel's own DAD time ----

# The kernel alone: a fresh veth, peer in a netns, both up, one IPv6 address
# added; bench_exec watches the netns for the address leaving "tentative".
kernel_dad_once() {
	ip link del kdad0 2>/dev/null
	ip link add kdad0 type veth peer name eth0 netns b0 && ip link set kdad0 up &&
		ip -n b0 link set eth0 up || return 1
	"$TOOLS/bench_exec" -D /run/netns/b0 -W -- /sbin/ip -n b0 addr add fd99::2/64 dev eth0 |
		record dad kernel add
	# "wall minus DAD" means nothing here: ip returns before DAD even starts
	sed -i '/^dad kernel add_over_dad_us /d' "$RAW"
	ip link del kdad0
}

case_dad() {
	log "dad: $DAD_REPS ADDs with enabledad per variant, and the kernel alone"
	mkconf "$W/dad-ours.json" dad-ours cdao0 "$(ipam_dual 10.101.0.0/16 fd01:0:0:1::/64)" \
		'{"enabledad":true}'
	mkconf "$W/dad-ref.json" dad-ref cdar0 "$(ipam_dual 10.102.0.0/16 fd02:0:0:1::/64)" \
		'{"enabledad":true}'
	# warm-up, as in the other cases: the first ADD also creates the bridge
	# and its gateway address, which has a DAD of its own in the host netns
	for _v in ours ref; do
		cni_exec "$(plugin_dir "$_v")" bridge ADD "$W/dad-$_v.json" 0 1 >/dev/null
		cni_exec "$(plugin_dir "$_v")" bridge DEL "$W/dad-$_v.json" 0 1 >/dev/null
	done
	_r=1
	while [ "$_r" -le "$DAD_REPS" ]; do
		for _v in $(variants_in_order "$_r" ours ref kernel); do
			if [ "$_v" = kernel ]; then kernel_dad_once; continue; fi
			_d=$(plugin_dir "$_v")
			cni_exec "$_d" bridge ADD "$W/dad-$_v.json" 0 1 -D /run/netns/b0 | record dad "$_v" add
			cni_exec "$_d" bridge DEL "$W/dad-$_v.json" 0 1 >/dev/null
		done
		_r=$((_r + 1))
	done
}

# ---- issue 14, case "harness": the shape of a simple runtime ----
# isGateway, a default route, a fresh host-local dataDir every round, $N in
# series, alternated call by call with the reference and the floor (which
# adds the default route too).
harness_round() {
	for _v in ours ref; do
		rm -rf "$W/hd-$_v"
		mkconf "$W/harness-$_v.json" "harness-$_v" "chn$_v" \
			"{\"type\":\"host-local\",\"subnet\":\"10.$(harness_net "$_v").0.0/16\",
			  \"routes\":[{\"dst\":\"0.0.0.0/0\"}],\"dataDir\":\"$W/hd-$_v/r$1\"}"
	done
}
harness_net() { case $1 in ours) echo 107 ;; *) echo 108 ;; esac; }

case_harness() {
	ROUND_HOOK=harness_round
	# shellcheck disable=SC2046 # a list of words
	serial_case harness harness $(with_floor ours ref)
	ROUND_HOOK=
	# the leases are in the last round's dataDirs
	sed -i '/^harness ours leases_left /d; /^harness ref leases_left /d' "$RAW"
	for _v in ours ref; do
		put harness "$_v" leases_left "$(leases_left "$W/hd-$_v/r$ROUNDS/harness-$_v")"
	done
}

# ---- issue 14, case "pods": ADD on an empty bridge and on one with
# $PODS_FILL pods already on it ----
# The existing pods are the same for every variant: veths made with ip(8),
# peer up in a netns of its own, host end up on the bridge, and a neighbour
# entry on the bridge for each (a node talks to its pods), and each pod's
# /proc/sys/net looked up once, as the plugin that made it did. The variants share
# the two bridges (each on its own part of the subnet): ours without
# masquerade, with nftables and with iptables masquerade, the reference, the
# floor program.
pods_fill() {
	_br=$1 _net=$2 _n=$3 _b=$W/fill-$_br.ip
	: >"$_b"
	_i=0
	while [ "$_i" -lt "$_n" ]; do
		echo "netns add pf$_br$_i" >>"$_b"
		_i=$((_i + 1))
	done
	ip -batch "$_b" || return 1
	: >"$_b"
	_i=0
	while [ "$_i" -lt "$_n" ]; do
		_h=$(printf '%02x' $((_i % 256)))
		echo "link add pfv$_br$_i type veth peer name eth0 netns pf$_br$_i" >>"$_b"
		echo "link set pfv$_br$_i master $_br up" >>"$_b"
		echo "neigh replace $_net.250.$((_i % 250)) lladdr 02:00:00:00:$(printf '%02x' $((_i / 256))):$_h dev $_br nud stale" >>"$_b"
		_i=$((_i + 1))
	done
	ip -batch "$_b" || return 1
	_i=0
	while [ "$_i" -lt "$_n" ]; do
		ip -n "pf$_br$_i" link set eth0 up || return 1
		# as a CNI plugin leaves a pod's netns: its /proc/sys/net looked
		# up (accept_dad, arp_notify), which every later lookup of
		# /proc/sys/net on the node walks past (lib/sysctl/sysctl.c)
		ip netns exec "pf$_br$_i" cat /proc/sys/net/ipv6/conf/eth0/accept_dad \
			/proc/sys/net/ipv4/conf/eth0/arp_notify >/dev/null || return 1
		_i=$((_i + 1))
	done
}

# pods_conf VARIANT BRIDGE NET THIRD_OCTET [EXTRA]: a variant's config on a shared bridge.
pods_conf() {
	mkconf "$W/pods-$1.json" "pods-$1" "$2" \
		"{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"$3.0.0/16\",
		  \"rangeStart\":\"$3.$4.1\",\"rangeEnd\":\"$3.$4.250\",\"gateway\":\"$3.0.1\"}]]}" "${5:-{\}}"
}

case_pods() {
	log "pods: ADD at 0 and $PODS_FILL existing pods, $PODS_N x $PODS_ROUNDS"
	for _lv in "0 cpz0 10.110" "$PODS_FILL cpf0 10.111"; do
		# shellcheck disable=SC2086 # three words
		set -- $_lv
		ip link add "$2" type bridge && ip addr add "$3.0.1/16" dev "$2" && ip link set "$2" up ||
			return 1
		[ "$1" -gt 0 ] && { pods_fill "$2" "$3" "$1" || return 1; }
		pods_conf "ours_p$1" "$2" "$3" 1
		pods_conf "ours_nft_p$1" "$2" "$3" 2 '{"ipMasq":true,"ipMasqBackend":"nftables"}'
		pods_conf "ours_ipt_p$1" "$2" "$3" 3 '{"ipMasq":true,"ipMasqBackend":"iptables"}'
		pods_conf "ref_p$1" "$2" "$3" 4
		pods_conf "ref_ipt_p$1" "$2" "$3" 5 '{"ipMasq":true}'
		eval "FLOOR_BR_floor_p$1=$2 FLOOR_NET_floor_p$1=$3"
		eval "FLOOR_BR_floorsys_p$1=$2 FLOOR_NET_floorsys_p$1=$3"
	done
	_vs=""
	for _v in ours ours_nft ours_ipt ref ref_ipt; do _vs="$_vs ${_v}_p0 ${_v}_p$PODS_FILL"; done
	# floorsys: the floor plus the sysctls the reference sets before the
	# container's link goes up (accept_dad=0 and arp_notify=1), which the
	# plugin must set too: what they cost per pod is the kernel's
	[ -x "$FLOOR" ] && _vs="$_vs floor_p0 floor_p$PODS_FILL floorsys_p0 floorsys_p$PODS_FILL"
	_saved_n=$N
	N=$PODS_N CASE_ROUNDS=$PODS_ROUNDS
	# shellcheck disable=SC2086 # a list of words
	serial_case pods pods $_vs
	N=$_saved_n CASE_ROUNDS=
	_i=0
	while [ "$_i" -lt "$PODS_FILL" ]; do
		echo "netns del pfcpf0$_i"
		_i=$((_i + 1))
	done | ip -batch - 2>/dev/null
	ip link del cpf0
	ip link del cpz0
	# the filler's veths were still there when serial_case counted
	sed -i '/^pods all veths_left /d' "$RAW"
	put pods all veths_left "$(veths_left)"
	return 0
}

# ---- issue 14, case "netavark": podman's Rust backend as a peer ----
# The same shape for everyone: bridge, gateway, masquerade. netavark does no
# IPAM, so it gets static addresses (one network options file per
# container, DNS off); ours runs its host-local. netavark 1.4 has the
# iptables driver only: both of our backends are compared with it.
nv_opts() {
	_ip=$(printf '10.112.%d.%d' $((($1 + 2) / 256)) $((($1 + 2) % 256)))
	jq -n --arg id "$(printf 'bench%059d' "$1")" --arg ip "$_ip" '
	{ container_id: $id, container_name: ("c" + $id[-6:]),
	  networks: { nvb: { interface_name: "eth0", static_ips: [$ip] } },
	  network_info: { nvb: { name: "nvb", id: ("b" * 64), driver: "bridge",
	    network_interface: "cnv0", subnets: [{ subnet: "10.112.0.0/16", gateway: "10.112.0.1" }],
	    ipv6_enabled: false, internal: false, dns_enabled: false,
	    ipam_options: { driver: "host-local" } } },
	  port_mappings: null, dns_servers: null }' >"$W/nv/$1.json"
}

case_netavark() {
	[ -x "$NETAVARK" ] || { log "netavark: no $NETAVARK (apt-get install netavark): case skipped"; return 0; }
	mkdir -p "$W/nv/state"
	mkconf "$W/nva-ours_nft.json" netavark-ours_nft cnvn0 "$(ipam_v4 10.113.0.0/16)" \
		'{"ipMasq":true,"ipMasqBackend":"nftables"}'
	mkconf "$W/nva-ours_ipt.json" netavark-ours_ipt cnvi0 "$(ipam_v4 10.114.0.0/16)" \
		'{"ipMasq":true,"ipMasqBackend":"iptables"}'
	# netavark is the third variant: containers 2N .. 3N-1
	_i=$((2 * N))
	while [ "$_i" -lt $((3 * N)) ]; do
		nv_opts "$_i" || return 1
		_i=$((_i + 1))
	done
	serial_case netavark nva ours_nft ours_ipt netavark
	sed -i '/^netavark netavark leases_left /d' "$RAW"
}
