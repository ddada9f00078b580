#!/bin/sh
# host-local's on-disk store against the reference (/usr/lib/cni/host-local,
# plugins v1.1.1): byte-for-byte files, ADD with one and CHECK/DEL with the
# other in both directions, the legacy ID-only format, planted symlinks, and
# that the lease index spares ADD the scan of every lease file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_host_local_lib.inc"

D=$T/data
S=$D/net1
C=$T/c.json
hlconf "$C" "$D" 1.0.0 '[[{"subnet":"10.1.2.0/24"}]]'

# --- the files, byte for byte -------------------------------------------
hl ours ADD c1 eth0 "$C"
check_eq "ours ADD takes .2 first" "$RC $(first_ip)" "0 10.1.2.2"
check "lease holds id CR LF ifname, no newline" cmp "$S/10.1.2.2" "$(printf 'c1\r\neth0' >"$T/want" && echo "$T/want")"
check_eq "lease mode 0600" "$(stat -c %a "$S/10.1.2.2")" 600
check_eq "last_reserved_ip.0 holds the bare IP" "$(cat "$S/last_reserved_ip.0")" 10.1.2.2
check_eq "last_reserved_ip.0 has no newline" "$(wc -c <"$S/last_reserved_ip.0")" 8
check_eq "last_reserved_ip.0 mode 0600" "$(stat -c %a "$S/last_reserved_ip.0")" 600
check_eq "lock: empty, mode 0750" "$(stat -c '%s %a' "$S/lock")" "0 750"
check_eq "store dir mode 0755" "$(stat -c %a "$S")" 755
check_eq "no temporary file left" "$(ls -a "$S" | grep -c '^\.tmp-')" 0

# --- ours -> reference ---------------------------------------------------
hl ref CHECK c1 eth0 "$C"
check_eq "reference CHECK finds our lease" "$RC" 0
hl ref ADD c2 eth0 "$C"
check_eq "reference ADD continues our round robin (.3)" "$RC $(first_ip)" "0 10.1.2.3"
hl ours CHECK c2 eth0 "$C"
check_eq "ours CHECK sees the reference's lease (index rescanned)" "$RC" 0
hl ours ADD c2 eth0 "$C"
check_eq "ours refuses a duplicate made by the reference" "$(msg)" \
	"failed to allocate for range 0: 10.1.2.3 has been allocated to c2, duplicate allocation is not allowed"
hl ref DEL c1 eth0 "$C"
check_eq "reference DEL removes our lease" "$RC $(leases "$S")" "0 10.1.2.3 "
check "reference DEL leaves our index alone" test -f "$S/.cni-bridge-index"
hl ours ADD c3 eth0 "$C"
check_eq "ours ADD after the reference's DEL: .4" "$RC $(first_ip)" "0 10.1.2.4"
hl ours DEL c2 eth0 "$C"
check_eq "ours DEL removes the reference's lease" "$RC $(leases "$S")" "0 10.1.2.4 "
hl ref DEL c3 eth0 "$C"
check_eq "reference DEL of our lease after ours wrote the index" "$RC $(leases "$S")" "0 "
hl ours DEL c3 eth0 "$C"
check_eq "DEL of an unknown container succeeds" "$RC" 0

# --- CHECK failure text equals the reference's ------------------------------
hl ref CHECK nobody eth0 "$C"
want=$(msg)
hl ours CHECK nobody eth0 "$C"
check_eq "CHECK of a missing lease: the reference's message" "$RC $(msg)" "1 $want"

# --- legacy ID-only leases ---------------------------------------------------
printf 'old1' >"$S/10.1.2.50"
hl ours CHECK old1 eth0 "$C"
check_eq "legacy ID-only lease satisfies CHECK" "$RC" 0
hl ours ADD old1 eth0 "$C"
check_eq "legacy lease counts for the duplicate check" "$(msg)" \
	"failed to allocate for range 0: 10.1.2.50 has been allocated to old1, duplicate allocation is not allowed"
hl ours DEL old1 eth0 "$C"
check "legacy lease released by DEL" test ! -e "$S/10.1.2.50"

# --- dual stack: DEL frees every family, either direction -----------------------
C2=$T/c2.json
hlconf "$C2" "$D" 1.0.0 '[[{"subnet":"10.1.2.0/24"}],[{"subnet":"fd00:1::/64"}]]'
hl ours ADD d1 eth0 "$C2"
check_eq "dual stack ADD: one address per set" "$RC $(json_get "$OUT" '[.ips[].address]|join(" ")')" \
	"0 10.1.2.5/24 fd00:1::2/64"
