#!/bin/sh
# Children of the bridge get exactly fds 0, 1 and 2, even when the runtime
# leaked others into the plugin: the IPAM plugin (a foreign one is exec'd,
# ours runs in-process) and iptables-restore/iptables-save (ipMasq with the
# iptables backend). Each child here is test/tools/ipam_fake, which writes
# the fds it was born with to $FAKE_DIR/fds before it opens anything.
. "$(dirname "$0")/lib.sh"

netns_new c
mkdir -p "$T/ipam" "$T/sbin" "$T/rec"
cp "$TOOLS/ipam_fake" "$T/ipam/fake"
# run VERB CONF [PATH]: the bridge with fds 5 and 7 left open (no CLOEXEC),
# as a careless runtime would.
run() {
	OUT=$(env CNI_COMMAND="$1" CNI_CONTAINERID=fds CNI_NETNS=/run/netns/c CNI_IFNAME=eth0 \
		CNI_PATH="$T/ipam:$BIN" FAKE_DIR="$T/rec" PATH="${3:-$PATH}" \
		"$BIN/bridge" <"$2" 5<"$T/ipam/fake" 7>>"$T/leak" 2>"$T/err")
	RC=$?
}

jq -n '{cniVersion: "1.0.0", name: "fds", type: "bridge", bridge: "fd0",
	ipam: {type: "fake"}}' >"$T/fake.json"
run ADD "$T/fake.json"
check_eq "ADD with a foreign IPAM plugin succeeds" "$RC/$(json_get "$OUT" '.ips[0].address')" 0/10.99.0.5/24
check_eq "the IPAM child got only fds 0 1 2 (the plugin had 5 and 7 open)" "$(cat "$T/rec/fds")" "0 1 2"
rm -f "$T/rec/fds"
run DEL "$T/fake.json"
check_eq "IPAM DEL child: only fds 0 1 2" "$RC/$(cat "$T/rec/fds" 2>/dev/null)" "0/0 1 2"

# iptables tools found through PATH: fakes that record and fail, so the
# plugin gives up on masquerade; only what they were born with matters.
for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
	cp "$TOOLS/ipam_fake" "$T/sbin/$t"
done
rm -f "$T/rec/fds"
jq -n '{cniVersion: "1.0.0", name: "fds", type: "bridge", bridge: "fd1", ipMasq: true,
	ipMasqBackend: "iptables", ipam: {type: "fake"}}' >"$T/ipt.json"
run ADD "$T/ipt.json" "$T/sbin:/usr/sbin:/usr/bin:/sbin:/bin"
check "an iptables tool was exec'd" test -s "$T/rec/fds"
check_eq "the iptables child got only fds 0 1 2" "$(cat "$T/rec/fds" 2>/dev/null)" "0 1 2"
run DEL "$T/ipt.json" "$T/sbin:/usr/sbin:/usr/bin:/sbin:/bin"
check_eq "iptables child on DEL: only fds 0 1 2" "$(cat "$T/rec/fds" 2>/dev/null)" "0 1 2"
done_testing
