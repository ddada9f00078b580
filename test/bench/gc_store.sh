#!/bin/sh
# host-local GC on a big store (issue 6's closing measurement): N leases
# (default 1000), GC keeping a share of them, timed as one exec of our
# host-local, with the store made by our ADDs (warm lease index) and by
# hand as the reference or an older binary leaves it (cold: GC first rescans).
# Prints one line per case: what was released, what is left, wall time.
#
# usage: test/bench/gc_store.sh BUILD_DIR     env: GC_LEASES=1000 GC_REPS=5
set -u
BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd) || exit 1
if [ -z "${CNI_BENCH_SANDBOX:-}" ]; then
	export CNI_BENCH_SANDBOX=1
	exec unshare --net --mount --propagation private sh "$0" "$BUILD"
fi
mount -t tmpfs cni-bench-lib /var/lib/cni 2>/dev/null || {
	mkdir -p /var/lib/cni && mount -t tmpfs cni-bench-lib /var/lib/cni
}
N=${GC_LEASES:-1000}
REPS=${GC_REPS:-5}
HL=$BUILD/bin/host-local
S=/var/lib/cni/networks/gcbench
T=$(mktemp -d /tmp/gc-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT

jq -n '{cniVersion: "1.1.0", name: "gcbench",
	ipam: {type: "host-local", ranges: [[{subnet: "10.128.0.0/16"}]]}}' >"$T/conf.json"
# req KEEP: the config with the first KEEP containers as valid attachments
req() {
	seq 1 "$1" | awk '{printf "%s{\"containerID\":\"c%d\",\"ifname\":\"eth0\"}", (NR > 1 ? "," : ""), $1}' |
		{ printf '['; cat; printf ']'; } >"$T/list.json"
	jq --slurpfile l "$T/list.json" '. + {"cni.dev/valid-attachments": $l[0]}' "$T/conf.json" >"$T/req.json"
}
now() { date +%s%N; }
leases() { find "$S" -maxdepth 1 -name '10.*' | wc -l; }
fill_by_add() {
	rm -rf "$S"
	i=0
	while [ $i -lt "$N" ]; do
		i=$((i + 1))
		CNI_COMMAND=ADD CNI_CONTAINERID=c$i CNI_IFNAME=eth0 CNI_NETNS=/proc/self/ns/net \
			CNI_NETNS_OVERRIDE=1 CNI_PATH="$BUILD/bin" "$HL" <"$T/conf.json" >/dev/null || exit 1
	done
}
fill_by_hand() { # the reference's layout, no index
	rm -rf "$S" && mkdir -p "$S" && : >"$S/lock"
	i=0
	while [ $i -lt "$N" ]; do
		i=$((i + 1))
		printf 'c%d\r\neth0' $i >"$S/10.128.$((i / 250)).$((i % 250 + 2))"
	done
}
# run CASE FILL KEEP: best and median wall time of REPS runs
run() {
	req "$3"
	: >"$T/times"
	r=0
	while [ $r -lt "$REPS" ]; do
		r=$((r + 1))
		"$2"
		before=$(leases)
		t0=$(now)
		CNI_COMMAND=GC CNI_PATH="$BUILD/bin" "$HL" <"$T/req.json" >"$T/out" 2>"$T/err" || {
			cat "$T/out"
			exit 1
		}
		t1=$(now)
		echo $(((t1 - t0) / 1000)) >>"$T/times"
	done
	sort -n "$T/times" >"$T/sorted"
	printf '%-34s %5d leases, %4d valid: %4d released, %4d left; %6d us best, %6d us median\n' \
		"$1" "$before" "$3" $((before - $(leases))) "$(leases)" \
		"$(head -1 "$T/sorted")" "$(sed -n "$(((REPS + 1) / 2))p" "$T/sorted")"
}
echo "# host-local GC, $N leases, $REPS runs each, $(nproc) CPUs, $(uname -r)"
run "store from our ADDs (warm index)" fill_by_add $((N * 2 / 5))
run "store from our ADDs, empty list" fill_by_add 0
run "store from our ADDs, all valid" fill_by_add "$N"
run "store by hand (cold: rescan)" fill_by_hand $((N * 2 / 5))
run "store by hand, all valid" fill_by_hand "$N"
