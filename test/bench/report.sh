#!/bin/sh
# Turns raw samples ("CASE VARIANT METRIC VALUE" lines) into statistics, the
# headline table (ratios against the issue 8 targets), a detail table, and a
# JSON file. usage: report.sh RAW_FILE RESULTS_JSON
# env (optional, for the JSON): BENCH_SETTINGS, BENCH_OURS_DIR, BENCH_REF_DIR, BENCH_LOAD
set -u
RAW=$1
JSON=$2
STATS=${JSON%.json}.stats

# CASE VARIANT METRIC N MEDIAN P10 P90 SUM, percentiles by nearest rank.
sort -k1,1 -k2,2 -k3,3 -k4,4n "$RAW" | awk '
function flush(   m, i10, i90) {
	if (n == 0) return
	m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	i10 = int(0.1 * n + 0.999); if (i10 < 1) i10 = 1
	i90 = int(0.9 * n + 0.999); if (i90 > n) i90 = n
	print key, n, m, v[i10], v[i90], sum
}
{
	k = $1 " " $2 " " $3
	if (k != key) { flush(); key = k; n = 0; sum = 0 }
	v[++n] = $4; sum += $4
}
END { flush() }' >"$STATS"

# get CASE VARIANT METRIC [FIELD]: FIELD is n, median (default), p10, p90 or sum.
get() {
	awk -v c="$1" -v v="$2" -v m="$3" -v f="${4:-median}" '
	BEGIN { col["n"] = 4; col["median"] = 5; col["p10"] = 6; col["p90"] = 7; col["sum"] = 8 }
	$1 == c && $2 == v && $3 == m { print $(col[f]); exit }' "$STATS"
}
# calc EXPR with a, b: prints the result with 2 decimals, "n/a" if an input is missing.
calc() {
	awk -v a="$2" -v b="$3" "BEGIN { if (a == \"\" || b == \"\" || ($4)) print \"n/a\";
		else printf \"%.2f\", $1 }"
}
ratio() { calc 'a / b' "$1" "$2" 'b == 0'; }
plus() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { print a + b }'; }
ms() { calc 'a / 1000' "$1" 0 0; }

# headline METRIC VALUE OP TARGET DETAIL: one target row, to the table and JSON
# (OP and TARGET empty: a context row without a target).
HEAD=${JSON%.json}.head
: >"$HEAD"
headline() {
	_met=$(awk -v x="$2" -v t="$4" -v op="$3" 'BEGIN {
		if (op == "") print "-";
		else if (x == "n/a" || x == "") print "n/a";
		else if ((op == "<=" && x + 0 <= t + 0) || (op == "==" && x + 0 == t + 0)) print "yes";
		else print "NO" }')
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3${3:+ }$4" "$_met" "$5" >>"$HEAD"
}

s_add_o=$(get serial ours add_wall_us) s_add_r=$(get serial ref add_wall_us)
s_del_o=$(get serial ours del_wall_us) s_del_r=$(get serial ref del_wall_us)
s_add_f=$(get serial floor add_wall_us) s_del_f=$(get serial floor del_wall_us)
cpu_o=$(plus "$(get serial ours add_cpu_us)" "$(get serial ours del_cpu_us)")
cpu_r=$(plus "$(get serial ref add_cpu_us)" "$(get serial ref del_cpu_us)")
headline "ADD wall, ours / reference" "$(ratio "$s_add_o" "$s_add_r")" "<=" 0.25 \
	"$(ms "$s_add_o") ms vs $(ms "$s_add_r") ms"
headline "ADD wall, ours / floor program" "$(ratio "$s_add_o" "$s_add_f")" "<=" 1.5 \
	"$(ms "$s_add_o") ms vs $(ms "$s_add_f") ms"
headline "ADD CPU, ours / floor program (no target)" \
	"$(ratio "$(get serial ours add_cpu_us)" "$(get serial floor add_cpu_us)")" "" "" \
	"$(ms "$(get serial ours add_cpu_us)") ms vs $(ms "$(get serial floor add_cpu_us)") ms: steadier than wall on a busy machine"
headline "DEL wall, ours / reference" "$(ratio "$s_del_o" "$s_del_r")" "<=" 0.9 \
	"$(ms "$s_del_o") ms vs $(ms "$s_del_r") ms (floor $(ms "$s_del_f") ms)"
headline "ADD+DEL CPU, ours / reference" "$(ratio "$cpu_o" "$cpu_r")" "<=" 0.25 \
	"$(ms "$cpu_o") ms vs $(ms "$cpu_r") ms"
