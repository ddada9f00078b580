#!/bin/sh
# The measuring tools behind `make bench`: bench_exec (timing lines, exit
# codes, substitutions, fd hygiene, the burst gate, per-process RSS, the DAD
# watcher) and report.sh (percentiles, ratios, target verdicts).
. "$(dirname "$0")/lib.sh"
BX=$TOOLS/bench_exec

out=$("$BX" -- /bin/true)
check_match "one line per run: run IDX RC WALL USER SYS MAXRSS VCSW" "$out" \
	'^run 0 0 [0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+$'

out=$("$BX" -- /bin/sh -c 'exit 3')
rc=$?
check_match "the child's exit status is reported" "$out" '^run 0 3 '
check_eq "a failed run makes bench_exec exit 1" "$rc" 1

mkdir -p "$T/o"
"$BX" -s 300 -O "$T/o" -e "X=a%d" -- /bin/sh -c 'echo "%d %i $X"' >/dev/null
check_eq "%d is the index, %i its two low octets, in argv and -e values" \
	"$(cat "$T/o/300.out")" "300 1.44 a300"

printf 'stdin bytes\n' >"$T/in"
"$BX" -f "$T/in" -O "$T/o" -- /bin/cat >/dev/null
check_eq "-f feeds the file on stdin" "$(cat "$T/o/0.out")" "stdin bytes"

exec 7>"$T/leak"
"$BX" -O "$T/o" -- /bin/ls /proc/self/fd >/dev/null
exec 7>&-
check_eq "the program gets fds 0-2 only (3 is ls's own directory fd)" \
	"$(tr '\n' ' ' <"$T/o/0.out")" "0 1 2 3 "

out=$("$BX" -P -k 5 -- /bin/sleep 0.3)
check_eq "a burst reports every run" "$(echo "$out" | grep -c '^run ')" 5
# How long the five took together is a figure, not a correctness check:
# make bench reports it (burst gate_wall_us).
diag "the burst's wall time: $(echo "$out" | awk '$1 == "burst" { print $4 }') us for 5 x 0.3 s"
check_match "the burst line: COUNT FAILED WALL" "$(echo "$out" | grep '^burst')" '^burst 5 0 [0-9]+$'

out=$("$BX" -R -- /bin/sh -c '/bin/true; /bin/true')
check_match "-R: peak RSS of the shell" "$out" '^rss 0 sh [0-9]+$'
check_eq "-R: each child process too" "$(echo "$out" | grep -c '^rss 0 true ')" 2

# DAD watcher: an IPv6 address on a fresh veth goes tentative, then valid.
netns_new w
ip link add wv0 type veth peer name eth0 netns w && ip link set wv0 up && ip -n w link set eth0 up
out=$("$BX" -D /run/netns/w -W -- /sbin/ip -n w addr add fd99::2/64 dev eth0)
dad=$(echo "$out" | grep '^dad')
check_match "-D -W: the address was seen tentative and then valid" "$dad" \
	'^dad 0 [0-9]+ [0-9]+ 0$'
check "-D: valid after tentative" sh -c "echo '$dad' | awk '{ exit !(\$4 > \$3) }'"

# report.sh on made-up samples
R=$(cd "$(dirname "$0")/../bench" && pwd)/report.sh
i=1
while [ $i -le 10 ]; do
	echo "serial ours add_wall_us ${i}000"
	echo "serial ref add_wall_us $((i * 4))000"
	echo "serial ours add_fail 0"
	i=$((i + 1))
done >"$T/raw"
sh "$R" "$T/raw" "$T/r.json" >"$T/report" 2>&1
check_eq "median of 1..10 ms" "$(jq '.stats[] | select(.variant == "ours" and .metric == "add_wall_us") | .median' "$T/r.json")" 5500
check_eq "p10 and p90 by nearest rank" \
	"$(jq -c '.stats[] | select(.variant == "ours" and .metric == "add_wall_us") | [.p10, .p90]' "$T/r.json")" "[1000,9000]"
check_match "ratio and verdict of a target row" "$(grep 'ADD wall, ours / reference' "$T/report")" \
	'0\.25 +<= 0\.25 +yes +5\.50 ms vs 22\.00 ms'
check_eq "a target without data is null in results.json" \
	"$(jq '.targets[] | select(.metric == "ADD wall, ours / floor program") | .value' "$T/r.json")" null
done_testing
