#!/bin/sh
# podman 4.3 with the CNI backend drives the plugin under test: the VERSION
# probe podman sends with dummy values, `podman run --rm --network <ours>`
# (address from our host-local, ping to the gateway), `--ip` (CNI_ARGS IP=),
# and a conflist written by `podman network create` (0.4.0: bridge, portmap,
# firewall, tuning) with our bridge and host-local swapped in. podman runs on
# private config, storage and run dirs inside the sandbox.
. "$(dirname "$0")/clients.sh"

install_put || { finish; exit 1; }
remount_cgroups libpod_parent || { not_ok "cgroup hierarchies mounted in the sandbox"; finish; exit 1; }

P=$T/podman
# As root, podman keeps a blob-info cache in /var/lib/containers/cache
# whatever the storage config says: give it a tmpfs in the sandbox.
mkdir -p /var/lib/containers && mount -t tmpfs cni-test-containers /var/lib/containers
mkdir -p "$P/net" "$P/tmp" "$P/storage" "$P/run"
export TMPDIR="$P/tmp"
export CONTAINERS_CONF="$P/containers.conf" CONTAINERS_STORAGE_CONF="$P/storage.conf"
export CONTAINERS_REGISTRIES_CONF="$P/registries.conf"
cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[network]
network_backend = "cni"
cni_plugin_dirs = ["$PD", "$REF"]
network_config_dir = "$P/net"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$P/events.log"
runtime = "runc"
tmp_dir = "$P/libpod"
image_copy_tmp_dir = "$P/tmp"
volume_path = "$P/volumes"
CONF
cat >"$CONTAINERS_STORAGE_CONF" <<CONF
[storage]
driver = "vfs"
graphroot = "$P/storage"
runroot = "$P/run"
CONF
echo 'unqualified-search-registries = []' >"$CONTAINERS_REGISTRIES_CONF"
# podman: no registry, no journald, no systemd
pm() { podman --log-level=error "$@"; }

make_busybox_rootfs "$P/rootfs"
check "busybox image imported" sh -c \
	"tar -C '$P/rootfs' -c . | podman import --change 'CMD [\"/bin/sh\"]' - localhost/cb-bb:latest"

# The VERSION probe exactly as podman sends it before using any network.
for _p in "$PUT_BRIDGE" "$PUT_IPAM"; do
	OUT=$(echo '{"cniVersion":"1.0.0"}' | env CNI_COMMAND=VERSION CNI_NETNS=dummy \
		CNI_PATH=dummy CNI_IFNAME=dummy CNI_CONTAINERID=dummy "$PD/$_p" 2>&1)
	RC=$?
	check_eq "VERSION probe with dummy env: $_p exits 0" "$RC" 0
	check_eq "VERSION probe: $_p supports 0.4.0 and 1.0.0" \
		"$(json_get "$OUT" '[.supportedVersions[] | select(. == "0.4.0" or . == "1.0.0")] | length' 2>&1)" 2
done

NET=cbp-1
bridge_conflist "$NET" 1.0.0 cbp1 10.203.1.0/24 >"$P/net/$NET.conflist"
# A plugin failing the probe makes podman drop the network: it must be listed.
check_match "podman lists the network that uses our plugins" \
	"$(pm network ls --format '{{.Name}}' 2>&1)" "^$NET\$"
check_eq "podman inspect names the plugin under test as the driver" \
	"$(pm network inspect "$NET" 2>/dev/null | jq -r '.[0].driver')" "$PUT_BRIDGE"

# run_in NET [podman run args...] -- CMD: podman run --rm, output in OUT
run_in() {
	_net=$1
	shift
	OUT=$(pm run --rm --network "$_net" "$@" 2>&1)
	RC=$?
}

run_in "$NET" localhost/cb-bb:latest sh -c \
	'ip -4 -o addr show dev eth0; ip route show default; ping -c1 -w4 10.203.1.1 >/dev/null && echo PING-OK'
