# Sourced by every test/clients/t_*.sh. Prepares the real clients (outside
# the sandbox: setup.sh may need the package registry), then enters the same
# throwaway sandbox as the integration tests (../integration/lib.sh: new net
# and mount namespaces, private /run, /sys, /var/lib/cni) and adds helpers
# for driving the plugin under test through cnitool, podman and ctr.
#
# The plugin under test is copied into a private plugin dir under its own
# type names (cb-bridge, cb-host-local), so a missing or broken binary can
# never fall back to the reference plugin of the same name in /usr/lib/cni.
# CNI_UNDER_TEST=ref runs the same flows with the reference plugins for
# comparison (=ipam / =bridge: only that half ours); such a run always ends
# with a failing TAP line: it proves nothing about our plugins.

if [ -z "${CNI_TEST_SANDBOX:-}" ]; then
	CNITOOL=$(sh "$(dirname "$0")/setup.sh") || {
		echo "not ok 1 - test/clients/setup.sh failed"
		exit 1
	}
	export CNITOOL
fi
. "$(dirname "$0")/../integration/lib.sh"

: "${CNI_UNDER_TEST:=ours}"
# Where each half of the plugin under test comes from. ours: both ours.
# ref: both reference. ipam / bridge: only that half ours (for developing
# one half while the other is unfinished).
case $CNI_UNDER_TEST in
ref) PUT_BRIDGE_SRC=$REF PUT_IPAM_SRC=$REF ;;
ipam) PUT_BRIDGE_SRC=$REF PUT_IPAM_SRC=$BIN ;;
bridge) PUT_BRIDGE_SRC=$BIN PUT_IPAM_SRC=$REF ;;
*) PUT_BRIDGE_SRC=$BIN PUT_IPAM_SRC=$BIN ;;
esac
PUT_BRIDGE=cb-bridge
PUT_IPAM=cb-host-local
PD=$T/plugins # the private plugin dir: only the plugin under test lives here
mkdir -p "$PD"

# at_exit CMD: run CMD when the script exits (last registered runs first),
# before lib.sh's removal of $T.
_at_exit=""
at_exit() { _at_exit="$1; $_at_exit"; }
trap 'eval "$_at_exit"; rm -rf "$T"' EXIT

# install_put: copies the plugin under test into $PD under its test names.
# Fails (with a TAP line) when the binaries are missing.
install_put() {
	for _p in "$PUT_BRIDGE_SRC/bridge:$PUT_BRIDGE" "$PUT_IPAM_SRC/host-local:$PUT_IPAM"; do
		if [ ! -x "${_p%%:*}" ]; then
			not_ok "plugin under test ${_p%%:*} exists (make -j2 first)"
			return 1
		fi
		cp "${_p%%:*}" "$PD/${_p#*:}"
		# The whole point of the test names: nothing else answers to them.
		check_not "no ${_p#*:} in $REF to fall back to" 1 test -e "$REF/${_p#*:}"
	done
}

# finish: done_testing, plus the rule that a reference run never passes.
finish() {
	if [ "$CNI_UNDER_TEST" != ours ]; then
		not_ok "CNI_UNDER_TEST=$CNI_UNDER_TEST: reference plugins took part; this run proves nothing about ours"
	fi
	done_testing
}

