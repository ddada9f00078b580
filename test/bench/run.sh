#!/bin/sh
# `make bench`: our bridge + host-local side by side with the reference
# plugins and a bare-netlink floor program (issue 8). Prints a table and
# writes BUILD/bench/results.json (raw samples in BUILD/bench/raw.txt).
#
# usage: test/bench/run.sh BUILD_DIR
# env knobs (defaults keep the whole run to a few minutes on 2 cores):
#   BENCH_N=20            containers per serial round
#   BENCH_ROUNDS=8        recorded rounds per serial case (plus one warm-up)
#   BENCH_BURST=100       ADDs (then DELs) started at once
#   BENCH_BURST_ROUNDS=5
#   BENCH_HL_LEASES="0 100 1000 5000"  existing leases for host-local alone
#   BENCH_HL_N=10 BENCH_HL_ROUNDS=8    host-local ADD+DEL per level
#   BENCH_HL_STORE=disk   host-local stores on the disk of /tmp (a node's
#                         /var/lib/cni) or "tmpfs" (/var/lib/cni of the run)
#   BENCH_DAD_REPS=6      enabledad ADDs per variant (each waits ~1-2 s of DAD)
#   BENCH_RSS_N=5         traced ADD+DEL per variant for per-process peak RSS
#   BENCH_STARTUP_N=50    VERSION calls / empty programs per round (context)
#   BENCH_PODS_FILL=250   existing pods on the bridge in the "pods" case
#   BENCH_PODS_N=10 BENCH_PODS_ROUNDS=8  ADD+DEL per variant and level
#   BENCH_NETAVARK=netavark  the peer of the "netavark" case
#   BENCH_CASES="hostlocal serial harness pods netavark dual masq burst rss size dad startup"
#                         (hostlocal first: the burst case leaves the kernel
#                         tearing 100 veths down for a while after it)
#   BENCH_OURS=BUILD/bin  the plugins under test (BENCH_OURS=/usr/lib/cni
#                         compares the reference with itself: all ratios ~1)
#   BENCH_REF=/usr/lib/cni
#   BENCH_PLOT=FILE.png   also render host-local cost vs leases (gnuplot)
#   BENCH_DOC=1           also put the tables into BENCHMARKS.md
#   BENCH_RT=1            run everything SCHED_FIFO (a loaded machine: wall times
#                         then show the work, not the wait for a CPU)
set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd) || exit 1

if [ -z "${CNI_BENCH_SANDBOX:-}" ]; then
	export CNI_BENCH_SANDBOX=1
	if [ -n "${BENCH_RT:-}" ]; then
		# Every process of the run (plugins included) in SCHED_FIFO: other jobs
		# on the machine stop delaying the calls. Same for every variant.
		exec chrt -f 10 unshare --net --mount --propagation private sh "$0" "$BUILD"
	fi
	exec unshare --net --mount --propagation private sh "$0" "$BUILD"
fi

# Inside a throwaway host: private /run, /sys and /var/lib/cni.
mount -t tmpfs cni-bench-run /run
mkdir -p /run/netns /var/lib/cni
mount -t tmpfs cni-bench-lib /var/lib/cni
mount -t sysfs sysfs /sys 2>/dev/null || true
ip link set lo up

TOOLS=$BUILD/test/tools
OURS=${BENCH_OURS:-$BUILD/bin}
REF=${BENCH_REF:-/usr/lib/cni}
FLOOR=${BENCH_FLOOR:-$TOOLS/bench_floor}
OUT=$BUILD/bench
mkdir -p "$OUT"
# The floor program lives in test/tools (built by make) or test/bench (built here).
if [ ! -x "$FLOOR" ] && [ -f "$TOP/test/bench/floor.c" ]; then
	FLOOR=$OUT/floor
	# shellcheck disable=SC2046 # pkg-config prints several words
	cc -O2 -std=gnu11 -D_GNU_SOURCE -o "$FLOOR" "$TOP/test/bench/floor.c" \
		$(pkg-config --cflags --libs libmnl) -lpthread || FLOOR=/nonexistent
