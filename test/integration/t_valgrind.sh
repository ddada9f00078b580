#!/bin/sh
# The plugins themselves under valgrind, through real ADD/CHECK/DEL in
# namespaces: no invalid read or write, no use of uninitialised memory (what
# ASan does not see), no definite leak, on success paths and on the rollback
# and error paths; and every fd the plugin opened is closed at exit. The
# unit tests run under valgrind in make test's third pass; this covers the
# netlink, netns-thread and nftables code they cannot reach. Skipped in the
# sanitizer pass (valgrind cannot run ASan binaries).
. "$(dirname "$0")/lib.sh"

netns_new c
VG_LOG=$T/vg
# vg NAME RC PLUGIN VERB CONF [CNI_ARGS] [IFNAME]: PLUGIN under valgrind;
# expects exit status RC, no valgrind error and no fd of its own open at exit.
vg() {
	_name=$1 _rc=$2 _plugin=$3 _verb=$4 _conf=$5
	rm -f "$VG_LOG".*
	OUT=$(env CNI_COMMAND="$_verb" CNI_CONTAINERID=vg CNI_NETNS=/run/netns/c \
		CNI_IFNAME="${7:-eth0}" CNI_PATH="$BIN" CNI_ARGS="${6:-}" \
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--track-fds=yes --trace-children=yes \
		--trace-children-skip='*iptables*,*ip6tables*,*xtables*' \
		--log-file="$VG_LOG.%p" "$BIN/$_plugin" <"$_conf" 2>"$T/err")
	RC=$?
	check_eq "$_name: exit status $_rc (99 = valgrind error)" "$RC" "$_rc"
	errs=$(cat "$VG_LOG".* | grep -E '^==[0-9]+== +(Invalid|Conditional|Use of uninit|Syscall param|Mismatched|Source and destination|[0-9,]+ bytes in [0-9,]+ blocks are definitely)' | head -5)
	check_eq "$_name: no valgrind error" "$errs" ""
	# An fd the plugin opened and left open shows with the stack that
	# opened it; whatever the caller passed in says "inherited from parent".
	fds=$(cat "$VG_LOG".* | awk '/^==[0-9]+== Open / { fd = $0; getline;
		if ($0 !~ /inherited from parent/) print fd }')
	check_eq "$_name: every fd it opened is closed at exit" "$fds" ""
	[ -z "$fds" ] || cat "$VG_LOG".* | grep -A4 'Open ' | head -12 | sed 's/^/# /'
}
prev() { jq --argjson r "$OUT" '. + {prevResult: $r}' "$1" >"$2"; }

for backend in nftables iptables; do
	jq -n --arg b "$backend" '{cniVersion: "1.0.0", name: "vg", type: "bridge", bridge: "vg0",
		isGateway: true, isDefaultGateway: true, ipMasq: true, ipMasqBackend: $b,
		macspoofchk: ($b == "nftables"), hairpinMode: true,
		ipam: {type: "host-local", ranges: [[{subnet: "10.89.0.0/24"}], [{subnet: "fd89::/64"}]],
		       routes: [{dst: "192.168.0.0/16"}]}}' >"$T/$backend.json"
	vg "bridge ADD ($backend)" 0 bridge ADD "$T/$backend.json"
	prev "$T/$backend.json" "$T/$backend.prev"
	vg "bridge CHECK ($backend)" 0 bridge CHECK "$T/$backend.prev"
	# ADD of the same ifname again fails after IPAM: the rollback path.
	vg "bridge ADD again fails and rolls back ($backend)" 1 bridge ADD "$T/$backend.json"
	vg "bridge DEL ($backend)" 0 bridge DEL "$T/$backend.prev"
	vg "bridge DEL again ($backend)" 0 bridge DEL "$T/$backend.prev"
done

jq -n '{cniVersion: "1.0.0", name: "vgl2", type: "bridge", bridge: "vg1", ipam: {}}' >"$T/l2.json"
vg "bridge ADD (L2, no IPAM)" 0 bridge ADD "$T/l2.json" "" eth1
prev "$T/l2.json" "$T/l2.prev"
vg "bridge DEL (L2)" 0 bridge DEL "$T/l2.prev" "" eth1

vg "host-local ADD" 0 host-local ADD "$T/nftables.json"
prev "$T/nftables.json" "$T/hl.prev"
vg "host-local CHECK" 0 host-local CHECK "$T/hl.prev"
vg "host-local DEL" 0 host-local DEL "$T/hl.prev"

# Error paths: refused config, bad CNI_ARGS, missing netns, deep nesting.
jq '.mtu = -1' "$T/nftables.json" >"$T/bad.json"
vg "bridge: bad mtu refused" 1 bridge ADD "$T/bad.json"
vg "bridge: unknown CNI_ARGS refused" 1 bridge ADD "$T/nftables.json" "FOO=bar"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; }' >"$T/deep.json"
vg "bridge: deep nesting refused" 1 bridge ADD "$T/deep.json"
ip netns del c
vg "bridge ADD with the netns gone" 1 bridge ADD "$T/nftables.json"
done_testing
