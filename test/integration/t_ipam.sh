#!/bin/sh
# lib/ipam: finding the plugin in CNI_PATH and running it the way Go's
# pkg/invoke does (same env but CNI_COMMAND, same stdin bytes, only fds
# 0-2, error pass-through, Go's messages), plus a timeout. Everything goes
# through test/tools/ipam_exec, which calls the real library functions.
. "$(dirname "$0")/lib.sh"

D1=$T/d1 D2=$T/d2 D3=$T/d3
mkdir -p "$D1" "$D2" "$D3" "$T/rec"
cp "$TOOLS/ipam_fake" "$D2/fake"
CONF=$T/conf.json
printf '{"cniVersion":"1.0.0","name":"net1","type":"bridge",\n  "ipam":{"type":"fake"}, "x":"\\u00e9 \303\251"}' >"$CONF"
P="$D1:$D2"

# ipam [ipam_exec options] VERB TYPE: sets OUT, ERR, RC (and MS, the wall time)
ipam() {
	_t0=$(date +%s%N)
	OUT=$(env CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/x CNI_IFNAME=eth0 \
		CNI_PATH="$P" "$TOOLS/ipam_exec" "$@" <"$CONF" 2>"$T/.stderr")
	RC=$?
	MS=$((($(date +%s%N) - _t0) / 1000000))
	ERR=$(cat "$T/.stderr")
}
# script NAME BODY: a fake plugin written as a shell script in D1
script() {
	printf '#!/bin/sh\n%s\n' "$2" >"$D1/$1"
	chmod +x "$D1/$1"
}
msg() { json_get "$OUT" .msg; }
code() { json_get "$OUT" .code; }

# --- finding the plugin ---
ipam find fake
check_eq "find: a plugin only in the second dir" "$OUT" "$D2/fake"
cp "$TOOLS/ipam_fake" "$D1/fake"
ipam find fake
check_eq "find: the first dir in CNI_PATH wins" "$OUT" "$D1/fake"
rm "$D1/fake" && mkdir "$D1/fake"
ipam find fake
check_eq "find: a directory with the name is skipped" "$OUT" "$D2/fake"
rmdir "$D1/fake"
P="$D1/:$D2" ipam find fake
check_eq "find: a trailing slash in a dir is fine" "$OUT" "$D2/fake"
ipam find nope
check_eq "find: missing plugin message (Go's)" "$(msg)" "failed to find plugin \"nope\" in path [$D1 $D2]"
check_eq "find: missing plugin code 999" "$(code)" 999
check_eq "find: exit status 1" "$RC" 1
ipam find a/b
check_eq "find: a name with / is refused" "$(msg)" "invalid plugin name: a/b"
ipam find ""
check_eq "find: empty name" "$(msg)" "no plugin name provided"
P="" ipam find fake
check_eq "find: empty CNI_PATH" "$(msg)" "no paths provided"
(cd "$D2" && P="$D1::/nonexistent" ipam find fake; echo "$OUT") >"$T/rel"
check_match "find: an empty CNI_PATH element is never the current directory (Go searches it)" \
	"$(cat "$T/rel")" 'relative and empty CNI_PATH entries are ignored'
(cd "$(dirname "$D2")" && P="$(basename "$D2")" ipam find fake; echo "$OUT") >"$T/rel"
check_match "find: a relative CNI_PATH element is never searched" \
	"$(cat "$T/rel")" 'in path \[[^]]*\] \(relative'
(cd /tmp && P="$D1:$D2" ipam find fake && echo "$OUT") >"$T/rel"
check_eq "find: absolute entries still found from any cwd" "$(cat "$T/rel")" "$D2/fake"
printf 'x' >"$D1/noexec"
ipam find noexec
check_eq "find: a regular file without the exec bit is found (as Go)" "$OUT" "$D1/noexec"
ipam del noexec
check_match "exec: no exec bit -> Go-style fork/exec message" "$(msg)" \
	"^netplugin failed with no error message: fork/exec $D1/noexec: Permission denied$"

# --- a successful ADD and what the child was given ---
ipam add fake
check_eq "add: exit 0" "$RC" 0
check_eq "add: result parsed and printed at the config's version" \
	"$(json_get "$OUT" '.cniVersion + " " + .ips[0].address + " " + .ips[0].gateway')" \
	"1.0.0 10.99.0.5/24 10.99.0.1"
sed 's/"1.0.0"/"0.3.1"/' "$CONF" >"$T/conf031.json"
CONF=$T/conf031.json ipam add fake
check_eq "add: a 1.0.0 reply converted to a 0.3.1 config" \
	"$(json_get "$OUT" '.cniVersion + " " + .ips[0].version')" "0.3.1 4"

