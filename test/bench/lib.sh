# Helpers for test/bench/run.sh (sourced; runs inside the throwaway sandbox).
# Every measurement becomes lines "CASE VARIANT METRIC VALUE" in $RAW;
# test/bench/report.sh turns them into medians, the table and results.json.

log() { echo "bench: $*" >&2; }

# mkconf FILE NAME BRIDGE IPAM_JSON [EXTRA_JSON]: a bridge network config.
# EXTRA_JSON is a JSON object merged into the top level (ipMasq, enabledad...).
mkconf() {
	jq -n --arg name "$2" --arg br "$3" --argjson ipam "$4" --argjson extra "${5:-{\}}" \
		'{cniVersion: "1.0.0", name: $name, type: "bridge", bridge: $br,
		  isGateway: true, ipam: $ipam} + $extra' >"$1"
}
ipam_v4() { echo "{\"type\":\"host-local\",\"subnet\":\"$1\"}"; }
ipam_dual() { echo "{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"$1\"}],[{\"subnet\":\"$2\"}]]}"; }

# netns_make COUNT: /run/netns/b0 .. b(COUNT-1), lo up. They are reused by
# every case: after a DEL a namespace holds only lo again.
netns_make() {
	_i=0
	while [ "$_i" -lt "$1" ]; do
		[ -e "/run/netns/b$_i" ] || { ip netns add "b$_i" && ip -n "b$_i" link set lo up; }
		_i=$((_i + 1))
	done
}

# cni_exec PLUGIN_DIR PLUGIN COMMAND CONF FIRST COUNT [bench_exec options...]
# Runs PLUGIN_DIR/PLUGIN for containers FIRST..FIRST+COUNT-1 (container id
# bench-IDX, netns /run/netns/bIDX, eth0) via bench_exec; prints its lines.
cni_exec() {
	_dir=$1 _plugin=$2 _cmd=$3 _conf=$4 _first=$5 _count=$6
	shift 6
	"$TOOLS/bench_exec" -s "$_first" -k "$_count" -f "$_conf" "$@" \
		-e CNI_COMMAND="$_cmd" -e CNI_CONTAINERID=bench-%d -e CNI_NETNS=/run/netns/b%d \
		-e CNI_IFNAME=eth0 -e CNI_PATH="$_dir" -- "$_dir/$_plugin"
}

# record CASE VARIANT OP: reads bench_exec output on stdin, appends to $RAW
# OP_fail (0/1) per run, and for successful runs only (a failed call is not a
# fast call) OP_wall_us, OP_cpu_us (user+sys, children included), OP_rss_kb,
# OP_blocked (voluntary context switches); OP_burst_wall_us / OP_burst_fail per burst, and for DAD watching
# OP_dad_us (first address tentative -> last one valid: the kernel's share),
# OP_over_dad_us (wall minus that: the plugin's own work and its polling lag)
# and OP_dad_unfinished (1: the plugin returned with an address still tentative);
# with bench_exec -R, per run and program NAME: OP_rss_NAME_kb (largest peak
# RSS of a NAME process) and OP_procs_NAME (how many NAME processes ran).
record() {
	awk -v c="$1" -v v="$2" -v op="$3" '
	$1 == "run" { print c, v, op "_fail", ($3 != 0); ok[$2] = ($3 == 0) }
	$1 == "run" && $3 == 0 {
		print c, v, op "_wall_us", $4; print c, v, op "_cpu_us", $5 + $6
		print c, v, op "_rss_kb", $7; print c, v, op "_blocked", $8
		wall[$2] = $4
	}
	$1 == "burst" { print c, v, op "_burst_wall_us", $4; print c, v, op "_burst_fail", $3 }
	$1 == "dad" && $3 >= 0 && $4 >= 0 {
		print c, v, op "_dad_us", $4 - $3
		if ($2 in wall) print c, v, op "_over_dad_us", wall[$2] - ($4 - $3)
	}
	$1 == "dad" { print c, v, op "_dad_unfinished", ($3 < 0 || $4 < 0 || $5 > 0) }
	$1 == "rss" && ok[$2] {
		k = $2 " " $3
		if (!(k in hwm) || $4 > hwm[k]) hwm[k] = $4
		procs[k]++
	}
	END {
		for (k in hwm) {
			split(k, p, " ")
			print c, v, op "_rss_" p[2] "_kb", hwm[k]; print c, v, op "_procs_" p[2], procs[k]
		}
	}' >>"$RAW"
}

# put CASE VARIANT METRIC VALUE: one raw sample.
put() { echo "$1 $2 $3 $4" >>"$RAW"; }

# variants_in_order ROUND V...: the variants, reversed on even rounds, so
# neither side always runs first (caches, bridge state, timer ticks).
variants_in_order() {
	_r=$1
	shift
	if [ $((_r % 2)) -eq 1 ]; then echo "$@"; else
		_out=""
		for _v in "$@"; do _out="$_v $_out"; done
		echo "$_out"
	fi
}

# plugin_dir VARIANT: where that variant's plugins live.
plugin_dir() {
	case $1 in
	ours*) echo "$OURS" ;;
	ref*) echo "$REF" ;;
	esac
}

# leases_left NETWORK|/STORE_DIR: IP lease files still in the store (0 after a clean DEL).
leases_left() {
	_n=0 _dir=/var/lib/cni/networks/$1
	case $1 in /*) _dir=$1 ;; esac
	for _f in "$_dir"/*; do
		case ${_f##*/} in
		'*' | lock | last_reserved_ip*) ;;
		*) _n=$((_n + 1)) ;;
		esac
	done
	echo "$_n"
}

# veths_left: veth links still in the host netns (0 after every variant's DELs).
veths_left() {
	ip -o link show type veth | grep -c .
}