for _v in ours ours_ipt; do
	m_o=$(plus "$(get masq $_v add_wall_us)" "$(get masq $_v del_wall_us)")
	m_r=$(plus "$(get masq ref add_wall_us)" "$(get masq ref del_wall_us)")
	_b=nftables _t=0.3
	[ $_v = ours_ipt ] && _b=iptables _t=0.4 # issue 14's targets, per backend
	headline "ipMasq ADD+DEL wall, ours ($_b) / reference" "$(ratio "$m_o" "$m_r")" "<=" "$_t" \
		"$(ms "$m_o") ms vs $(ms "$m_r") ms"
done
b_o=$(get burst ours add_burst_wall_us) b_r=$(get burst ref add_burst_wall_us)
headline "burst of ADDs, wall ours / reference" "$(ratio "$b_o" "$b_r")" "<=" 0.3 \
	"$(ms "$b_o") ms vs $(ms "$b_r") ms, $(get burst ours distinct_ips) distinct IPs"
headline "burst of ADDs, wall ours / floor (no target)" "$(ratio "$b_o" "$(get burst floor add_burst_wall_us)")" \
	"" "" "floor $(ms "$(get burst floor add_burst_wall_us)") ms: rtnl and netns setup serialise in the kernel"
headline "burst of ADDs, our failures" "$(get burst ours add_fail sum)" "==" 0 \
	"reference: $(get burst ref add_fail sum)"
h0=$(get hl0 ours add_wall_us) h1k=$(get hl1000 ours add_wall_us)
headline "host-local ADD at 1000 leases / at 0" "$(ratio "$h1k" "$h0")" "<=" 1.1 \
	"$(ms "$h1k") ms vs $(ms "$h0") ms; CPU $(ratio "$(get hl1000 ours add_cpu_us)" \
	"$(get hl0 ours add_cpu_us)"); reference $(ratio "$(get hl1000 ref add_wall_us)" \
	"$(get hl0 ref add_wall_us)")"
h5k=$(get hl5000 ours add_wall_us)
headline "host-local ADD at 5000 leases / at 0 (issue 14)" "$(ratio "$h5k" "$h0")" "<=" 1.3 \
	"$(ms "$h5k") ms vs $(ms "$h0") ms; CPU $(ratio "$(get hl5000 ours add_cpu_us)" \
	"$(get hl0 ours add_cpu_us)"); reference $(ratio "$(get hl5000 ref add_wall_us)" \
	"$(get hl0 ref add_wall_us)")"
# Peak RSS of an ADD: the bridge plus its IPAM child (alive at the same time;
# an in-process IPAM has no child), each from the traced rss case.
rb_o=$(get rss ours add_rss_bridge_kb) rh_o=$(get rss ours add_rss_host-local_kb)
rb_r=$(get rss ref add_rss_bridge_kb) rh_r=$(get rss ref add_rss_host-local_kb)
r_o=$(plus "$rb_o" "${rh_o:-0}") r_r=$(plus "$rb_r" "${rh_r:-0}")
headline "peak RSS of an ADD (bridge + IPAM), ours / ref" "$(ratio "$r_o" "$r_r")" "<=" 0.25 \
	"$r_o KB vs $r_r KB (bridge ${rb_o:-?} + host-local ${rh_o:-none} vs $rb_r + $rh_r)"
sz_o=$(plus "$(get size ours bridge_stripped_bytes)" "$(get size ours host-local_stripped_bytes)")
sz_r=$(plus "$(get size ref bridge_stripped_bytes)" "$(get size ref host-local_stripped_bytes)")
headline "bridge + host-local stripped (KB)" "$(calc 'a / 1024' "$sz_o" 0 0)" "<=" 300 \
	"reference $(calc 'a / 1024' "$sz_r" 0 0) KB"
headline "enabledad ADD over kernel DAD time (ms)" "$(ms "$(get dad ours add_over_dad_us)")" \
	"<=" 20 "reference $(ms "$(get dad ref add_over_dad_us)") ms; kernel DAD \
$(ms "$(get dad kernel add_dad_us)") ms"

# issue 14: the harness shape (default route, fresh dataDir every round).
h_add_o=$(get harness ours add_wall_us) h_add_r=$(get harness ref add_wall_us)
h_add_f=$(get harness floor add_wall_us)
h_cpu_o=$(plus "$(get harness ours add_cpu_us)" "$(get harness ours del_cpu_us)")
h_cpu_r=$(plus "$(get harness ref add_cpu_us)" "$(get harness ref del_cpu_us)")
headline "harness: ADD wall, ours / reference" "$(ratio "$h_add_o" "$h_add_r")" "<=" 0.25 \
	"$(ms "$h_add_o") ms vs $(ms "$h_add_r") ms"
headline "harness: ADD wall, ours / floor program" "$(ratio "$h_add_o" "$h_add_f")" "<=" 1.3 \
	"$(ms "$h_add_o") ms vs $(ms "$h_add_f") ms; CPU $(ratio "$(get harness ours add_cpu_us)" \
	"$(get harness floor add_cpu_us)")"
