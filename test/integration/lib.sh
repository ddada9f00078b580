# Sourced by every test/integration/t_*.sh. Re-executes the test inside a
# throwaway "host": new network and mount namespaces, private /run, /sys and
# /var/lib/cni. Bridges, veths, sysctls, nft rules and lease stores made by the
# test vanish with the namespaces when the script exits, even if it fails.
# Prints TAP: "ok N - desc" / "not ok N - desc".

if [ -z "${CNI_TEST_SANDBOX:-}" ]; then
	export CNI_TEST_SANDBOX=1
	exec unshare --net --mount --propagation private sh "$0" "$@"
fi

set -u
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=$TOP/build}"
: "${BIN:=$BUILD/bin}"
: "${TOOLS:=$BUILD/test/tools}"
REF=/usr/lib/cni
mount -t tmpfs cni-test-run /run
mkdir -p /run/netns /var/lib/cni
mount -t tmpfs cni-test-lib /var/lib/cni
mount -t sysfs sysfs /sys 2>/dev/null || true
ip link set lo up
T=$(mktemp -d /tmp/cni-test.XXXXXX)
# CNI_LEAKS_AT_EXIT=PREFIX: when the test ends, before its sandbox goes, run
# `cni-bridge leaks` over what it left, with the test's plugin configs
# ($T/*.json, *.conf, *.conflist) as the networks; output in PREFIX.<test>.
leaks_at_exit() {
	[ -n "${CNI_LEAKS_AT_EXIT:-}" ] || return 0
	"$BUILD/bin/cni-bridge" leaks --min-age 0 --conf-dir "$T" >"$CNI_LEAKS_AT_EXIT.${0##*/}" 2>&1
	echo "exit $?" >>"$CNI_LEAKS_AT_EXIT.${0##*/}"
}
trap 'leaks_at_exit; rm -rf "$T"' EXIT
_tap_n=0
_tap_failed=0

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }
diag() { echo "# $*"; }
# check DESC CMD...: ok when CMD exits 0
check() {
	_d=$1
	shift
	if "$@" >"$T/.check.out" 2>&1; then ok "$_d"; else
		not_ok "$_d"
		sed 's/^/# /' "$T/.check.out" | head -20
	fi
}
# check_not DESC STATUS CMD...: ok when CMD fails with exit status STATUS,
# so that a crash (a signal: 128+N), a usage error or a missing command
# (126, 127) cannot pass for the refusal the test expects.
check_not() {
	_d=$1 _want=$2
	shift 2
	"$@" >"$T/.check.out" 2>&1
	_rc=$?
	if [ "$_rc" -eq "$_want" ]; then ok "$_d"; else
		not_ok "$_d"
		echo "# exit status $_rc, expected $_want"
		sed 's/^/# /' "$T/.check.out" | head -20
	fi
}
# check_eq DESC ACTUAL EXPECTED
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"
		diag "expected: $3"
		diag "actual:   $2"
	fi
}
# check_match DESC ACTUAL GREP-E-PATTERN
check_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else
		not_ok "$1"
		diag "pattern: $3"
		printf '%s\n' "$2" | head -20 | sed 's/^/# actual: /'
	fi
}
done_testing() { echo "1..$_tap_n"; [ "$_tap_failed" -eq 0 ]; }

# cni PLUGIN_DIR TYPE COMMAND CONTAINERID NETNS IFNAME CONF_FILE [CNI_ARGS]
# Runs a plugin like a runtime does. Sets OUT (stdout), ERR (stderr), RC.
cni() {
	_dir=$1 _type=$2
	OUT=$(env CNI_COMMAND="$3" CNI_CONTAINERID="$4" CNI_NETNS="$5" CNI_IFNAME="$6" \
		CNI_PATH="$_dir" CNI_ARGS="${8:-}" "$_dir/$_type" <"$7" 2>"$T/.stderr")
	RC=$?
	ERR=$(cat "$T/.stderr")
	return $RC
}
# Shorthands for our bridge and the reference bridge.
ours() { cni "$BIN" bridge "$@"; }
ref() { cni "$REF" bridge "$@"; }

# netns_new NAME: creates /run/netns/NAME with lo up
netns_new() { ip netns add "$1" && ip -n "$1" link set lo up; }
# json_get JSON JQ-FILTER
json_get() { printf '%s' "$1" | jq -r "$2"; }
# links_on_host: names of host links except lo
links_on_host() { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v '^lo$' | sort; }
# LeakSanitizer cannot scan a traced process (it dies before stdio is
# flushed): in the ASan pass, whatever a test runs under strace is run
# without leak detection; every other run of the same plugin still has it.
strace() { ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" command strace "$@"; }
