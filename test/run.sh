#!/bin/sh
# Runs every test program and script, each printing TAP ("ok N - name" /
# "not ok N - name"), and ends with the one line "N passed, N failed".
# usage: test/run.sh BUILD_DIR [unit|integration|all]  (integration = test/{integration,clients,diff,fuzz,vm}/t_*.sh)
#        test/run.sh BUILD_DIR check   (what `make check` runs: the unit tests and CHECK_TESTS)
#        test/run.sh BUILD_DIR full ASAN_BUILD_DIR     (what `make test` runs: four passes, one sum)
#   full = the whole suite on BUILD_DIR; the whole suite again on the
#          ASan+UBSan build (names prefixed "asan:"); the unit tests under
#          valgrind (names prefixed "valgrind:"); the kernel lane (vm).
#        test/run.sh BUILD_DIR vm   (the kernel lane alone: `make test-vm`)
#   vm   = the lane's integration tests (VM_TESTS) inside a QEMU guest that
#          boots Debian's LTS kernel (test/vm/vm.sh), names prefixed
#          "kernel-<version>:"; `full` ends with this pass too.
# env:   TESTS=<substring> runs only matching files; VALGRIND=1 wraps unit
#        tests; SANITIZE=1 says BUILD_DIR is a sanitizer build (see below);
#        VM_TESTS=<file names> overrides the kernel lane's list.
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

selected() {
	if [ -n "${TESTLIST:-}" ]; then
		case " $TESTLIST " in *" $(basename "$1") "*) ;; *) return 1 ;; esac
	fi
	[ -z "$TESTS" ] || case "$1" in *"$TESTS"*) return 0 ;; *) return 1 ;; esac
}

# The kernel lane's tests: VLANs (which need a kernel with bridge VLAN
# filtering and 8021q) and the core integration tests, on the LTS kernel.
# Guest run times and what is left out (and why): README "The kernel lane".
VM_TESTS=${VM_TESTS:-"t_vlan.sh t_bridge_versions.sh t_bridge_check.sh t_bridge_del.sh
 t_bridge_rollback.sh t_bridge_ports.sh t_bridge_dad.sh t_host_local_store.sh
 t_masq_nft.sh t_masq_ipt.sh t_spoofchk.sh t_gc.sh t_status.sh"}

# vm_pass BUILD_DIR: boots the guest once and runs VM_TESTS there with the
# binaries of BUILD_DIR; its per-test lines and counts join this run's.
vm_pass() {
	vm="$TOP/test/vm/vm.sh"
	if ! kv=$(bash "$vm" kernel 2>/dev/null); then
		echo "not ok - kernel lane: not set up (run test/vm/vm.sh setup, or make deps)"
		failed=$((failed + 1))
		return
	fi
	b=$(cd "$1" && pwd)
	case $b/ in "$TOP"/*) ;; *)
		echo "not ok - kernel lane: $b is outside $TOP (the guest writes logs there)"
		failed=$((failed + 1))
		return ;;
	esac
	vpass="kernel-$(echo "$kv" | cut -d. -f1,2):"
	start=$(date +%s)
	raw="$b/test-logs/kernel-lane.out"
	mkdir -p "$b/test-logs"
	# Streamed as it comes (the lane runs for many minutes); the guest's
	# own summary line is folded into this run's single one below.
	(cd "$TOP" && bash "$vm" run "PASS='$vpass' TESTLIST='$(echo $VM_TESTS)' \
		TESTS='${TESTS:-}' LOGDIR_NAME=test-logs/kernel sh test/run.sh '$b' lane" 2>&1;
		echo "vm.sh status $?") | tee "$raw" | grep --line-buffered -Ev '^[0-9]+ passed, [0-9]+ failed$|^vm.sh status '
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$raw" | tail -1)
	rc=$(sed -n 's/^vm.sh status //p' "$raw")
	[ "$rc" = 0 ] || [ "$rc" = 1 ] || last="" # 124/125: the guest died or hung
	case $last in
	*" passed, "*" failed")
		passed=$((passed + ${last%% passed*}))
		f=${last#*passed, }
		failed=$((failed + ${f%% failed}))
		;;
	*)
		echo "not ok - ${vpass} the guest did not finish (vm.sh status $rc; output: $raw)"
		failed=$((failed + 1))
		;;
	esac
	echo "${vpass} lane took $(($(date +%s) - start))s (boot included)"
}

# The fast tier (make check), for the inner loop: the unit tests and these
# integration tests, which cover every verb of both plugins in each CNI
# version, DEL and rollback, IPAM delegation (exec and in-process), both
# masquerade backends, the logFile and the children's fds. The rest
# (clients, the differential suite, parallel and chaos runs, fuzzing, the
# sanitizer and valgrind passes) is make test.
CHECK_TESTS="t_bridge_versions t_bridge_del t_bridge_rollback t_ipam t_masq_nft t_masq_ipt
 t_logfile t_child_fds"
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
	LOGDIR="$BUILD/${LOGDIR_NAME:-test-logs}"
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
	if [ "$2" = all ] || [ "$2" = integration ] || [ "$2" = check ] || [ "$2" = lane ]; then
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
	PASS="" VALGRIND=""
	vm_pass "$1"
	;;
vm)
	PASS=""
	vm_pass "${1:-build}"
	;;
lane) # inside the guest (vm_pass): PASS and TESTLIST come from the host
	run_pass "${1:-build}" lane
	;;
unit | integration | all | check)
	PASS=""
	run_pass "${1:-build}" "$WHAT"
	;;
*)
	echo "usage: $0 BUILD_DIR [unit|integration|all|check|vm|full ASAN_BUILD_DIR]" >&2
	exit 2
	;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