FAKE_DIR=$T/rec ipam --leak-fds 3 del fake
check_eq "del: exit 0" "$RC" 0
check "stdin bytes reach the child unchanged" cmp "$CONF" "$T/rec/stdin"
check_eq "only fds 0 1 2 reach the child (3 fds leaked on purpose)" "$(cat "$T/rec/fds")" "0 1 2"
check_eq "the child starts with no blocked signal" "$(cat "$T/rec/sigblk")" 0000000000000000

env -i PATH=/usr/bin:/bin FOO='a b=c' CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=/x \
	CNI_IFNAME=eth0 CNI_PATH="$D2" FAKE_DIR="$T/rec" TRACEPARENT=00-abc-01 \
	"$TOOLS/ipam_exec" check fake <"$CONF" >/dev/null 2>&1
check_eq "env: the same environment, only CNI_COMMAND replaced" "$(sort "$T/rec/env")" \
	"$(printf '%s\n' CNI_COMMAND=CHECK CNI_CONTAINERID=c1 CNI_IFNAME=eth0 CNI_NETNS=/x \
		"CNI_PATH=$D2" "FAKE_DIR=$T/rec" 'FOO=a b=c' PATH=/usr/bin:/bin \
		TRACEPARENT=00-abc-01 | sort)"
for verb in status gc; do
	FAKE_DIR=$T/rec ipam $verb fake
	check_eq "$verb: CNI_COMMAND=$(echo $verb | tr a-z A-Z) passed" \
		"$(grep '^CNI_COMMAND=' "$T/rec/env")" "CNI_COMMAND=$(echo $verb | tr a-z A-Z)"
done

# a 1 MiB config: more than a pipe holds, so the write overlaps the read
big=$T/big.json
{
	printf '{"cniVersion":"1.0.0","name":"net1","ipam":{"type":"fake"},"pad":"'
	head -c 786432 /dev/zero | base64 -w0
	printf '"}'
} >"$big"
CONF=$big FAKE_DIR=$T/rec ipam add fake
check_eq "1 MiB stdin: ADD succeeds" "$RC" 0
check "1 MiB stdin: bytes identical" cmp "$big" "$T/rec/stdin"
script noread 'exit 0'
CONF=$big ipam del noread
check_eq "a child that never reads a 1 MiB stdin: no SIGPIPE death, success" "$RC" 0

# --- failures and their messages ---
script errjson 'printf "{\"code\": 7, \"msg\": \"bad range\", \"details\": \"x\", \"extra\": 1}"; exit 1'
ipam add errjson
check_eq "error JSON passed on: code, msg, details" \
	"$RC $(json_get "$OUT" '"\(.code) \(.msg) \(.details)"')" "1 7 bad range x"
script errcode 'printf "{\"code\": 120, \"msg\": \"plugin specific\"}"; exit 1'
ipam del errcode
check_eq "a plugin-specific code (120) is kept" "$(code) $(msg)" "120 plugin specific"
script nocode 'printf "{\"msg\": \"no code\"}"; exit 1'
ipam del nocode
check_eq "an error JSON without code becomes 999, msg kept" "$(code) $(msg)" "999 no code"
script garbage 'echo "not json"; exit 1'
ipam add garbage
check_match "garbage on stdout: Go's diagnostic message" "$(msg)" \
	'^netplugin failed but error parsing its diagnostic message "not json\\n": '
script strcode 'printf "{\"code\": \"7\", \"msg\": \"m\"}"; exit 1'
ipam del strcode
check_match "a string code is a parse error, not a code" "$(msg)" \
	'^netplugin failed but error parsing its diagnostic message .*code'
script stderronly 'echo "oops \"quoted\"" >&2; exit 3'
ipam add stderronly
check_eq "empty stdout, stderr text: Go's message" "$(msg)" \
	'netplugin failed: "oops \"quoted\"\n": exit status 3'
check_match "the child's stderr is copied to ours" "$ERR" 'oops "quoted"'
script silent 'exit 4'
ipam del silent
check_eq "no output at all: Go's message" "$(msg)" \
	"netplugin failed with no error message: exit status 4"
ipam --ignore-sigchld del silent
check_eq "SIGCHLD ignored: the exit status is still seen" "$(msg)" \
	"netplugin failed with no error message: exit status 4"
script killed 'kill -TERM $$'
ipam del killed
check_eq "killed by a signal: Go's message" "$(msg)" \
	"netplugin failed with no error message: signal: terminated"