check_eq "IPv6 lease file named canonically" "$(cat "$S/fd00:1::2" | tr '\r\n' '|~')" "d1|~eth0"
hl ref DEL d1 eth0 "$C2"
check_eq "reference DEL frees both families of ours" "$(leases "$S")" ""
hl ref ADD d2 eth1 "$C2"
hl ours DEL d2 eth1 "$C2"
check_eq "ours DEL frees both families of the reference's" "$RC $(leases "$S")" "0 "
hl ref ADD d3 eth0 "$C2"
hl ref ADD d3 eth1 "$C2"
hl ours DEL d3 eth0 "$C2"
check_eq "DEL frees only the given ifname" "$(leases "$S" | wc -w)" 2

# --- symlinks planted in the store are never followed ---------------------------
printf 'precious' >"$T/target"
ln -s "$T/target" "$S/10.1.2.9"
hl ours ADD s1 eth0 "$C" "IP=10.1.2.9"
check_match "a symlink named as a lease blocks that IP" "$(msg)" "requested IP address 10.1.2.9 is not available"
rm "$S/last_reserved_ip.0"
ln -s "$T/target" "$S/last_reserved_ip.0"
hl ours ADD s2 eth0 "$C"
check_eq "ADD with last_reserved_ip.0 planted as a symlink succeeds" "$RC" 0
check_eq "... the symlink's target is untouched" "$(cat "$T/target")" precious
check "... and last_reserved_ip.0 is a regular file again" test ! -L "$S/last_reserved_ip.0"
mkdir -p "$D"
ln -s "$T" "$D/evil"
HLNET=evil hlconf "$T/evil.json" "$D" 1.0.0 '[[{"subnet":"10.1.2.0/24"}]]'
hl ours ADD s3 eth0 "$T/evil.json"
check_match "a network directory that is a symlink is refused" "$RC $(msg)" "^1 .*symlink"
check "... and nothing was created behind it" test ! -e "$T/lock"
mkdir "$D/evil2" && ln -s "$T/target" "$D/evil2/lock"
HLNET=evil2 hlconf "$T/evil2.json" "$D" 1.0.0 '[[{"subnet":"10.1.2.0/24"}]]'
hl ours ADD s4 eth0 "$T/evil2.json"
check_match "a lock file that is a symlink is refused" "$RC $(msg)" "^1 .*lock is a symlink"

# --- the index spares ADD the scan ----------------------------------------------
B=$T/big
Cb=$T/big.json
hlconf "$Cb" "$B" 1.0.0 '[[{"subnet":"10.8.0.0/16"}]]'
mkdir -p "$B/net1"
i=2
while [ $i -lt 302 ]; do
	printf 'x%d\r\neth0' $i >"$B/net1/10.8.$((i / 256)).$((i % 256))"
	i=$((i + 1))
done
hl ours ADD big1 eth0 "$Cb"
check_eq "first ADD on a store the reference filled rescans and succeeds" "$RC" 0
check_eq "... and skips the 300 taken addresses" "$(first_ip)" 10.8.1.46
env CNI_COMMAND=ADD CNI_CONTAINERID=big2 CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH="$BIN" \
	strace -f -e trace=getdents64,openat "$BIN/host-local" <"$Cb" 2>"$T/strace" >/dev/null
check_match "second ADD: strace saw it open the index" "$(cat "$T/strace")" 'openat\(.*cni-bridge-index'
check_eq "second ADD opens no lease file (index valid: no scan)" "$(grep -c 'openat([0-9]*, "10\.' "$T/strace")" 0
# The header records the clock probe (index.h): fine-grained only on ext4,
# xfs or btrfs under Linux 6.13+ (never tmpfs), and only then is the
# readdir that checks the index's names skipped.
kver=$(uname -r | awk -F. '{ print $1 * 1000 + $2 }')
fs=$(stat -f -c %T "$B")
case "$fs" in ext2/ext3 | xfs | btrfs) mgfs=1 ;; *) mgfs=0 ;; esac
if [ "$kver" -ge 6013 ] && [ $mgfs = 1 ]; then
	check_match "index header ($fs): this boot found fine-grained timestamps" \
		"$(head -c 128 "$B/net1/.cni-bridge-index")" " fine=$(cat /proc/sys/kernel/random/boot_id) "
	check_eq "second ADD lists no directory (stamp alone trusted)" \
		"$(grep -c 'getdents64(' "$T/strace")" 0