fi
N=${BENCH_N:-20}
ROUNDS=${BENCH_ROUNDS:-8}
BURST=${BENCH_BURST:-100}
BURST_ROUNDS=${BENCH_BURST_ROUNDS:-5}
HL_LEASES=${BENCH_HL_LEASES:-0 100 1000 5000}
HL_STORE=${BENCH_HL_STORE:-disk}
HL_N=${BENCH_HL_N:-10}
HL_ROUNDS=${BENCH_HL_ROUNDS:-8}
DAD_REPS=${BENCH_DAD_REPS:-6}
RSS_N=${BENCH_RSS_N:-5}
STARTUP_N=${BENCH_STARTUP_N:-50}
PODS_FILL=${BENCH_PODS_FILL:-250}
PODS_N=${BENCH_PODS_N:-10}
PODS_ROUNDS=${BENCH_PODS_ROUNDS:-8}
NETAVARK=${BENCH_NETAVARK:-$(command -v netavark || echo /usr/lib/podman/netavark)}
CASES=${BENCH_CASES:-hostlocal serial harness pods netavark dual masq burst rss size dad startup}
RAW=$OUT/raw.txt
_max=$N
[ "$BURST" -gt "$_max" ] && _max=$BURST
[ $((PODS_N * 12)) -gt "$_max" ] && _max=$((PODS_N * 12))

. "$TOP/test/bench/lib.sh"
. "$TOP/test/bench/cases.sh"

# One case, in the fresh host this process was started in (see below).
if [ -n "${CNI_BENCH_CASE:-}" ]; then
	netns_make "$_max"
	"case_$CNI_BENCH_CASE"
	exit
fi

W=$(mktemp -d /tmp/cni-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
export TOOLS OURS REF FLOOR RAW W NETAVARK
: >"$RAW"

for _f in "$TOOLS/bench_exec" "$OURS/bridge" "$OURS/host-local" "$REF/bridge" "$REF/host-local"; do
	[ -x "$_f" ] || { log "missing $_f (run make first)"; exit 1; }
done

# One ADD+DEL of ours before anything is measured: a plugin that fails here
# would only produce meaningless numbers.
smoke() {
	mkconf "$W/smoke.json" smoke csm0 "$(ipam_v4 10.87.0.0/16)"
	netns_make 1
	cni_exec "$OURS" bridge ADD "$W/smoke.json" 0 1 -O "$W" | awk '$3 != 0 { exit 1 }' &&
		cni_exec "$OURS" bridge DEL "$W/smoke.json" 0 1 | awk '$3 != 0 { exit 1 }' && return 0
	log "our bridge failed its smoke ADD/DEL:"
	cat "$W/0.out" >&2
	return 1
}
smoke || exit 1
ip link del csm0

# Each case runs in a host of its own (a fresh network namespace, /run and
# /var/lib/cni, its own b* namespaces): what one case leaves behind, and the
# kernel's background work on it, is not billed to the next. Measured in one
# shared host: after the dual case, every plugin's DEL in the masq case took
# about 20 ms longer (ours 29 -> 47 ms, the reference 87 -> 100 ms).
start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for c in $CASES; do
	CNI_BENCH_CASE=$c unshare --net --mount --propagation private sh "$0" "$BUILD" ||
		log "case $c failed"
done
log "measured in $(($(date +%s) - start)) s"
# Other work on the machine shows up as spread; the load says how much there was.
BENCH_LOAD="before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
export BENCH_LOAD

export BENCH_SETTINGS="${BENCH_RT:+SCHED_FIFO }N=$N rounds=$ROUNDS burst=$BURST x$BURST_ROUNDS hl_leases=[$HL_LEASES] hl=${HL_N}x$HL_ROUNDS dad=$DAD_REPS"
export BENCH_OURS_DIR="$OURS" BENCH_REF_DIR="$REF"
sh "$TOP/test/bench/report.sh" "$RAW" "$OUT/results.json" | tee "$OUT/report.txt"
if [ -n "${BENCH_PLOT:-}" ]; then
	sh "$TOP/test/bench/plot.sh" "$OUT/results.json" "$BENCH_PLOT"
fi
if [ -n "${BENCH_DOC:-}" ]; then
	sh "$TOP/test/bench/doc.sh" "$OUT/report.txt" "$TOP/BENCHMARKS.md" "bench${BENCH_RT:+-rt}"
fi