# bridge_conflist NAME VERSION BRIDGE SUBNET4 [SUBNET6] [EXTRA_PLUGINS_JSON]:
# prints a conflist with the plugin under test first, then EXTRA (a
# comma-separated list of plugin objects, without brackets).
bridge_conflist() {
	_ranges="[{\"subnet\":\"$4\"}]"
	[ -n "${5:-}" ] && _ranges="$_ranges,[{\"subnet\":\"$5\"}]"
	cat <<JSON
{
  "cniVersion": "$2",
  "name": "$1",
  "plugins": [
    {
      "type": "$PUT_BRIDGE",
      "bridge": "$3",
      "isGateway": true,
      "ipam": {
        "type": "$PUT_IPAM",
        "ranges": [$_ranges],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    }${6:+,
    $6}
  ]
}
JSON
}

# run_cnitool VERB NET NETNS [CNI_ARGS]: runs cnitool with NETCONFPATH=$NETCONF
# and our plugin dir first in CNI_PATH (reference dir after, for chained
# plugins). Sets OUT, RC.
run_cnitool() {
	OUT=$(env NETCONFPATH="$NETCONF" CNI_PATH="$PD:$REF" CNI_ARGS="${4:-}" \
		"$CNITOOL" "$1" "$2" "/run/netns/$3" 2>&1)
	RC=$?
	return $RC
}

# host_veths: host links that are not bridges, lo, or other test plumbing
host_veths() { ip -o link show type veth | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }
# leases NET: lease files host-local keeps for network NET (no lock/last_reserved)
leases() {
	ls "/var/lib/cni/networks/$1" 2>/dev/null | grep -v -e '^lock$' -e '^last_reserved_ip' || true
}
# cached_results: libcni's result cache entries
cached_results() { ls /var/lib/cni/results 2>/dev/null || true; }
# ns_ping NETNS ADDR: ok at the first reply; keeps sending (1/s) for up to 4 s,
# since a fresh IPv6 gateway address may still be in duplicate address detection
ns_ping() {
	case $2 in
	*:*) ip netns exec "$1" ping -6 -c1 -w4 "$2" ;;
	*) ip netns exec "$1" ping -c1 -w4 "$2" ;;
	esac
}

# remount_cgroups PARENT...: the sandbox's fresh sysfs hides the host's
# cgroup mounts, which runc needs. Mount the same hierarchies again (same fs
# types and options, hence the same cgroups) on the new /sys/fs/cgroup, in the
# order /proc/self/mounts lists them. These cgroups are the machine's own, so
# each PARENT cgroup the runtime will make (containerd: default, podman:
# libpod_parent) that does not exist yet is removed again at exit, once empty.
remount_cgroups() {
	awk '$2 ~ "^/sys/fs/cgroup" && ($3 == "tmpfs" || $3 == "cgroup" || $3 == "cgroup2") &&
		!seen[$2]++ { print $3, $4, $2 }' /proc/self/mounts >"$T/.cgroups"
	while read -r _fs _opts _dir; do
		mkdir -p "$_dir" 2>/dev/null
		mount -t "$_fs" -o "$_opts" "$_fs" "$_dir" || return 1
	done <"$T/.cgroups"
	for _parent in "$@"; do
		for _h in $(awk '{print $3}' "$T/.cgroups"); do
			[ -e "$_h/cgroup.procs" ] && [ ! -e "$_h/$_parent" ] &&
				at_exit "rm_cgroup_tree '$_h/$_parent'"
		done
	done
	return 0
}
# rm_cgroup_tree DIR: rmdir DIR's empty cgroups, deepest first
rm_cgroup_tree() {
	[ -d "$1" ] && find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
	return 0
}

# make_busybox_rootfs DIR: a minimal root filesystem from the static busybox
# (no registry): every applet as a symlink, plus the dirs runc expects.
make_busybox_rootfs() {
	mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/etc" "$1/tmp" "$1/root"
	cp /bin/busybox "$1/bin/busybox"
	for _a in $(/bin/busybox --list); do
		[ -e "$1/bin/$_a" ] || ln -s busybox "$1/bin/$_a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$1/etc/passwd"
	echo 'root:x:0:' >"$1/etc/group"
}

# masq_state IP: masquerade state naming IP, whichever backend made it: the
# reference's iptables POSTROUTING jump, or any nftables table that is not one
# of iptables-nft's own (those hold portmap's and firewall's rules too).
masq_state() {
	iptables-save -t nat 2>/dev/null | grep -E -- "^-A POSTROUTING -s $1/32 .*-j CNI-"
	nft list ruleset 2>/dev/null |
		awk '/^table /{t = $2 " " $3} t !~ /^ip6? (nat|filter|mangle|raw|security)$/' |
		grep -F "$1"
}