script warn 'echo "warn-xyz" >&2; exec "'"$TOOLS"'/ipam_fake"'
ipam --sigchld-handler add warn
check_eq "SIGCHLD handler installed: ADD still succeeds" "$RC $(json_get "$OUT" '.ips[0].address')" \
	"0 10.99.0.5/24"
check_match "stderr of a successful child is copied to ours" "$ERR" 'warn-xyz'
check_match "the SIGCHLD handler did run (EINTR was handled)" "$ERR" 'SIGCHLD handler ran'
script bigout 'head -c 5000000 /dev/zero | tr "\0" " "; exit 0'
ipam add bigout
check_match "stdout over 4 MiB is refused" "$(msg)" 'more than 4194304 bytes'
script badresult 'printf "{\"ips\": 5}"'
ipam add badresult
check_match "an unusable ADD result names the plugin" "$(msg)" \
	'^IPAM plugin "badresult" returned an unusable result'

# --- timeouts ---
script hang 'echo $$ >"'"$T"'/hang.pid"; exec sleep 30'
CNI_IPAM_TIMEOUT_SECONDS=1 ipam add hang
check_eq "hang: code 11 (try again)" "$(code)" 11
check_match "hang: message names the plugin, the verb and the timeout" "$(msg)" \
	"IPAM plugin \"$D1/hang\" \\(ADD\\) did not finish within 1 s"
check "hang: returned within 3 s" [ "$MS" -lt 3000 ]
check "hang: the child had started" test -s "$T/hang.pid"
check_not "hang: the child was killed" 1 kill -0 "$(cat "$T/hang.pid")"
script closes 'exec >&- 2>&-; exec sleep 30'
CNI_IPAM_TIMEOUT_SECONDS=1 ipam del closes
check_eq "a child that closes stdout and hangs still times out" "$(code)" 11
script daemon 'sleep 30 & echo $! >"'"$T"'/daemon.pid"; exec "'"$TOOLS"'/ipam_fake"'
ipam add daemon
check_eq "a grandchild keeping stdout open does not delay the result" \
	"$RC $(json_get "$OUT" '.ips[0].address')" "0 10.99.0.5/24"
check "... returned within 2 s" [ "$MS" -lt 2000 ]
kill "$(cat "$T/daemon.pid")" 2>/dev/null

