#!/bin/sh
# Optional: renders host-local ADD and DEL time against the number of leases
# already in the store, ours and the reference, from results.json to a PNG.
# Needs gnuplot (Debian: gnuplot-nox), which `make bench` does not require:
# run it with BENCH_PLOT=docs/bench-host-local.png, or directly:
# usage: test/bench/plot.sh BUILD/bench/results.json OUT.png
set -eu
JSON=$1
PNG=$2
command -v gnuplot >/dev/null || { echo "plot: gnuplot not installed, no plot" >&2; exit 0; }
DATA=$(mktemp /tmp/cni-bench-plot.XXXXXX)
trap 'rm -f "$DATA"' EXIT

# leases, then median ms for ours ADD, ref ADD, ours DEL, ref DEL.
jq -r '[.stats[] | select(.case | test("^hl[0-9]+$"))] | group_by(.case | ltrimstr("hl") | tonumber)[] |
	(map({key: (.variant + "_" + .metric), value: (.median / 1000)}) | from_entries) as $m |
	[(.[0].case | ltrimstr("hl")), $m.ours_add_wall_us, $m.ref_add_wall_us,
	 $m.ours_del_wall_us, $m.ref_del_wall_us] | map(. // "NaN") | @tsv' "$JSON" >"$DATA"

gnuplot <<EOF
set terminal pngcairo size 800,480 font ",10" noenhanced
set output "$PNG"
set title "host-local alone: wall time per call vs leases already in the store (median)"
set xlabel "existing leases"
set ylabel "ms per call"
set key top left
set grid
set yrange [0:*]
plot "$DATA" using 1:3 with linespoints lw 2 title "reference ADD", \
     "$DATA" using 1:5 with linespoints lw 2 dt 2 title "reference DEL", \
     "$DATA" using 1:2 with linespoints lw 2 title "ours ADD", \
     "$DATA" using 1:4 with linespoints lw 2 dt 2 title "ours DEL"
EOF
echo "plot: $PNG" >&2