headline "harness: ADD+DEL CPU, ours / reference" "$(ratio "$h_cpu_o" "$h_cpu_r")" "<=" 0.25 \
	"$(ms "$h_cpu_o") ms vs $(ms "$h_cpu_r") ms"
headline "harness: DEL wall, ours / reference (no target)" \
	"$(ratio "$(get harness ours del_wall_us)" "$(get harness ref del_wall_us)")" "" "" \
	"$(ms "$(get harness ours del_wall_us)") ms vs $(ms "$(get harness ref del_wall_us)") ms (floor $(ms "$(get harness floor del_wall_us)") ms)"
headline "harness: peak RSS of an ADD, ours / reference (no target)" \
	"$(ratio "$(get harness ours add_rss_kb)" "$(get harness ref add_rss_kb)")" "" "" \
	"$(get harness ours add_rss_kb) KB vs $(get harness ref add_rss_kb) KB"
# issue 14: ADD growth with a bridge full of pods, against the floor's growth.
pf=$(awk '$1 == "pods" && $2 ~ /^floor_p[1-9]/ { sub(/^floor_p/, "", $2); print $2; exit }' "$STATS")
if [ -n "$pf" ]; then
	g_f=$(ratio "$(get pods "floor_p$pf" add_wall_us)" "$(get pods floor_p0 add_wall_us)")
	gc_f=$(ratio "$(get pods "floor_p$pf" add_cpu_us)" "$(get pods floor_p0 add_cpu_us)")
	for _v in ours ours_nft ours_ipt; do
		g=$(ratio "$(get pods "${_v}_p$pf" add_wall_us)" "$(get pods "${_v}_p0" add_wall_us)")
		gc=$(ratio "$(get pods "${_v}_p$pf" add_cpu_us)" "$(get pods "${_v}_p0" add_cpu_us)")
		headline "pods: ADD growth at $pf pods / floor's, $_v" "$(ratio "$g" "$g_f")" "<=" 1.05 \
			"ours x$g (CPU x$gc), floor x$g_f (CPU x$gc_f)"
	done
	# the floor with the reference's sysctls (bench_floor -s): what the
	# kernel's work for them costs per pod, which every plugin that sets
	# them pays
	g_s=$(ratio "$(get pods "floorsys_p$pf" add_wall_us)" "$(get pods floorsys_p0 add_wall_us)")
	if [ -n "$g_s" ] && [ "$g_s" != n/a ]; then
		for _v in ours ours_nft ours_ipt; do
			g=$(ratio "$(get pods "${_v}_p$pf" add_wall_us)" "$(get pods "${_v}_p0" add_wall_us)")
			headline "pods: ADD growth / floor's with the reference's sysctls, $_v (no target)" \
				"$(ratio "$g" "$g_s")" "" "" "ours x$g, floor with accept_dad=0 and arp_notify=1 x$g_s"
		done
	fi
	headline "pods: reference ADD growth at $pf pods (no target)" \
		"$(ratio "$(get pods "ref_p$pf" add_wall_us)" "$(get pods ref_p0 add_wall_us)")" "" "" \
		"with iptables masquerade x$(ratio "$(get pods "ref_ipt_p$pf" add_wall_us)" "$(get pods ref_ipt_p0 add_wall_us)")"
fi
# issue 14: netavark as a peer (same bridge + gateway + masquerade shape).
for _b in ipt nft; do
	for _op in add del; do
		_o=$(get netavark "ours_$_b" "${_op}_wall_us") _n=$(get netavark netavark "${_op}_wall_us")
		[ -n "$_n" ] || continue
		headline "netavark: $_op wall, ours ($_b) / netavark (iptables)" "$(ratio "$_o" "$_n")" "<=" 1.0 \
			"$(ms "$_o") ms vs $(ms "$_n") ms; CPU $(ratio "$(get netavark "ours_$_b" "${_op}_cpu_us")" \
			"$(get netavark netavark "${_op}_cpu_us")")"
	done
done

# State left behind after all DELs: veths on the host, leases in the stores.
left=$(awk '$3 ~ /_left$/ && $8 > 0 && $2 != "ref" { printf "%s%s %s %s: %d", sep, $1, $2, $3, $8; sep = "; " }' "$STATS")
headline "state left after DEL (veths, leases of ours)" \
	"$(awk '$3 ~ /_left$/ && $2 != "ref" { s += $8 } END { print s + 0 }' "$STATS")" "==" 0 "${left:-none}"