# --- an ADD that ends without a CNI error may have allocated: it gets a
# DEL (best effort); one that printed a CNI error does not ---
# verbs NAME BODY-FOR-ADD: a plugin that logs each verb it gets to $T/verbs
verbs() { script "$1" 'echo "$CNI_COMMAND" >>"'"$T"'/verbs"; [ "$CNI_COMMAND" = ADD ] || exit 0; '"$2"; }
verbs vgarbage 'echo "not json"'
verbs verrjson 'printf "{\"code\": 7, \"msg\": \"bad\"}"; exit 1'
verbs vstderr 'echo oops >&2; exit 2'
verbs vkilled 'kill -KILL $$'
verbs vhang 'exec sleep 30'
verbs vok 'exec "'"$TOOLS"'/ipam_fake"'
for v in vok: verrjson: vgarbage:DEL vstderr:DEL vkilled:DEL vhang:DEL; do
	rm -f "$T/verbs"
	CNI_IPAM_TIMEOUT_SECONDS=1 ipam add "${v%%:*}"
	check_eq "ADD of ${v%%:*}: the verbs it got" "$(xargs <"$T/verbs")" "$(echo ADD "${v#*:}" | xargs)"
done
check_eq "... the error reported is the ADD's (vhang: timeout, code 11)" "$(code)" 11

# --- ETXTBSY: retried 1 s apart (Go), then a clear error ---
cp "$TOOLS/ipam_fake" "$D3/busy"
(exec 9>>"$D3/busy" && sleep 1.5) &
sleep 0.3
P=$D3 ipam add busy
check_eq "text file busy for 1.5 s: retried, then succeeds" "$RC" 0
check "... after at least one 1 s retry" [ "$MS" -ge 900 ]
wait
(exec 9>>"$D3/busy" && sleep 7.5) &
sleep 0.3
P=$D3 ipam del busy
check_eq "text file busy for good: code 11" "$(code)" 11
check_match "... message says so after 6 attempts" "$(msg)" "fork/exec $D3/busy \\(6 attempts\\): Text file busy"
wait

# --- the reference host-local through our delegation ---
cat >"$T/hl.json" <<EOF
{"cniVersion":"1.0.0","name":"hlnet","type":"bridge",
 "ipam":{"type":"host-local","dataDir":"$T/hl","ranges":[[{"subnet":"10.77.0.0/24"}]]}}
EOF
CONF=$T/hl.json P=$REF ipam add host-local
check_eq "reference host-local ADD via ipam_exec_add" "$RC $(json_get "$OUT" '.ips[0].address')" \
	"0 10.77.0.2/24"
check "... its lease file exists" test -f "$T/hl/hlnet/10.77.0.2"
CONF=$T/hl.json P=$REF ipam del host-local
check_eq "reference host-local DEL" "$RC" 0
check_not "... its lease file is gone" 1 test -f "$T/hl/hlnet/10.77.0.2"
sed 's#10.77.0.0/24#10.77.0.0/33#' "$T/hl.json" >"$T/hlbad.json"
CONF=$T/hlbad.json P=$REF ipam add host-local
check_match "a host-local error passes through unchanged" "$(msg)" 'invalid CIDR address'

# --- in-process host-local (lib/ipam/inproc.h): our bridge runs the
# host-local of its own build without exec'ing it, with the same results,
# store and errors; any other host-local binary is exec'd ---
cat >"$T/br.json" <<EOF
{"cniVersion":"1.0.0","name":"ipnet","type":"bridge","bridge":"cip0",
 "ipam":{"type":"host-local","ranges":[[{"subnet":"10.78.0.0/24"}]]}}
EOF
# br VERB ID [VAR=VALUE]: our bridge on ipnet under strace (lib.sh's
# wrapper); sets OUT, RC and EXECS (the programs it exec'd, bridge first)
br() {
	OUT=$(strace -f -qq -e trace=execve -e signal=none -o "$T/strace" \
		-E CNI_COMMAND="$1" -E CNI_CONTAINERID="$2" -E CNI_NETNS="/run/netns/$2" \
		-E CNI_IFNAME=eth0 -E CNI_PATH="${BRPATH:-$BIN}" -E "${3:-CNI_T_UNUSED=1}" \
		"$BIN/bridge" <"${BRCONF:-$T/br.json}" 2>/dev/null)
	RC=$?
	EXECS=$(grep -o 'execve("[^"]*"' "$T/strace" | sed 's/execve("//; s/"$//; s|.*/||' |
		tr '\n' ' ')
}
lease_of() { tr '\r\n' '  ' 2>/dev/null <"/var/lib/cni/networks/ipnet/$1"; }
netns_new i1 && netns_new i2 && netns_new i3
br ADD i1
check_eq "in-process: ADD succeeds" "$RC $(json_get "$OUT" '.ips[0].address')" "0 10.78.0.2/24"
check_eq "in-process: the host-local of the same build is not exec'd" "$EXECS" "bridge "
br ADD i2 CNI_IPAM_NO_INPROC=1
check_eq "CNI_IPAM_NO_INPROC=1: ADD succeeds, next address" \
	"$RC $(json_get "$OUT" '.ips[0].address')" "0 10.78.0.3/24"
check_eq "CNI_IPAM_NO_INPROC=1: host-local is exec'd" "$EXECS" "bridge host-local "
check_eq "in-process and exec'd write the same lease format" \
	"$(lease_of 10.78.0.2 | sed s/i1/X/)" "$(lease_of 10.78.0.3 | sed s/i2/X/)"
mkdir -p "$T/ourcopy" "$T/refhl"
cp "$BIN/host-local" "$T/ourcopy/host-local"
BRPATH="$T/ourcopy:$BIN" br DEL i1
check_eq "a copy of our host-local elsewhere (same build id) runs in-process" \
	"$RC $EXECS" "0 bridge "
check_eq "... its DEL released the lease of an in-process ADD" "$(lease_of 10.78.0.2)" ""
cp "$REF/host-local" "$T/refhl/host-local"
BRPATH="$T/refhl:$BIN" br ADD i3
check_eq "the reference named host-local, first in CNI_PATH, is exec'd" "$RC $EXECS" \
	"0 bridge host-local "
br DEL i2
check_eq "in-process DEL of a lease written by the exec'd plugin" \
	"$RC $EXECS$(lease_of 10.78.0.3)" "0 bridge "
br DEL i3
sed 's#10.78.0.0/24#10.78.0.0/33#' "$T/br.json" >"$T/brbad.json"
BRCONF=$T/brbad.json br ADD i1
inproc_err=$OUT
BRCONF=$T/brbad.json br ADD i1 CNI_IPAM_NO_INPROC=1
check_eq "the same host-local error in-process as exec'd" "$inproc_err" "$OUT"
check_match "... and it is an error JSON" "$OUT" '"code": [0-9]+'
check_eq "nothing left in the store" "$(ls /var/lib/cni/networks/ipnet | grep -c '^10\.')" 0

done_testing
