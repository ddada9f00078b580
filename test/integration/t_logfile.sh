#!/bin/sh
# The optional logFile/logLevel keys (lib/cni/log.h): one line per verb per
# plugin, intact under 50 parallel ADDs, failures logged with code and
# message, levels honoured, and a log that cannot be written never fails
# the verb (the line goes to stderr). The reference ignores both keys.
. "$(dirname "$0")/lib.sh"

LOG=$T/cni.log
# conf FILE NAME [LOGFILE [LOGLEVEL [SUBNET]]]
conf() {
	jq -n --arg name "$2" --arg log "${3:-}" --arg lvl "${4:-}" --arg sub "${5:-10.77.0.0/16}" '
	{cniVersion: "1.0.0", name: $name, type: "bridge", bridge: "logbr0",
	 isGateway: true, ipam: {type: "host-local", subnet: $sub}}
	| if $log != "" then .logFile = $log else . end
	| if $lvl != "" then .logLevel = $lvl else . end' >"$1"
}
# A line as the header documents it (the message field is last, quoted).
LINE_OK='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z (bridge|host-local) (ADD|DEL|CHECK) net=[^ ]+ id=[^ ]+ ifname=[^ ]+ result=ok elapsed=[0-9]+\.[0-9]{3}ms$'
LINE_ERR='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z (bridge|host-local) (ADD|DEL|CHECK) net=[^ ]+ id=[^ ]+ ifname=[^ ]+ result=error code=[0-9]+ elapsed=[0-9]+\.[0-9]{3}ms msg=".*"$'

netns_new c1
conf "$T/info.json" lognet "$LOG"
ours ADD ctr-1 /run/netns/c1 eth0 "$T/info.json"
check_eq "ADD with logFile succeeds" "$RC" 0
check_eq "log file created with mode 0600" "$(stat -c %a "$LOG")" 600
check_match "bridge ADD line (info is the default level)" "$(grep ' bridge ' "$LOG")" "$LINE_OK"
check_match "host-local ADD line too (same config reaches IPAM)" \
	"$(grep ' host-local ' "$LOG")" "$LINE_OK"
check_match "line names network, container and ifname" "$(grep ' bridge ' "$LOG")" \
	' bridge ADD net=lognet id=ctr-1 ifname=eth0 result=ok '
printf '%s' "$OUT" | jq --slurpfile c "$T/info.json" '$c[0] + {prevResult: .}' >"$T/check.json"
ours CHECK ctr-1 /run/netns/c1 eth0 "$T/check.json"
check_eq "CHECK ok" "$RC" 0
ours DEL ctr-1 /run/netns/c1 eth0 "$T/info.json"
check_eq "DEL ok" "$RC" 0
check_eq "one line per verb per plugin (ADD, CHECK, DEL x bridge, host-local)" \
	"$(grep -c ' bridge ' "$LOG")/$(grep -c ' host-local ' "$LOG")/$(grep -c 'result=ok' "$LOG")" "3/3/6"

# Failures: a netns that does not exist, and a subnet host-local refuses.
: >"$LOG"
ours ADD ctr-2 /run/netns/nosuch eth0 "$T/info.json"
check_eq "ADD into a missing netns fails" "$RC" 1
check_match "failure line carries code and the message" "$(grep ' bridge ' "$LOG")" "$LINE_ERR"
check_match "failure line quotes the plugin's message" "$(grep ' bridge ' "$LOG")" \
	"code=$(json_get "$OUT" .code) .* msg=\".*/run/netns/nosuch"
conf "$T/badsub.json" lognet "$LOG" "" 10.77.0.0/33
: >"$LOG"
ours ADD ctr-3 /run/netns/c1 eth0 "$T/badsub.json"
check_match "IPAM failure logged by host-local and by the bridge" \
	"$(grep -c "result=error" "$LOG")" '^2$'

# Levels.
: >"$LOG"
conf "$T/err.json" lognet "$LOG" error
ours ADD ctr-4 /run/netns/c1 eth0 "$T/err.json"
check_eq "logLevel error: a successful ADD writes nothing" "$RC/$(wc -c <"$LOG")" "0/0"
ours DEL ctr-4 /run/netns/c1 eth0 "$T/err.json"
ours ADD ctr-5 /run/netns/nosuch eth0 "$T/err.json"
check_eq "logLevel error: a failure is written" "$RC/$(grep -c 'result=error' "$LOG")" "1/1"
: >"$LOG"
conf "$T/dbg.json" lognet "$LOG" DEBUG
ours ADD ctr-6 /run/netns/c1 eth0 "$T/dbg.json" "IgnoreUnknown=1;K8S_POD_NAME=p1"
check_match "logLevel debug (any case) adds pid, version, netns and CNI_ARGS" \
	"$(grep ' bridge ' "$LOG")" \
	' pid=[0-9]+ cniVersion=1\.0\.0 netns=/run/netns/c1 args=IgnoreUnknown=1;K8S_POD_NAME=p1 result=ok'