# Any failed call of ours makes its rows meaningless: say where.
fails=$(awk '$2 ~ /^ours/ && $3 ~ /_fail$/ && $8 > 0 { printf "%s%s %s %s: %d/%d", sep, $1, $2, $3, $8, $4; sep = "; " }' "$STATS")
headline "failed calls of ours, all cases" "$(awk '$2 ~ /^ours/ && $3 ~ /_fail$/ { s += $8 } END { print s + 0 }' "$STATS")" "==" 0 \
	"${fails:-none}"

echo
echo "== machine: $(nproc) x $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r)"
echo "== load average ${BENCH_LOAD:-?}; ${BENCH_SETTINGS:-}"
echo "== git $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo ?), $(date -u '+%Y-%m-%d %H:%M UTC')"
# Another job on the machine makes every call wait for a CPU: wall times then
# mostly measure the run queue. Say so next to the numbers.
load1=$(echo "${BENCH_LOAD:-}" | awk '{ print $2 + 0 }')
if awk -v l="$load1" -v n="$(nproc)" 'BEGIN { exit !(l > n) }'; then
	echo "== WARNING: load average $load1 on $(nproc) CPUs before the run: wall times include"
	echo "==          waiting for a CPU; compare the CPU rows and the ratios, not absolute walls"
fi
echo
echo "== issue 8 and 14 targets (medians; ratios are the headline) =="
awk -F'\t' '{ printf "%-50s %7s  %-8s %-4s %s\n", $1, $2, $3, $4, $5 }' "$HEAD"

echo
echo "== all cases: median [p10..p90] per call; ms, KB; failures as failed/runs =="
awk '
function fmt(k, metric) {
	if (!(k in med)) return "-"
	if (metric ~ /_(fail|unfinished)$/) return sprintf("%d/%d", sum[k], n[k])
	if (metric ~ /_us$/) return sprintf("%.2f [%.2f..%.2f]", med[k] / 1000, p10[k] / 1000, p90[k] / 1000)
	if (p10[k] == p90[k]) return sprintf("%d", med[k])
	return sprintf("%d [%d..%d]", med[k], p10[k], p90[k])
}
{
	k = $1 SUBSEP $3 SUBSEP $2; med[k] = $5; p10[k] = $6; p90[k] = $7; n[k] = $4; sum[k] = $8
	if (!(($1 SUBSEP $3) in seen)) { seen[$1 SUBSEP $3] = 1; order[++rows] = $1 SUBSEP $3 }
	if ($2 != "ours" && $2 != "ref") other[$1 SUBSEP $3] = other[$1 SUBSEP $3] " " $2
}
END {
	printf "%-8s %-20s %-24s %-24s %s\n", "case", "metric", "ours", "reference", "other"
	for (i = 1; i <= rows; i++) {
		split(order[i], p, SUBSEP)
		o = ""
		if (order[i] in other) {
			no = split(other[order[i]], ov, " ")
			for (j = 1; j <= no; j++)
				o = o (j > 1 ? "; " : "") ov[j] " " fmt(order[i] SUBSEP ov[j], p[2])
		}
		m = p[2]; sub(/_us$/, "", m); sub(/_kb$/, "", m)
		printf "%-8s %-20s %-24s %-24s %s\n", p[1], m, fmt(order[i] SUBSEP "ours", p[2]),
			fmt(order[i] SUBSEP "ref", p[2]), o
	}
}' <<EOF
$(sort -s -k1,1 -k3,3 "$STATS")
EOF

# results.json: machine, settings, the headline rows and every statistic.
jq -n --rawfile stats "$STATS" --rawfile head "$HEAD" \
	--arg cpu "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
	--arg ncpu "$(nproc)" --arg kernel "$(uname -r)" --arg date "$(date -u +%FT%TZ)" \
	--arg settings "${BENCH_SETTINGS:-}" --arg ours "${BENCH_OURS_DIR:-}" \
	--arg ref "${BENCH_REF_DIR:-}" --arg load "${BENCH_LOAD:-}" \
	--arg rev "$(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null)" '
	def num: if test("^-?[0-9.]+$") then tonumber elif . == "n/a" or . == "" then null else . end;
	{ machine: { cpu: $cpu, cpus: ($ncpu | tonumber), kernel: $kernel, load: $load },
	  date: $date, git: $rev, settings: $settings, ours: $ours, reference: $ref,
	  targets: [ $head | split("\n")[] | select(length > 0) | split("\t") |
	    { metric: .[0], value: (.[1] | num), target: .[2], met: .[3], detail: .[4] } ],
	  stats: [ $stats | split("\n")[] | select(length > 0) | split(" ") |
	    { case: .[0], variant: .[1], metric: .[2], n: (.[3] | tonumber),
	      median: (.[4] | tonumber), p10: (.[5] | tonumber), p90: (.[6] | tonumber),
	      sum: (.[7] | tonumber) } ] }' >"$JSON"
echo
echo "results: $JSON"