else
	check_match "index header ($fs): this boot found coarse timestamps" \
		"$(head -c 128 "$B/net1/.cni-bridge-index")" " coarse=$(cat /proc/sys/kernel/random/boot_id) "
	check "second ADD lists the directory (coarse clock: names checked)" \
		grep -q 'getdents64(' "$T/strace"
fi
hl ours DEL x7 eth0 "$Cb"
check "DEL through the index removes the reference's lease" test ! -e "$B/net1/10.8.0.7"
hl ref ADD big3 eth0 "$Cb"
hl ours ADD big3 eth0 "$Cb"
check_match "after a reference ADD our duplicate check still sees it" "$(msg)" "10.8.1.48 has been allocated to big3"

# --- tmpfs (coarse timestamps): the reference frees and re-takes an address ----
# /var/lib/cni is a tmpfs here. Two changes within one clock tick share the
# directory's timestamp, so the index also checks names and inode numbers.
M=/var/lib/cni/tmpfs-store
Cm=$T/m.json
hlconf "$Cm" "$M" 1.0.0 '[[{"subnet":"10.9.0.0/24"}]]'
stale=0
i=0
while [ $i -lt 30 ]; do
	hl ours ADD "x$i" eth0 "$Cm" "IP=10.9.0.5"
	hl ref DEL "x$i" eth0 "$Cm"
	hl ref ADD "y$i" eth0 "$Cm" "IP=10.9.0.5"
	hl ours CHECK "y$i" eth0 "$Cm" || stale=$((stale + 1))
	hl ours CHECK "x$i" eth0 "$Cm" && stale=$((stale + 1))
	hl ours DEL "y$i" eth0 "$Cm"
	[ -e "$M/net1/10.9.0.5" ] && stale=$((stale + 1)) && rm -f "$M/net1/10.9.0.5"
	i=$((i + 1))
done
check_eq "30 rounds of ours ADD / reference DEL+ADD of the same IP on tmpfs: never stale" "$stale" 0
# foreign_rounds STORE CONF N: N rounds of our ADD of 10.9.0.6, then a
# writer fast enough to land in the tick of our last change deletes it and
# makes it again for another container; prints how many rounds the index
# did not notice (CHECK of the new owner failed, or its DEL left the file)
foreign_rounds() {
	_stale=0 _i=0
	while [ $_i -lt "$3" ]; do
		hl ours ADD "x$_i" eth0 "$2" "IP=10.9.0.6"
		"$TOOLS/hl_foreign" "$1/net1" 10.9.0.6 "$(printf 'z%d\r\neth0' $_i)"
		hl ours CHECK "z$_i" eth0 "$2" || _stale=$((_stale + 1))
		hl ours DEL "z$_i" eth0 "$2"
		[ -e "$1/net1/10.9.0.6" ] && _stale=$((_stale + 1)) && rm -f "$1/net1/10.9.0.6"
		_i=$((_i + 1))
	done
	echo $_stale
}
check_eq "50 rounds with a same-tick foreign DEL+ADD: the index notices every one" \
	"$(foreign_rounds "$M" "$Cm" 50)" 0
check_match "tmpfs is never trusted on its stamp: the header says coarse" \
	"$(head -c 128 "$M/net1/.cni-bridge-index")" " coarse="

# the same on the filesystem of $T (ext4 on the CI machine: on 6.13+ the
# stamp alone decides there, so this is what proves that safe)
K=$T/disk-store
Ck=$T/k.json
hlconf "$Ck" "$K" 1.0.0 '[[{"subnet":"10.9.0.0/24"}]]'
check_eq "100 rounds of same-tick foreign DEL+ADD on $(stat -f -c %T "$T"): the index notices every one" \
	"$(foreign_rounds "$K" "$Ck" 100)" 0
if [ "$kver" -ge 6013 ] && [ $mgfs = 1 ]; then
	check_match "... with the stamp alone trusted there (header says fine)" \
		"$(head -c 128 "$K/net1/.cni-bridge-index")" " fine="
fi

done_testing
