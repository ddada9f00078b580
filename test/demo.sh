#!/bin/sh
# make demo: the bridge plugin's whole life cycle in a throwaway host.
# usage: test/demo.sh BUILD_DIR
# Everything happens inside `unshare --net --mount`: the bridge, veths, leases
# and sysctls vanish when the script ends; the real host is never touched.
BUILD=${1:-build}
if [ -z "${CNI_DEMO_SANDBOX:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "demo: needs root (network namespaces)" >&2; exit 1; }
	export CNI_DEMO_SANDBOX=1
	exec unshare --net --mount --propagation private sh "$0" "$@"
fi
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "$BUILD/bin" && pwd)
CONFLIST=$TOP/conf/10-bridge.conflist
mount -t tmpfs demo-run /run
mkdir -p /run/netns /var/lib/cni
mount -t tmpfs demo-lib /var/lib/cni
mount -t sysfs sysfs /sys 2>/dev/null || true
ip link set lo up
W=$(mktemp -d /tmp/cni-demo.XXXXXX)
trap 'rm -rf "$W"' EXIT

# Bold headings on a terminal, plain text in logs.
if [ -t 1 ]; then B=$(printf '\033[1m') N=$(printf '\033[0m'); else B='' N=''; fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
run() { printf '$ %s\n' "$*"; "$@"; }

# The plugin directory a runtime would use: our bridge and our host-local.
PLUGINS=$W/plugins
mkdir -p "$PLUGINS"
cp "$BIN/bridge" "$PLUGINS/bridge"
if [ -x "$BIN/host-local" ]; then
	cp "$BIN/host-local" "$PLUGINS/host-local"
else
	ln -s /usr/lib/cni/host-local "$PLUGINS/host-local"
	echo "(no build/bin/host-local: using the reference host-local)"
fi

# What a runtime sends: the plugin object, with cniVersion and name copied in.
jq '.plugins[0] + {cniVersion: .cniVersion, name: .name}' "$CONFLIST" >"$W/conf.json"
plugin() { # COMMAND STDIN_FILE
	env CNI_COMMAND="$1" CNI_CONTAINERID=demo-container CNI_NETNS=/run/netns/demo \
		CNI_IFNAME=eth0 CNI_PATH="$PLUGINS" "$PLUGINS/bridge" <"$2"
}

say "Config (plugin object of conf/10-bridge.conflist, as a runtime passes it)"
cat "$W/conf.json"

say "Create a container network namespace"
run ip netns add demo
ip -n demo link set lo up

say "ADD"
start=$(date +%s%N)
plugin ADD "$W/conf.json" >"$W/result.json"
end=$(date +%s%N)
cat "$W/result.json"
printf '\n(ADD took %d ms)\n' $(((end - start) / 1000000))
GW=$(jq -r '.ips[0].gateway' "$W/result.json")

say "Inside the container"
run ip -n demo -br addr show eth0
run ip -n demo route

say "On the host"
run ip -br addr show cni0
run ip -br link show master cni0

say "Ping the gateway from the container"
run ip netns exec demo ping -c 2 -W 1 "$GW"

say "CHECK (config + prevResult = the ADD result)"
jq --slurpfile r "$W/result.json" '. + {prevResult: $r[0]}' "$W/conf.json" >"$W/conf-prev.json"
plugin CHECK "$W/conf-prev.json"
echo "CHECK passed"

say "DEL"
plugin DEL "$W/conf-prev.json"
echo "DEL passed"
plugin DEL "$W/conf-prev.json"
echo "second DEL passed too (DEL is idempotent)"

say "Nothing is left"
run ip -n demo -br link
echo "host ports on cni0: $(ip -br link show master cni0 | wc -l) (the bridge itself stays, as with the reference)"
# host-local names a lease file after its IP; other files are bookkeeping.
echo "leases held: $(find /var/lib/cni/networks -type f | sed 's|.*/||' | grep -cE '^[0-9a-f.:]+$')"
ip netns del demo
say "Demo finished"
