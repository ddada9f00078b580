#!/bin/sh
# lib/netns in real namespaces: the worker thread enters the target, the
# main thread never does, errors come back, nothing leaks over 1000 runs.
# The C program prints its own TAP lines; this script adds checks that need
# the shell (the state it leaves behind).
. "$(dirname "$0")/lib.sh"

netns_new nsA
ip -n nsA link add cnitest0 type veth peer name cnitest1
: >/run/not-a-netns # /run is a tmpfs in the sandbox
before=$(links_on_host)

"$TOOLS/netns_selftest" /run/netns/nsA /run/not-a-netns
rc=$?
check_eq "netns_selftest exits 0" "$rc" 0
check_eq "host links unchanged" "$(links_on_host)" "$before"
check_eq "the target netns still has its link" \
	"$(ip -n nsA -o link show cnitest0 | awk -F': ' '{print $2}' | sed 's/@.*//')" cnitest0
done_testing
