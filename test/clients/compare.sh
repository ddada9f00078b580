#!/bin/sh
# Runs the client tests once against the reference plugins and once against
# ours, and prints every assertion whose outcome differs, plus the error texts
# the tests logged (lines "# error text: ..."). A development aid for the
# drop-in comparison, not a test: test/run.sh does not run it.
# usage: test/clients/compare.sh [BUILD_DIR] [t_name ...]
# env:   AGAINST=ours (default) | ipam | bridge: what runs against the reference
#        (see CNI_UNDER_TEST in clients.sh)
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-$HERE/../../build}" && pwd) || exit 1
[ $# -gt 0 ] && shift
TESTS=${*:-$(cd "$HERE" && ls t_*.sh)}
OUT=$(mktemp -d /tmp/cni-compare.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
# outcome lines without their numbers, in run order
outcomes() { sed -n 's/^\(not ok\|ok\) [0-9]* - /\1 - /p' "$1" | grep -v 'CNI_UNDER_TEST='; }
for t in $TESTS; do
	for who in ref "${AGAINST:-ours}"; do
		s=$(date +%s.%N)
		CNI_UNDER_TEST=$who BUILD=$BUILD BIN=$BUILD/bin sh "$HERE/$t" >"$OUT/$t.$who" 2>&1
		printf '%s %-5s %6.1fs  %s\n' "$t" "$who" "$(awk "BEGIN{print $(date +%s.%N) - $s}")" \
			"$(grep -c '^ok' "$OUT/$t.$who") ok, $(grep -c '^not ok' "$OUT/$t.$who") not ok"
	done
	outcomes "$OUT/$t.ref" >"$OUT/a"
	outcomes "$OUT/$t.${AGAINST:-ours}" >"$OUT/b"
	diff -u --label "$t (reference)" --label "$t (ours)" "$OUT/a" "$OUT/b" | sed 's/^/    /'
	for who in ref "${AGAINST:-ours}"; do
		grep '^# error text' "$OUT/$t.$who" | sed "s/^/    [$who] /"
	done
done
