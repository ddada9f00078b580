#!/bin/sh
# The kubelet path: containerd 1.6's CRI plugin runs the plugin under test.
# Kubelet never execs a CNI plugin; it calls containerd's CRI service
# (RunPodSandbox, PodSandboxStatus, StopPodSandbox, RemovePodSandbox), and
# containerd runs the conflist through go-cni with the K8S_POD_* CNI_ARGS,
# the portMappings capability and the sandbox as container. cri/main.go is a
# small CRI client making those calls (built by setup.sh from Debian
# packages, cached outside the repository); the pod sandbox image is a
# one-layer busybox image made by cri/mkimage.sh and imported offline.
# The conflist is the shipped conf/k8s-node dual-stack one (bridge +
# reference portmap) with our test type names swapped in and ipMasq on (off
# in the shipped file for traffic between nodes; on here so that each pod
# has masquerade state whose removal can be checked). containerd runs on a private config, root,
# state and sockets inside the sandbox, and is restarted while the pods run.
if [ -z "${CNI_TEST_SANDBOX:-}" ]; then
	CRI_TOOLS=$(sh "$(dirname "$0")/setup.sh" cri) || {
		echo "not ok 1 - test/clients/setup.sh cri (CRI client and sandbox image) failed"
		exit 1
	}
	export CRI_TOOLS
fi
. "$(dirname "$0")/clients.sh"
# shellcheck disable=SC2086 # two paths, split on purpose
set -- $CRI_TOOLS
CRI=$1
PAUSE_TAR=$2

install_put || { finish; exit 1; }
CG=cbcri$$ # the pods' cgroup parent, unique per run: runc's cgroups are machine-wide
remount_cgroups "$CG" || { not_ok "cgroup hierarchies mounted in the sandbox"; finish; exit 1; }

C=$T/cri
mkdir -p "$C/net.d" "$C/bin" "$C/root" "$C/state" "$C/opt"
SOCK=$C/c.sock
CTRD_PID=
# our_shims: PIDs of the shims serving our containerd. Their pid files are
# not in the bundle dirs with CRI's sandbox grouping, but their command line
# names our socket, which lies in this test's own temp dir.
our_shims() {
	for _p in /proc/[0-9]*; do
		case $(tr '\0' ' ' <"$_p/cmdline" 2>/dev/null) in
		*" -address $SOCK "*) echo "${_p#/proc/}" ;;
		esac
	done
}
# stop_containerd: kill every sandbox init (pid files in our state dir) and
# shim of ours and wait for them (so that their cgroups can go), then
# containerd itself; each by PID.
stop_containerd() {
	_pids="$(cat "$C"/state/io.containerd.runtime.v2.task/*/*/init.pid 2>/dev/null) $(our_shims)"
	for _p in $_pids; do kill -9 "$_p" 2>/dev/null; done
	for _t in $(seq 50); do
		_alive=""
		for _p in $_pids; do kill -0 "$_p" 2>/dev/null && _alive=yes; done
		[ -z "$_alive" ] && break
		sleep 0.1
	done
	if [ -n "$CTRD_PID" ]; then
		kill "$CTRD_PID" 2>/dev/null
		wait "$CTRD_PID" 2>/dev/null
		CTRD_PID=
	fi
}
at_exit stop_containerd

# The plugin dir containerd execs from: ours under the test names, and the
# reference portmap (chained after our bridge) and loopback (go-cni brings
# up each pod's lo with it).
cp "$PD/$PUT_BRIDGE" "$PD/$PUT_IPAM" "$REF/portmap" "$REF/loopback" "$C/bin/"
jq --arg b "$PUT_BRIDGE" --arg i "$PUT_IPAM" '(.plugins[] | select(.type == "bridge")) |=
	(.type = $b | .ipMasq = true | .ipam.type = $i)' \
	"$TOP/conf/k8s-node/20-containerd-dualstack.conflist" >"$C/net.d/20-k8s.conflist"
NET=$(jq -r .name "$C/net.d/20-k8s.conflist")
BR=$(jq -r '.plugins[0].bridge' "$C/net.d/20-k8s.conflist")
GW4=10.244.1.1
GW6=fd00:10:244:1::1

cat >"$C/config.toml" <<TOML
version = 2
root = "$C/root"
state = "$C/state"
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = "$C/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$C/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:cni"
  disable_apparmor = true
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$C/bin"
    conf_dir = "$C/net.d"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
TOML