check_eq "podman run --rm --network $NET exits 0" "$RC" 0
check_match "container got an address from our host-local" "$OUT" 'inet 10\.203\.1\.[0-9]+/24'
check_match "container has the default route via our gateway" "$OUT" 'default via 10\.203\.1\.1'
check_match "container pings the gateway" "$OUT" PING-OK
check_eq "after run --rm: no veth left" "$(host_veths | tr '\n' ' ')" ""
check_eq "after run --rm: no lease left" "$(leases "$NET" | tr '\n' ' ')" ""

run_in "$NET" --ip 10.203.1.77 localhost/cb-bb:latest sh -c \
	'ip -4 -o addr show dev eth0; ping -c1 -w4 10.203.1.1 >/dev/null && echo PING-OK'
check_eq "podman run --ip exits 0" "$RC" 0
check_match "--ip: container has exactly the requested address" "$OUT" 'inet 10\.203\.1\.77/24'
check_match "--ip: container pings the gateway" "$OUT" PING-OK
check_eq "after --ip run: no lease left" "$(leases "$NET" | tr '\n' ' ')" ""

run_in "$NET" --mac-address 02:cb:cb:00:00:11 localhost/cb-bb:latest ip link show dev eth0
check_eq "podman run --mac-address (CNI_ARGS MAC=) exits 0" "$RC" 0
check_match "--mac-address: eth0 has exactly that MAC" "$OUT" 'link/ether 02:cb:cb:00:00:11 '

# A failed ADD through podman: the bridge name is taken by a veth. podman must
# show the plugin's error; no container, veth or lease may stay behind.
ip link add cbpx type veth peer name cbpxp
bridge_conflist cbp-bad 1.0.0 cbpx 10.203.9.0/24 >"$P/net/cbp-bad.conflist"
run_in cbp-bad localhost/cb-bb:latest true
check_eq "podman run with a failing ADD exits non-zero" "$([ "$RC" != 0 ] && echo yes)" yes
check_match "podman shows the plugin's error, naming the link" "$OUT" 'cbpx.*not a bridge'
diag "podman said: $OUT"
check_eq "failed ADD through podman: no veth left" "$(host_veths | grep -v '^cbpxp\?$' | tr '\n' ' ')" ""
check_eq "failed ADD through podman: no lease left" "$(leases cbp-bad | tr '\n' ' ')" ""
check_eq "failed ADD through podman: no container left" "$(pm ps -aq | wc -l)" 0
ip link del cbpx
rm -f "$P/net/cbp-bad.conflist"

# A podman-generated conflist with our bridge and host-local swapped in.
GEN=cbp-gen
pm network create --subnet 10.203.2.0/24 "$GEN" >/dev/null 2>&1
GF=$P/net/$GEN.conflist
check "podman network create wrote $GEN.conflist" test -s "$GF"
check_eq "generated conflist is at 0.4.0" "$(jq -r .cniVersion "$GF")" 0.4.0
check_eq "generated chain is bridge, portmap, firewall, tuning" \
	"$(jq -r '[.plugins[].type] | join(",")' "$GF")" bridge,portmap,firewall,tuning
# The shipped conf/podman example is what podman writes, but for the names,
# the subnet and the gateway.
shape() {
	jq -S 'del(.name) | .plugins[0] |= (del(.bridge) | .ipam.ranges = "RANGES")' "$1"
}
check_eq "conf/podman has the shape podman network create writes" \
	"$(shape "$TOP/conf/podman/87-podman-cni-bridge.conflist")" "$(shape "$GF")"
jq --arg b "$PUT_BRIDGE" --arg i "$PUT_IPAM" \
	'(.plugins[] | select(.type == "bridge")) |= (.type = $b | .ipam.type = $i)' \
	"$GF" >"$GF.new" && mv "$GF.new" "$GF"
check_eq "generated chain now starts with the plugin under test" \
	"$(jq -r '[.plugins[0].type, .plugins[0].ipam.type] | join(",")' "$GF")" "$PUT_BRIDGE,$PUT_IPAM"
BR=$(jq -r '.plugins[0].bridge' "$GF")

run_in "$GEN" localhost/cb-bb:latest sh -c \
	'ip -4 -o addr show dev eth0; ping -c1 -w4 10.203.2.1 >/dev/null && echo PING-OK'