ours DEL ctr-6 /run/netns/c1 eth0 "$T/dbg.json"

# Bad values are config errors, not silently ignored.
conf "$T/lvl.json" lognet "$LOG" verbose
ours ADD ctr-7 /run/netns/c1 eth0 "$T/lvl.json"
check_eq "unknown logLevel: code 7" "$RC/$(json_get "$OUT" .code)" "1/7"
check_match "message names the value" "$(json_get "$OUT" .msg)" 'logLevel "verbose"'
conf "$T/rel.json" lognet cni.log
ours ADD ctr-7 /run/netns/c1 eth0 "$T/rel.json"
check_eq "relative logFile: code 7" "$RC/$(json_get "$OUT" .code)" "1/7"
jq '.logFile = 5' "$T/info.json" >"$T/num.json"
ours ADD ctr-7 /run/netns/c1 eth0 "$T/num.json"
check_eq "logFile of the wrong JSON type: code 6" "$RC/$(json_get "$OUT" .code)" "1/6"
check_eq "nothing left by the refused ADDs" "$(ip -o link show type veth | wc -l)" 0
# ... except on DEL: a typo in the trail keys must not keep DEL from
# releasing what an ADD made under the good config.
ours ADD ctr-8 /run/netns/c1 eth0 "$T/info.json"
ours DEL ctr-8 /run/netns/c1 eth0 "$T/lvl.json"
check_eq "DEL with an unknown logLevel succeeds" "$RC" 0
check_match "... and warns on stderr naming the value" "$ERR" 'warning: logLevel "verbose".*DEL goes on'
check_eq "... and released the lease" \
	"$(find /var/lib/cni/networks/lognet -name '10.*' | wc -l)" 0

# Unwritable logs never fail the verb; the line goes to stderr.
for target in missing-dir symlink directory fifo; do
	case $target in
	missing-dir) P=$T/nope/cni.log ;;
	symlink) P=$T/link.log && ln -s "$T/real.log" "$P" ;;
	directory) P=$T/adir && mkdir "$P" ;;
	fifo) P=$T/afifo && mkfifo "$P" ;;
	esac
	conf "$T/u.json" lognet "$P"
	ours ADD "ctr-u-$target" /run/netns/c1 eth0 "$T/u.json"
	check_eq "log path is a $target: ADD still succeeds" "$RC" 0
	check_match "log path is a $target: the line is on stderr with the reason" "$ERR" \
		"cannot append to logFile $P: .*; the line was:"
	ours DEL "ctr-u-$target" /run/netns/c1 eth0 "$T/u.json"
done
check "a symlink is not followed" test ! -e "$T/real.log"

# 50 parallel ADDs: 100 whole lines (bridge + host-local), none torn.
: >"$LOG"
i=0
while [ $i -lt 50 ]; do
	netns_new "p$i"
	i=$((i + 1))
done
i=0
while [ $i -lt 50 ]; do
	env CNI_COMMAND=ADD CNI_CONTAINERID="par-$i" CNI_NETNS="/run/netns/p$i" CNI_IFNAME=eth0 \
		CNI_PATH="$BIN" "$BIN/bridge" <"$T/info.json" >"$T/par-$i.out" 2>&1 &
	i=$((i + 1))
done
wait
check_eq "50 parallel ADDs: 100 lines" "$(wc -l <"$LOG")" 100
check_eq "every line is whole and ok" "$(grep -Ecv "$LINE_OK" "$LOG")" 0
check_eq "each container has its bridge line" \
	"$(grep ' bridge ADD ' "$LOG" | sed 's/.* id=\([^ ]*\) .*/\1/' | sort -u | wc -l)" 50

# The reference ignores the keys: the same config works there.
netns_new r1
jq '.bridge = "refbr0" | .ipam.subnet = "10.78.0.0/16"' "$T/info.json" >"$T/ref.json"
ref ADD ref-1 /run/netns/r1 eth0 "$T/ref.json"
check_eq "the reference takes a config with logFile/logLevel" "$RC" 0
done_testing
