#!/bin/sh
# containerd 1.6 `ctr run --cni` drives the plugin under test: a container
# gets its address from our plugins (ADD with CNI_CONTAINERID=default-<id>,
# CNI_NETNS=/proc/<pid>/ns/net), and the DEL ctr sends after the task exits,
# with an empty CNI_NETNS and a stale prevResult, leaves nothing behind.
# Then the shipped conf/k8s-node conflist (bridge + portmap) under ctr.
# containerd runs on a private config, root, state and socket (CRI disabled),
# started in the background and stopped by its PID. ctr only reads
# /etc/cni/net.d and /opt/cni/bin, so the sandbox's private mount namespace
# gets a bind mount over the first and a tmpfs over /opt; the plugin keeps its
# test type name, so nothing can fall back to /usr/lib/cni.
. "$(dirname "$0")/clients.sh"

install_put || { finish; exit 1; }
remount_cgroups default || { not_ok "cgroup hierarchies mounted in the sandbox"; finish; exit 1; }

C=$T/ctr
mkdir -p "$C/net.d" "$C/root" "$C/state" "$C/opt"
SOCK=$C/c.sock
CTRD_PID=
CN=cbd-c$$ # container name, unique per run: runc's cgroups are machine-wide
# stop_containerd: kill every container init and shim of ours (their pid
# files are in our state dir), then containerd itself, each by PID, and drop
# the cgroups runc made for our containers.
stop_containerd() {
	for _f in "$C"/state/io.containerd.runtime.v2.task/*/*/init.pid \
		"$C"/state/io.containerd.runtime.v2.task/*/*/shim.pid; do
		[ -f "$_f" ] && kill -9 "$(cat "$_f")" 2>/dev/null
	done
	for _d in /sys/fs/cgroup/*/default/"$CN" /sys/fs/cgroup/default/"$CN"; do rm_cgroup_tree "$_d"; done
	if [ -n "$CTRD_PID" ]; then
		kill "$CTRD_PID" 2>/dev/null
		wait "$CTRD_PID" 2>/dev/null
		CTRD_PID=
	fi
}
at_exit stop_containerd

if [ ! -d /etc/cni/net.d ]; then
	not_ok "/etc/cni/net.d exists to be covered by a bind mount (install podman)"
	finish
	exit 1
fi
mount --bind "$C/net.d" /etc/cni/net.d
mount -t tmpfs cni-test-opt /opt
mkdir -p /opt/cni/bin
cp "$PD/$PUT_BRIDGE" "$PD/$PUT_IPAM" /opt/cni/bin/
# A spy after the bridge records the environment of each verb.
cat >/opt/cni/bin/cb-spy <<SH
#!/bin/sh
in=\$(cat)
echo "\$CNI_COMMAND CNI_CONTAINERID=\$CNI_CONTAINERID CNI_NETNS=\$CNI_NETNS" >>"$C/spy.log"
[ "\$CNI_COMMAND" = ADD ] && printf '%s' "\$in" | jq .prevResult
exit 0
SH
chmod +x /opt/cni/bin/cb-spy
check_eq "/opt/cni/bin holds only the plugin under test and the spy" \
	"$(ls /opt/cni/bin | tr '\n' ' ')" "$PUT_BRIDGE $PUT_IPAM cb-spy "

NET=cbd-1
bridge_conflist "$NET" 1.0.0 cbd1 10.204.1.0/24 "" '{"type": "cb-spy"}' \
	>"$C/net.d/10-$NET.conflist"

cat >"$C/config.toml" <<TOML
version = 2
root = "$C/root"
state = "$C/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = "$C/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$C/opt"
TOML
containerd --config "$C/config.toml" >"$C/containerd.log" 2>&1 &
CTRD_PID=$!
c() { ctr --address "$SOCK" "$@"; }
up=no
for _t in $(seq 50); do
	c version >/dev/null 2>&1 && { up=yes; break; }
	sleep 0.1
done
check_eq "private containerd answers on its socket" "$up" yes
[ "$up" = yes ] || { sed 's/^/# /' "$C/containerd.log" | tail -20; finish; exit 1; }

ROOTFS=$C/rootfs
make_busybox_rootfs "$ROOTFS"
# The container reports its network, signals "ready" through the shared
# rootfs, and waits for "go" so the host can look at the running state.
c run --rm --cni --rootfs "$ROOTFS" "$CN" /bin/sh -c \
	'ip -4 -o addr show dev eth0; ip route show default
	 ping -c1 -w4 10.204.1.1 >/dev/null && echo PING-OK
	 touch /tmp/ready; i=0; while [ ! -f /tmp/go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done' \
	>"$C/run.out" 2>&1 &
RUN_PID=$!
for _t in $(seq 100); do
	[ -f "$ROOTFS/tmp/ready" ] && break
	kill -0 "$RUN_PID" 2>/dev/null || break
	sleep 0.1
done
check "container started and got past its network checks" test -f "$ROOTFS/tmp/ready"
OUT=$(cat "$C/run.out")
check_match "container got an address from our host-local" "$OUT" 'inet 10\.204\.1\.[0-9]+/24'
check_match "container has the default route via our gateway" "$OUT" 'default via 10\.204\.1\.1'
check_match "container pings the gateway" "$OUT" PING-OK
CIP=$(printf '%s' "$OUT" | sed -n 's|.*inet \(10\.204\.1\.[0-9]*\)/.*|\1|p')
check_match "lease for $CIP names ctr's container ID" \
	"$(cat "/var/lib/cni/networks/$NET/$CIP" 2>/dev/null | tr '\r\n' '  ')" "^default-$CN +eth0"
check_eq "one veth on the host while it runs" "$(host_veths | wc -l)" 1
touch "$ROOTFS/tmp/go"
wait "$RUN_PID"
check_eq "ctr run --rm --cni exits 0" "$?" 0
OUT=$(cat "$C/run.out")
check_eq "ctr reported no CNI error" "$(printf '%s' "$OUT" | grep -ci 'cni\|plugin')" 0
[ -n "$(printf '%s' "$OUT" | grep -i 'cni\|plugin')" ] && diag "$OUT"
check_match "ctr sent ADD with default-<id> and a /proc netns" \
	"$(grep ^ADD "$C/spy.log" 2>&1)" "^ADD CNI_CONTAINERID=default-$CN CNI_NETNS=/proc/[0-9]+/ns/net\$"
check_eq "ctr sent DEL with an empty CNI_NETNS" \
	"$(grep ^DEL "$C/spy.log" 2>&1)" "DEL CNI_CONTAINERID=default-$CN CNI_NETNS="
# With an empty CNI_NETNS no plugin can reach the container side; the pair
# goes when the kernel tears the dead task's netns down, which it does
# asynchronously (cleanup_net): allow it up to 5 s.
for _t in $(seq 50); do
	[ -z "$(host_veths)" ] && break
	sleep 0.1
done
check_eq "after DEL with empty CNI_NETNS: no veth left" "$(host_veths | tr '\n' ' ')" ""
check_eq "after DEL with empty CNI_NETNS: no lease left" "$(leases "$NET" | tr '\n' ' ')" ""
check_eq "no ctr container left" "$(c containers ls -q | tr '\n' ' ')" ""
check_eq "no ctr task left" "$(c tasks ls -q | tr '\n' ' ')" ""
# A failed ADD leaves ctr's container behind; remove it by ID either way.
c containers rm "$CN" >/dev/null 2>&1

# A failed ADD through ctr: host-local refuses its range after the bridge has
# made the veth. ctr must report the plugin's error; nothing may stay behind.
bridge_conflist "$NET" 1.0.0 cbd1 10.204.1.0/24 "" '{"type": "cb-spy"}' |
	jq '.plugins[0].ipam.ranges[0][0].rangeStart = "10.204.9.10"' >"$C/net.d/10-$NET.conflist"
OUT=$(c run --rm --cni --rootfs "$ROOTFS" "$CN-bad" /bin/true 2>&1)
RC=$?
check_eq "ctr run with a failing ADD exits non-zero" "$([ "$RC" != 0 ] && echo yes)" yes
check_match "ctr shows the plugin's error text" "$OUT" 'RangeStart 10\.204\.9\.10 not in network 10\.204\.1\.0/24'
diag "ctr said: $OUT"
c tasks kill -s KILL "$CN-bad" >/dev/null 2>&1
c tasks rm -f "$CN-bad" >/dev/null 2>&1
c containers rm "$CN-bad" >/dev/null 2>&1
for _t in $(seq 50); do
	[ -z "$(host_veths)" ] && break
	sleep 0.1
done
check_eq "failed ADD through ctr: no veth left" "$(host_veths | tr '\n' ' ')" ""
check_eq "failed ADD through ctr: no lease left" "$(leases "$NET" | tr '\n' ' ')" ""

# The shipped Kubernetes-node conflist (conf/k8s-node, bridge + portmap with
# its capability) as containerd reads it from /etc/cni/net.d, our types
# swapped in and the reference portmap next to them.
cp "$REF/portmap" /opt/cni/bin/
rm -f "$C"/net.d/*
jq --arg b "$PUT_BRIDGE" --arg i "$PUT_IPAM" '(.plugins[] | select(.type == "bridge")) |=
	(.type = $b | .ipam.type = $i)' "$TOP/conf/k8s-node/10-containerd.conflist" >"$C/net.d/10-k8s.conflist"
K8SNET=$(jq -r .name "$C/net.d/10-k8s.conflist")
OUT=$(c run --rm --cni --rootfs "$ROOTFS" "$CN-k8s" /bin/sh -c \
	'ip -4 -o addr show dev eth0; ip route show default
	 ping -c1 -w4 10.244.1.1 >/dev/null && echo PING-OK' 2>&1)
check_eq "conf/k8s-node: ctr run --rm --cni exits 0" "$?" 0
check_match "conf/k8s-node: the container got an address in the node's pod subnet" "$OUT" \
	'inet 10\.244\.1\.[0-9]+/24'
check_match "conf/k8s-node: default route via the bridge" "$OUT" 'default via 10\.244\.1\.1'
check_match "conf/k8s-node: the container pings its gateway" "$OUT" PING-OK
c containers rm "$CN-k8s" >/dev/null 2>&1
for _t in $(seq 50); do
	[ -z "$(host_veths)" ] && break
	sleep 0.1
done
check_eq "conf/k8s-node: no veth left" "$(host_veths | tr '\n' ' ')" ""
check_eq "conf/k8s-node: no lease left" "$(leases "$K8SNET" | tr '\n' ' ')" ""

stop_containerd
finish
