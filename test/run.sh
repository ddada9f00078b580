#!/bin/sh
# Runs every test program and script, each printing TAP ("ok N - name" /
# "not ok N - name"), and ends with the one line "N passed, N failed".
# usage: test/run.sh BUILD_DIR [unit|integration|all]  (integration = test/{integration,clients,diff,fuzz,vm}/t_*.sh)
#        test/run.sh BUILD_DIR check   (what `make check` runs: the unit tests and CHECK_TESTS)
#        test/run.sh BUILD_DIR full ASAN_BUILD_DIR     (what `make test` runs: three passes, one sum)
#   full = the whole suite on BUILD_DIR; the whole suite again on the
#          ASan+UBSan build (names prefixed "asan:"); the unit tests under
#          valgrind (names prefixed "valgrind:").
# env:   TESTS=<substring> runs only matching files; VALGRIND=1 wraps unit
#        tests; SANITIZE=1 says BUILD_DIR is a sanitizer build (see below).
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP CMOCKA_MESSAGE_OUTPUT=TAP
passed=0
failed=0

# Sanitizer reports go to one file per process (log_path) instead of stderr,
# so a report from a plugin that a test execs (and whose stderr the test may
# swallow, or whose exit status 1 the test expects anyway) still counts: any
# report file a test leaves behind is a failure of that test. exitcode=86
# makes the report visible to the test as well. Leaks count: a plugin is
# short-lived, but every leak there is a missing free on some path.
sanitizer_env() { # prefix for log_path
	echo "ASAN_OPTIONS=detect_leaks=1:exitcode=86:abort_on_error=0:log_path=$1.asan:strip_path_prefix=$TOP/"
	echo "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87:log_path=$1.ubsan"
}

# LeakSanitizer cannot run under ptrace (tests that strace a plugin) nor
# finish in a process SIGKILLed during its exit-time scan (crash tests): it
# then says so without an "ERROR:" line. Those files are noted, not failures.
sanitizer_reports() { # dir base -> appends to the log, sets f
	for r in "$1/$2".*; do
		[ -f "$r" ] || continue
		if grep -Eq 'ERROR: |runtime error:|SUMMARY: ' "$r"; then
			echo "not ok - sanitizer report $r" >>"$log"
			grep -E 'ERROR|SUMMARY|runtime error|^    #[0-9] ' "$r" | head -12 | sed 's/^/# /' >>"$log"
			f=$((f + 1))
		else
			echo "# note: sanitizer could not run in a traced or killed process: $(head -1 "$r")" >>"$log"
		fi
	done
}

run_one() { # name, command...
	name=$1
	shift
	base=$(basename "$name" | tr ' ():' '____')
	log="$LOGDIR/$base.log"
	start=$(date +%s)
	if [ -n "$SANITIZE" ]; then
		rm -f "$SANDIR/$base".*
		# shellcheck disable=SC2046 # two VAR=value words
		env $(sanitizer_env "$SANDIR/$base") "$@" >"$log" 2>&1
	else
		"$@" >"$log" 2>&1
	fi
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
	[ -z "$SANITIZE" ] || sanitizer_reports "$SANDIR" "$base"
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-52s %4d passed %3d failed  (%ss)\n' "$PASS$name" "$p" "$f" "$(($(date +%s) - start))"
	if [ "$f" -ne 0 ]; then
		grep -E '^not ok|^#' "$log" | sed 's/^/    /' | head -60
		echo "    (full log: $log)"
	fi
}

selected() { [ -z "$TESTS" ] || case "$1" in *"$TESTS"*) return 0 ;; *) return 1 ;; esac; }

# The fast tier (make check), for the inner loop: the unit tests and these
# integration tests, which cover every verb of both plugins in each CNI
# version, DEL and rollback, IPAM delegation (exec and in-process), both
# masquerade backends, the logFile, the children's fds and host-local under
# parallel calls. The rest (clients, the differential suite, chaos, fuzzing,
# the sanitizer and valgrind passes) is make test.
CHECK_TESTS="t_bridge_versions t_bridge_del t_bridge_rollback t_ipam t_masq_nft t_masq_ipt
 t_logfile t_child_fds t_host_local_parallel"
in_check() {
	for c in $CHECK_TESTS; do
		[ "$(basename "$1" .sh)" = "$c" ] && return 0
	done
	return 1
}

# run_pass BUILD_DIR unit|integration|all: one pass over the suite.
run_pass() {
	BUILD=$(cd "$1" && pwd) || {
		echo "not ok - build directory $1 missing"
		failed=$((failed + 1))
		return
	}
	export BUILD BIN="$BUILD/bin" TOOLS="$BUILD/test/tools"
	LOGDIR="$BUILD/test-logs"
	SANDIR="$LOGDIR/sanitizer"
	mkdir -p "$LOGDIR" "$SANDIR"
	if [ "$2" = all ] || [ "$2" = unit ] || [ "$2" = check ]; then
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
	if [ "$2" = all ] || [ "$2" = integration ] || [ "$2" = check ]; then
		for t in "$TOP"/test/integration/t_*.sh "$TOP"/test/clients/t_*.sh "$TOP"/test/diff/t_*.sh \
			"$TOP"/test/fuzz/t_*.sh "$TOP"/test/vm/t_*.sh; do
			[ -f "$t" ] || continue
			selected "$t" || continue
			[ "$2" != check ] || in_check "$t" || continue
			name="$(basename "$(dirname "$t")")/$(basename "$t")"
			# Not in a sanitizer pass: the fuzz harnesses are ASan+UBSan
			# builds of their own (a second run adds minutes, not
			# coverage), valgrind cannot run ASan binaries, and the
			# reboot test boots a QEMU guest twice (minutes; the
			# plugin code it runs is covered by t_host_local_reboot.sh).
			if [ -n "$SANITIZE" ]; then
				case $name in
				fuzz/t_fuzz.sh | integration/t_valgrind.sh | vm/t_reboot.sh)
					echo "$PASS$name: not run in a sanitizer pass (runs in the normal pass)"
					continue
					;;
				esac
			fi
			run_one "$name" sh "$t"
		done
	fi
}

WHAT=${2:-all}
case "$WHAT" in
full)
	[ -n "${3:-}" ] || { echo "usage: $0 BUILD_DIR full ASAN_BUILD_DIR" >&2; exit 2; }
	PASS="" SANITIZE="" VALGRIND=""
	run_pass "$1" all
	PASS="asan:" SANITIZE=1
	run_pass "$3" all
	PASS="valgrind:" SANITIZE="" VALGRIND=1
	run_pass "$1" unit
	;;
unit | integration | all | check)
	PASS=""
	run_pass "${1:-build}" "$WHAT"
	;;
*)
	echo "usage: $0 BUILD_DIR [unit|integration|all|check|full ASAN_BUILD_DIR]" >&2
	exit 2
	;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
