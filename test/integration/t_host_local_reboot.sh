#!/bin/sh
# Leases that outlive a reboot (issue 15.2), with simulated boots:
# test/tools/hl_bootsim is our host-local reading "this boot's id" from a
# file, so rewriting that file is a reboot as far as the store can tell
# (test/vm/t_reboot.sh does it with real reboots). After a reboot every ADD
# succeeds because earlier-boot leases are released when the range is full;
# a container re-added with its old ID first gets its old address; a range
# full of this boot's leases fails exactly as the reference does and none of
# them is touched; STATUS counts earlier-boot leases as free; the reference
# keeps working on the store and never removes our record; the shipped
# host-local ignores the simulation switch.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_host_local_lib.inc"

STORE=/var/lib/cni/networks/rb
mkdir "$T/sim"
ln -s "$TOOLS/hl_bootsim" "$T/sim/host-local"
export HL_BOOTSIM_BOOT_ID_FILE="$T/boot_id"
reboot_to() { echo "$1" >"$HL_BOOTSIM_BOOT_ID_FILE"; }
sim() { cni "$T/sim" host-local "$1" "$2" /run/netns/none eth0 "$3" "${4:-}"; }
addr() { json_get "$OUT" '.ips[0].address'; }
# snapshot: name, inode and content of every lease file
snapshot() {
	for f in "$STORE"/10.*; do
		printf '%s %s %s\n' "$(basename "$f")" "$(stat -c %i "$f")" "$(od -An -c "$f" | tr -s ' ')"
	done
}
# 1.0.0 for the reference (v1.1.1 knows no 1.1.0); 1.1.0 for STATUS
HLNET=rb hlconf "$T/c.json" /var/lib/cni/networks 1.0.0 '[[{"subnet":"10.94.0.0/29"}]]'
HLNET=rb hlconf "$T/s.json" /var/lib/cni/networks 1.1.0 '[[{"subnet":"10.94.0.0/29"}]]'

# Boot 1: fill the /29 (.2-.6).
reboot_to 0f0f0f0f-0000-4000-8000-000000000001
for i in 1 2 3 4 5; do sim ADD "b1-$i" "$T/c.json"; done
check_eq "boot 1: five ADDs fill .2-.6" "$(leases $STORE)" "10.94.0.2 10.94.0.3 10.94.0.4 10.94.0.5 10.94.0.6 "
sim ADD b1-6 "$T/c.json"
OURS="$RC $(json_get "$OUT" .code) $(msg)"
hl ref ADD ref-6 eth0 "$T/c.json"
check_eq "boot 1: full range fails as the reference does (code, message)" "$OURS" \
	"$RC $(json_get "$OUT" .code) $(msg)"
sim STATUS "" "$T/s.json"
check_eq "boot 1: STATUS says full (50)" "$(json_get "$OUT" .code)" 50
check_eq "the record names boot 1 and no lease" "$(cat $STORE/.cni-bridge-boot)" \
	"cni-bridge-boot 1 0f0f0f0f-0000-4000-8000-000000000001"

# Boot 2.
reboot_to 0f0f0f0f-0000-4000-8000-000000000002
sim STATUS "" "$T/s.json"
check_eq "boot 2: STATUS counts earlier-boot leases as free" "$RC" 0
check_eq "the record now lists the five boot-1 leases" \
	"$(tail -n +2 $STORE/.cni-bridge-boot | cut -d' ' -f1 | sort | tr '\n' ' ')" \
	"10.94.0.2 10.94.0.3 10.94.0.4 10.94.0.5 10.94.0.6 "
hl ref ADD ref-2 eth0 "$T/c.json"
check_match "the reference, which knows no boots, still fails on the full range" "$(msg)" \
	'no IP addresses available'
sim ADD b1-3 "$T/c.json"
check_eq "boot 2: b1-3 re-added with its ID gets its old address" "$(addr)" 10.94.0.4/29
got=""
for i in 1 2 3 4; do
	sim ADD "b2-$i" "$T/c.json" || diag "b2-$i: $(msg)"
	got="$got $(addr)"
	[ "$i" != 1 ] || RELEASE_LOG=$ERR
done
check_eq "boot 2: four new ADDs succeed, after .6 round robin" "$got" \
	" 10.94.0.2/29 10.94.0.3/29 10.94.0.5/29 10.94.0.6/29"
check_match "the first of them released the other four boot-1 leases (logged)" "$RELEASE_LOG" \
	'range set 10.94.0.1-10.94.0.6 full: released 4 leases of an earlier boot'
check_eq "b1-3's lease is kept, the rest are boot 2's" \
	"$(for f in "$STORE"/10.*; do tr '\r\n' '  ' <"$f"; echo; done | tr '\n' ',')" \
	"b2-1  eth0,b2-2  eth0,b1-3  eth0,b2-3  eth0,b2-4  eth0,"
before=$(snapshot)
sim ADD b2-5 "$T/c.json"
OURS="$RC $(json_get "$OUT" .code) $(msg)"
hl ref ADD ref-5 eth0 "$T/c.json"
check_eq "a range full of boot-2 leases fails as the reference does" "$OURS" \
	"$RC $(json_get "$OUT" .code) $(msg)"
sim ADD b2-6 "$T/c.json" "IP=10.94.0.3"
check_eq "a requested address held in this boot stays unavailable" "$(msg)" \
	"failed to allocate for range 0: requested IP address 10.94.0.3 is not available in range set 10.94.0.1-10.94.0.6"
sim STATUS "" "$T/s.json"
check_eq "STATUS says full again (50)" "$(json_get "$OUT" .code)" 50
check_eq "no boot-2 lease was touched (name, inode, content)" "$(snapshot)" "$before"
check_eq "the record lists no lease any more" "$(wc -l <$STORE/.cni-bridge-boot)" 1

# The reference on the same store in boot 2: DEL and ADD work, our record
# survives its DEL walk (which removes files whose content is the owner).
hl ref DEL b2-2 eth0 "$T/c.json"
hl ref ADD ref-7 eth0 "$T/c.json"
check_eq "the reference's DEL + ADD on the store" "$RC $(first_ip)" "0 10.94.0.3"
check "our record survives the reference's DEL" test -f "$STORE/.cni-bridge-boot"

# Boot 3: a requested address held by an earlier lease of another
# container is released for it; the lease the reference made in boot 2
# after our last call is taken to be of the current boot (safe side).
reboot_to 0f0f0f0f-0000-4000-8000-000000000003
sim ADD b3-1 "$T/c.json" "IP=10.94.0.5"
check_eq "boot 3: requested address of an earlier lease: granted" "$RC $(addr)" "0 10.94.0.5/29"
check_eq "boot 3: the reference's late lease is not counted as earlier" \
	"$(grep -c '^10.94.0.3 ' $STORE/.cni-bridge-boot)" 0
check_eq "its file is intact" "$(tr '\r\n' '  ' <$STORE/10.94.0.3)" "ref-7  eth0"

# The shipped binary reads the kernel's boot id, whatever the environment says.
HLNET=prod hlconf "$T/p.json" /var/lib/cni/networks 1.1.0 '[[{"subnet":"10.94.1.0/29"}]]'
hl ours ADD p1 eth0 "$T/p.json"
check_eq "build/bin/host-local ignores HL_BOOTSIM_BOOT_ID_FILE" \
	"$(cat /var/lib/cni/networks/prod/.cni-bridge-boot)" \
	"cni-bridge-boot 1 $(cat /proc/sys/kernel/random/boot_id)"
done_testing
