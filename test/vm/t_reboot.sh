#!/bin/sh
# Leases that outlive a real reboot (issue 15.2): two boots of the kernel
# lane's QEMU guest (test/vm/vm.sh run -k) share one lease store, a directory
# under build/ on the 9p share bind-mounted as the guest's /var/lib/cni.
# Boot 1 fills a /29 with real bridge ADDs (netns, veth, bridge; host-local
# in-process, so the shipped code path reads the kernel's boot_id). Boot 2:
# a container re-added with its boot-1 ID first gets its old address; every
# other ADD succeeds (the boot-1 leases are released when the range is
# full); a range full of boot-2 leases fails with the reference's code and
# message; no boot-2 lease is touched. Runs on the host, once per `make
# test` (test/run.sh keeps it out of the sanitizer pass); prints TAP.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
BIN=${BIN:-$BUILD/bin}
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check_eq() { # DESC ACTUAL EXPECTED
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"
		echo "# expected: $3"
		echo "# actual:   $2"
	fi
}
finish() { echo "1..$n"; [ "$failed" -eq 0 ]; }

cd "$TOP" || exit 2
"$TOP/test/vm/vm.sh" setup >/dev/null 2>&1 || {
	not_ok "the kernel lane is set up (test/vm/vm.sh setup failed)"
	finish
	exit 1
}
# Under the checkout: vm.sh shares only the current directory read-write.
W=$(mktemp -d "$BUILD/vm-reboot.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir "$W/state"

cat >"$W/conf.json" <<'EOF'
{"cniVersion": "1.0.0", "name": "rbvm", "type": "bridge", "bridge": "rb0",
 "isGateway": true, "ipam": {"type": "host-local",
 "ranges": [[{"subnet": "10.95.0.0/29"}]]}}
EOF
# In the guest: add PLUGIN_DIR ID -> "ADD ID ok ADDR" or "ADD ID fail CODE MSG"
cat >"$W/lib.sh" <<'EOF'
set -u
STORE=/var/lib/cni/networks/rbvm
add() {
	ns=ns-$2
	ip netns add "$ns" 2>/dev/null
	out=$(CNI_COMMAND=ADD CNI_CONTAINERID=$2 CNI_NETNS=/var/run/netns/$ns CNI_IFNAME=eth0 \
		CNI_PATH=$1 "$1/bridge" <"$W/conf.json" 2>/dev/null)
	if [ $? -eq 0 ]; then
		echo "ADD $2 ok $(printf '%s' "$out" | jq -r '.ips[0].address')"
	else
		echo "ADD $2 fail $(printf '%s' "$out" | jq -r '"\(.code) \(.msg)"')"
	fi
}
# name, inode and content of every lease file, as one checksum
snap() {
	for f in "$STORE"/10.*; do
		printf '%s %s %s\n' "${f##*/}" "$(stat -c %i "$f")" "$(od -An -c "$f" | tr -s ' ')"
	done | md5sum | cut -d' ' -f1
}
echo "BOOT $(cat /proc/sys/kernel/random/boot_id)"
EOF
cat >"$W/boot1.sh" <<'EOF'
. "$W/lib.sh"
for i in 1 2 3 4 5 6; do add "$BIN" b1-c$i; done
echo "LEASES $(ls "$STORE" | grep -c '^10\.')"
EOF
cat >"$W/boot2.sh" <<'EOF'
. "$W/lib.sh"
echo "LEASES $(ls "$STORE" | grep -c '^10\.')"
add "$BIN" b1-c3
for i in 1 2 3 4; do add "$BIN" b2-c$i; done
s1=$(snap)
add "$BIN" b2-c5
add /usr/lib/cni b2-ref
echo "TOUCHED $([ "$s1" = "$(snap)" ] && echo no || echo yes)"
echo "EARLIER $(tail -n +2 "$STORE/.cni-bridge-boot" | wc -l)"
to=$(grep -l '^b2-c2' "$STORE"/10.* | head -1)
ip netns exec ns-b2-c1 ping -c1 -W5 "${to##*/}" >/dev/null 2>&1 && echo "PING ok" || echo "PING fail"
EOF

boot() { # N: runs bootN.sh in a fresh guest; its output in $W/outN
	start=$(date +%s)
	VM_STATE_DIR=$W/state "$TOP/test/vm/vm.sh" run -k \
		"W='$W' BIN='$BIN' bash '$W/boot$1.sh'" >"$W/out$1" 2>&1
	rc=$?
	echo "# boot $1: $(($(date +%s) - start)) s, exit $rc"
	sed 's/^/#   /' "$W/out$1"
	return $rc
}
val() { sed -n "s/^$2 //p" "$W/out$1" | head -1; }

T0=$(date +%s)
boot 1
check_eq "boot 1: guest ran" "$?" 0
check_eq "boot 1: five ADDs fill .2-.6" \
	"$(for i in 1 2 3 4 5; do val 1 "ADD b1-c$i"; done | tr '\n' ' ')" \
	"ok 10.95.0.2/29 ok 10.95.0.3/29 ok 10.95.0.4/29 ok 10.95.0.5/29 ok 10.95.0.6/29 "
check_eq "boot 1: the sixth fails, range full" "$(val 1 "ADD b1-c6")" \
	"fail 999 failed to allocate for range 0: no IP addresses available in range set: 10.95.0.1-10.95.0.6"

boot 2
check_eq "boot 2: guest ran" "$?" 0
B1=$(val 1 BOOT)
B2=$(val 2 BOOT)
if [ -n "$B1" ] && [ "$B1" != "$B2" ]; then ok "a real reboot: boot ids differ ($B1, $B2)"; else
	not_ok "a real reboot: boot ids differ ($B1, $B2)"
fi
check_eq "boot 2 starts with the five boot-1 leases on disk" "$(val 2 LEASES)" 5
check_eq "boot 2: b1-c3 re-added with its ID first gets its old address" \
	"$(val 2 "ADD b1-c3")" "ok 10.95.0.4/29"
check_eq "boot 2: four new containers, every ADD succeeds" \
	"$(for i in 1 2 3 4; do val 2 "ADD b2-c$i"; done | tr '\n' ' ')" \
	"ok 10.95.0.2/29 ok 10.95.0.3/29 ok 10.95.0.5/29 ok 10.95.0.6/29 "
check_eq "boot 2: a range full of boot-2 leases fails as the reference does" \
	"$(val 2 "ADD b2-c5")" "$(val 2 "ADD b2-ref")"
check_eq "... with code 999 and the reference's message" "$(val 2 "ADD b2-c5")" \
	"fail 999 failed to allocate for range 0: no IP addresses available in range set: 10.95.0.1-10.95.0.6"
check_eq "boot 2: no boot-2 lease touched by the failing ADDs (name, inode, content)" \
	"$(val 2 TOUCHED)" no
check_eq "boot 2: no earlier-boot lease left in the record" "$(val 2 EARLIER)" 0
check_eq "boot 2: the containers are really attached (ping b2-c1 -> b2-c2)" "$(val 2 PING)" ok
echo "# reboot test: $(($(date +%s) - T0)) s for two boots"
finish