check_eq "run on the generated network exits 0" "$RC" 0
check_match "generated network: address from our host-local" "$OUT" 'inet 10\.203\.2\.[0-9]+/24'
check_match "generated network: container pings the gateway" "$OUT" PING-OK
run_in "$GEN" --ip 10.203.2.99 localhost/cb-bb:latest ip -4 -o addr show dev eth0
check_eq "--ip on the generated network (ips capability) exits 0" "$RC" 0
check_match "--ip on the generated network: exactly that address" "$OUT" 'inet 10\.203\.2\.99/24'

# A podman-generated dual-stack network, ours swapped in the same way.
pm network create --ipv6 --subnet 10.203.3.0/24 --subnet fd00:cb:3::/64 cbp-6 >/dev/null 2>&1
jq --arg b "$PUT_BRIDGE" --arg i "$PUT_IPAM" \
	'(.plugins[] | select(.type == "bridge")) |= (.type = $b | .ipam.type = $i)' \
	"$P/net/cbp-6.conflist" >"$P/cbp-6.new" && mv "$P/cbp-6.new" "$P/net/cbp-6.conflist"
check_eq "generated dual-stack network has both ranges" \
	"$(jq -c '[.plugins[0].ipam.ranges[][].subnet]' "$P/net/cbp-6.conflist" 2>&1)" \
	'["10.203.3.0/24","fd00:cb:3::/64"]'
run_in cbp-6 localhost/cb-bb:latest sh -c \
	'ip -o addr show dev eth0; ping -c1 -w6 fd00:cb:3::1 >/dev/null && echo PING6-OK'
check_eq "run on the generated dual-stack network exits 0" "$RC" 0
check_match "dual stack: IPv4 address from our host-local" "$OUT" 'inet 10\.203\.3\.[0-9]+/24'
check_match "dual stack: IPv6 address from our host-local" "$OUT" 'inet6 fd00:cb:3::[0-9a-f]+/64'
check_match "dual stack: container pings the IPv6 gateway" "$OUT" PING6-OK
check_eq "dual stack: no lease left" "$(leases cbp-6 | tr '\n' ' ')" ""

# Port mapping through the reference portmap on top of our bridge's result.
# A failed `run -d` leaves a created container behind: it has a name to
# remove it by, whatever happens.
at_exit "pm rm -f -t 0 cbp-pm >/dev/null 2>&1"
CID=$(pm run -d --name cbp-pm --network "$GEN" -p 18082:80 localhost/cb-bb:latest \
	nc -ll -p 80 -e echo cb-podman-portmap-ok 2>&1)
RC=$?
check_eq "podman run -d -p 18082:80 on the generated network exits 0" "$RC" 0
[ "$RC" = 0 ] || diag "$CID"
got=
for _t in 1 2 3 4 5 6 7 8 9 10; do
	got=$(busybox nc -w 2 10.203.2.1 18082 </dev/null 2>/dev/null) && [ -n "$got" ] && break
	sleep 0.3
done
check_eq "host reaches the container through podman's port mapping" "$got" cb-podman-portmap-ok
check_match "bridge $BR carries our gateway" "$(ip -4 -o addr show dev "$BR" 2>&1)" 'inet 10\.203\.2\.1/24'
CIP=$(pm exec "$CID" ip -4 -o addr show dev eth0 2>/dev/null | sed -n 's|.*inet \([0-9.]*\)/.*|\1|p')
# ipMasq is on in podman's conflist: masquerade state must name the address.
check_match "ipMasq: masquerade state names the container address $CIP" "$(masq_state "$CIP")" .
pm rm -f -t 0 cbp-pm >/dev/null 2>&1
check_eq "after rm -f: no veth left" "$(host_veths | tr '\n' ' ')" ""
check_eq "after rm -f: no lease left" "$(leases "$GEN" | tr '\n' ' ')" ""
check_eq "after rm -f: no portmap DNAT left" "$(iptables-save -t nat | grep -c 'dport 18082')" 0
check_eq "after rm -f: no masquerade state names $CIP" "$(masq_state "$CIP")" ""
check_eq "no container left" "$(pm ps -aq | wc -l)" 0

finish
