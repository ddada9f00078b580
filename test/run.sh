#!/bin/sh
# Runs every test program and script, each printing TAP ("ok N - name" /
# "not ok N - name"), and ends with the one line "N passed, N failed".
# usage: test/run.sh BUILD_DIR [unit|integration|all]  (integration = test/{integration,clients,fuzz}/t_*.sh)
# env:   TESTS=<substring> runs only matching files; VALGRIND=1 wraps unit tests.
BUILD=${1:-build}
WHAT=${2:-all}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$BUILD" && pwd) || exit 1
export TOP BUILD BIN="$BUILD/bin" TOOLS="$BUILD/test/tools"
export CMOCKA_MESSAGE_OUTPUT=TAP
LOGDIR="$BUILD/test-logs"
mkdir -p "$LOGDIR"
passed=0
failed=0

run_one() { # name, command...
	name=$1
	shift
	log="$LOGDIR/$(basename "$name").log"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc" >>"$log"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name ran no test" >>"$log"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-44s %4d passed %3d failed  (%ss)\n' "$name" "$p" "$f" "$(($(date +%s) - start))"
	if [ "$f" -ne 0 ]; then
		grep -E '^not ok|^#' "$log" | sed 's/^/    /' | head -60
		echo "    (full log: $log)"
	fi
}

selected() { [ -z "$TESTS" ] || case "$1" in *"$TESTS"*) return 0 ;; *) return 1 ;; esac; }

if [ "$WHAT" = all ] || [ "$WHAT" = unit ]; then
	for t in "$BUILD"/test/test_*; do
		[ -x "$t" ] || continue
		selected "$t" || continue
		if [ -n "$VALGRIND" ]; then
			run_one "unit/$(basename "$t") (valgrind)" valgrind -q --error-exitcode=99 \
				--leak-check=full --errors-for-leak-kinds=definite "$t"
		else
			run_one "unit/$(basename "$t")" "$t"
		fi
	done
fi
if [ "$WHAT" = all ] || [ "$WHAT" = integration ]; then
	for t in "$TOP"/test/integration/t_*.sh "$TOP"/test/clients/t_*.sh "$TOP"/test/fuzz/t_*.sh; do
		[ -f "$t" ] || continue
		selected "$t" || continue
		run_one "$(basename "$(dirname "$t")")/$(basename "$t")" sh "$t"
	done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