# start_containerd: starts it in the background and waits up to 10 s for the
# CRI service to answer. In a sanitizer pass the plugins' ASAN_OPTIONS and
# UBSAN_OPTIONS reach them through containerd's environment.
start_containerd() {
	containerd --config "$C/config.toml" >>"$C/containerd.log" 2>&1 &
	CTRD_PID=$!
	for _t in $(seq 100); do
		"$CRI" -a "$SOCK" -t 1s status >"$C/status.json" 2>/dev/null && return 0
		kill -0 "$CTRD_PID" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/# containerd: /' "$C/containerd.log" | tail -20
	return 1
}
cri() { "$CRI" -a "$SOCK" "$@"; }

check "private containerd with the CRI plugin answers" start_containerd || { finish; exit 1; }
check_eq "CRI Status: RuntimeReady" "$(jq -r .RuntimeReady.status "$C/status.json")" true
check_eq "CRI Status: NetworkReady (our conflist loaded)" \
	"$(jq -r '.NetworkReady | "\(.status) \(.message)"' "$C/status.json")" "true "
check "sandbox image imported" \
	ctr -a "$SOCK" -n k8s.io images import --snapshotter native "$PAUSE_TAR"

# run_pod NAME [PORTMAP...]: RunPodSandbox; sets ID_<NAME>, NS_<NAME> (the
# netns name under /run/netns) and IPS_<NAME> (the IPs PodSandboxStatus
# reports, space-separated).
run_pod() {
	_n=$1
	shift
	_id=$(cri run "$_n" cbcri "uid-$_n-$$" "$CG" "$@" 2>"$C/run.err")
	if [ -z "$_id" ]; then
		not_ok "RunPodSandbox $_n"
		sed 's/^/# /' "$C/run.err"
		return 1
	fi
	ok "RunPodSandbox $_n"
	_st=$(cri inspect "$_id")
	_ns=$(json_get "$_st" '.netns | split("/") | last')
	_ips=$(json_get "$_st" '.ips | join(" ")')
	eval "ID_$_n=\$_id NS_$_n=\$_ns IPS_$_n=\$_ips"
	check_eq "PodSandboxStatus $_n: ready" "$(json_get "$_st" .state)" SANDBOX_READY
}
run_pod a 30080:8080/tcp
run_pod b
# shellcheck disable=SC2154 # set by run_pod through eval
{
	A4=${IPS_a%% *} A6=${IPS_a#* } B4=${IPS_b%% *} B6=${IPS_b#* }
	IDA=$ID_a IDB=$ID_b NSA=$NS_a NSB=$NS_b
}
for _p in "a $A4 $A6 $IDA" "b $B4 $B6 $IDB"; do
	# shellcheck disable=SC2086 # four words, split on purpose
	set -- $_p
	check_match "PodSandboxStatus $1: IPv4 from our host-local" "$2" '^10\.244\.1\.[0-9]+$'
	check_match "PodSandboxStatus $1: IPv6 from our host-local" "$3" '^fd00:10:244:1::[0-9a-f]+$'
	for _ip in "$2" "$3"; do
		check_match "pod $1: lease for $_ip names the sandbox ID and eth0" \
			"$(tr '\r\n' '  ' <"/var/lib/cni/networks/$NET/$_ip" 2>/dev/null)" "^$4 +eth0"
	done
	check_match "pod $1: masquerade state for $2 while it runs" "$(masq_state "$2")" .
done
check_eq "two veths on $BR" "$(ip -o link show master "$BR" | wc -l)" 2
# What the kubelet path adds over ctr's: containerd sends the pod's identity
# in CNI_ARGS and its hostPort as the portMappings capability; libcni's
# record of the ADD keeps both.
ADDREC=/var/lib/cni/results/$NET-$IDA-eth0
check_eq "pod a's ADD had the K8S_POD_* CNI_ARGS" \
	"$(jq -r '.cniArgs | map(join("=")) | sort | join(";")' "$ADDREC" 2>&1)" \
	"IgnoreUnknown=1;K8S_POD_INFRA_CONTAINER_ID=$IDA;K8S_POD_NAME=a;K8S_POD_NAMESPACE=cbcri;K8S_POD_UID=uid-a-$$"
check_eq "pod a's ADD had its hostPort as the portMappings capability" \
	"$(jq -c .capabilityArgs.portMappings "$ADDREC" 2>&1)" \
	'[{"HostPort":30080,"ContainerPort":8080,"Protocol":"tcp","HostIP":""}]'

# pod_traffic WHEN: pings between the pods, both ways, both families.
pod_traffic() {
	check "$1: pod a pings pod b ($B4)" ns_ping "$NSA" "$B4"
	check "$1: pod a pings pod b ($B6)" ns_ping "$NSA" "$B6"
	check "$1: pod b pings pod a ($A4)" ns_ping "$NSB" "$A4"
	check "$1: pod b pings pod a ($A6)" ns_ping "$NSB" "$A6"
}
pod_traffic "pods up"

# hostport ADDR: a connection from the host to ADDR:30080 reaches a listener
# on port 8080 in pod a (portmap's DNAT, from the pod's PortMappings), and
# data flows both ways.
hostport() {
	rm -f "$C/nc.out"
	echo from-pod | timeout 10 ip netns exec "$NSA" busybox nc -l -p 8080 >"$C/nc.out" 2>&1 &
	_l=$!
	for _t in $(seq 50); do
		ip netns exec "$NSA" ss -Hltn 'sport = :8080' | grep -q . && break
		sleep 0.1
	done
	_got=$(echo from-host | timeout 5 busybox nc -w 3 "$1" 30080 2>&1)
	wait "$_l"
	check_eq "hostPort 30080 via $1: the host gets the pod's reply" "$_got" from-pod
	check_eq "hostPort 30080 via $1: the pod listener gets the host's data" "$(cat "$C/nc.out")" from-host
}
hostport "$GW4"
# The bridge's IPv6 gateway address is tentative until the host's DAD ends
# (about a second after the first ADD put it there, with the reference as
# with ours: neither waits for the host's DAD); the kernel does not deliver
# to a tentative address, so on a fast machine the connection would beat it.
for _t in $(seq 50); do
	[ -z "$(ip -6 addr show dev "$BR" to "$GW6" tentative)" ] && break
	sleep 0.1
done
check_eq "the bridge's $GW6 has left DAD (not tentative)" \
	"$(ip -6 addr show dev "$BR" to "$GW6" tentative)" ""
hostport "$GW6"
check_match "portmap's DNAT chain for pod a exists" "$(iptables-save -t nat)" "-j DNAT --to-destination $A4:8080"

# containerd goes away and comes back while the pods run (as on an upgrade):
# the pods and their network stay, and the restarted CRI plugin still knows
# enough to release everything.
kill "$CTRD_PID"
wait "$CTRD_PID"
CTRD_PID=
check "containerd restarted while the pods run" start_containerd
check_eq "after the restart: both pods listed ready" \
	"$(cri ls | sort | awk '{print $2}' | tr '\n' ' ')" "SANDBOX_READY SANDBOX_READY "
pod_traffic "after the restart"

for _p in "a $IDA $A4 $A6" "b $IDB $B4 $B6"; do
	# shellcheck disable=SC2086 # four words, split on purpose
	set -- $_p
	check "StopPodSandbox $1" cri stop "$2"
	check_eq "PodSandboxStatus $1 after stop: not ready, no IP" \
		"$(cri inspect "$2" | jq -r '"\(.state) \(.ips | length)"')" "SANDBOX_NOTREADY 0"
	check_eq "pod $1 stopped: no lease for $3 or $4" \
		"$(ls "/var/lib/cni/networks/$NET/$3" "/var/lib/cni/networks/$NET/$4" 2>/dev/null)" ""
	check "RemovePodSandbox $1" cri rm "$2"
done
check_eq "no pod sandbox left" "$(cri ls)" ""
check_eq "nothing left: no veth on $BR" "$(ip -o link show master "$BR" | awk -F': ' '{print $2}')" ""
check_eq "nothing left: no host veth at all" "$(host_veths | tr '\n' ' ')" ""
check_eq "nothing left: no lease" "$(leases "$NET" | tr '\n' ' ')" ""
for _ip in "$A4" "$B4"; do
	check_eq "nothing left: no masquerade rule or chain for $_ip" "$(masq_state "$_ip")" ""
done
check_eq "nothing left: no portmap DNAT chain" \
	"$( (iptables-save -t nat; ip6tables-save -t nat) | grep -E '^:CNI-DN-|--to-destination')" ""
check_eq "nothing left: no pod netns" "$(ls /run/netns)" ""
check_eq "nothing left: no cached CNI result" "$(cached_results | tr '\n' ' ')" ""

stop_containerd
finish
