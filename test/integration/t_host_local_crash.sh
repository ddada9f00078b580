#!/bin/sh
# Crash safety (reference bug #498): host-local killed with SIGKILL at random
# instants during ADD (and some DELs) must never leave an empty or partial
# lease file; stray temporary files are cleaned by the next call, and the
# lease index stays truthful (it is rebuilt whenever a crash left it stale).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/t_host_local_lib.inc"

D=$T/data
S=$D/net1
C=$T/c.json
hlconf "$C" "$D" 1.0.0 '[[{"subnet":"10.20.0.0/16"}],[{"subnet":"fd00:20::/64"}]]'

ITER=${HL_CRASH_ITER:-400}
out=$("$TOOLS/hl_killer" "$BIN/host-local" "$C" "$S" "$ITER" 0)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check_eq "no empty or partial lease after $ITER random kills" "$rc $(printf '%s' "$out" | tail -1 | awk '{print $NF}')" "0 0"
killed=$(printf '%s' "$out" | tail -1 | awk '{print $4}')
check_match "most runs were killed mid-way ($killed of $ITER)" "$killed" "^[0-9]{3,}$"

hl ours ADD after eth0 "$C"
check_eq "ADD after the crashes succeeds" "$RC" 0
check_eq "no temporary file survives the next call" "$(ls -a "$S" | grep -c '^\.tmp-')" 0
check_eq "the index file survived or was rebuilt" "$(head -c 17 "$S/.cni-bridge-index")" "cni-bridge-index "

# every lease on disk is known to CHECK and freed by DEL (the index is truthful)
owners=$(cd "$S" && for f in [0-9]* fd*; do [ -f "$f" ] && head -n1 "$f" | tr -d '\r'; echo; done | sort -u | grep .)
n_owners=$(printf '%s\n' "$owners" | grep -c .)
bad=0
for o in $owners; do
	hl ours CHECK "$o" eth0 "$C" && continue
	bad=$((bad + 1))
	[ $bad -eq 1 ] && diag "CHECK $o: $OUT $ERR" && ls -la --time-style=full-iso "$S" | grep -v ' 10\.\| fd' | sed 's/^/# /' &&
		diag "index header: $(head -c 128 "$S/.cni-bridge-index")" &&
		diag "directory:    $(stat -c '%i %s %.9Y %.9Z' "$S")" && grep -n "$o" "$S"/.cni-bridge-index | sed 's/^/# /'
done
check_eq "CHECK finds each of the $n_owners owners on disk" "$bad" 0
delfail=0
for o in $owners; do
	hl ours DEL "$o" eth0 "$C" && continue
	delfail=$((delfail + 1))
	[ $delfail -eq 1 ] && diag "DEL $o failed: rc $RC $OUT $(printf '%s' "$ERR" | head -c 600)"
done
check_eq "DEL of each owner succeeds" "$delfail" 0
check_eq "DEL of every owner leaves only lock, last_reserved_ip.*, the index and the boot record" \
	"$(ls -a "$S" | grep -v '^\.\.\?$' | sort | tr '\n' ' ')" \
	".cni-bridge-boot .cni-bridge-index last_reserved_ip.0 last_reserved_ip.1 lock "
hl ref ADD refafter eth0 "$C"
check_eq "the reference still works on the store afterwards" "$RC" 0

# The detector can fail: an empty and a truncated lease planted by hand (what
# the reference's #498 leaves) are both reported.
mkdir -p "$T/planted"
: >"$T/planted/10.21.0.9"
printf 'k1\r' >"$T/planted/10.21.0.10"
out=$("$TOOLS/hl_killer" /bin/true /dev/null "$T/planted" 0 -1 | tail -1)
check_match "the detector reports planted empty and partial leases" "$out" "bad 2$"
# For the record only (its window is short, so the count varies): the
# reference under the same kills.
hlconf "$T/r.json" "$T/refdata" 1.0.0 '[[{"subnet":"10.21.0.0/16"}]]'
diag "reference under 150 kills: $("$TOOLS/hl_killer" "$REF/host-local" "$T/r.json" "$T/refdata/net1" 150 0 | tail -1)"

done_testing
