#!/bin/sh
# Builds the libFuzzer harnesses and runs each for a short while (TAP).
# Needs no namespaces, so it does not source integration/lib.sh. New inputs
# and crash artifacts go to a temporary directory, never into the repo.
# env: BUILD (from test/run.sh), FUZZ_SECONDS (default 20)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-"$TOP/build"}
OUT="$BUILD/fuzz"
SECS=${FUZZ_SECONDS:-20}
WORK=$(mktemp -d /tmp/cni-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

if make -C "$TOP" --no-print-directory BUILD="$BUILD" fuzz >"$WORK/build.log" 2>&1; then
	ok "fuzz harnesses build with clang -fsanitize=fuzzer,address,undefined"
else
	not_ok "fuzz harnesses build"
	sed 's/^/# /' "$WORK/build.log" | tail -20
	exit 1
fi

for src in "$TOP"/test/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	corpus="$WORK/corpus-$name"
	mkdir -p "$corpus"
	cp "$TOP/test/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null
	if "$OUT/$name" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$WORK/$name-" "$corpus" >"$WORK/$name.log" 2>&1; then
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$WORK/$name.log")
		ok "$name: ${runs:-?} runs in ${SECS}s without a crash, leak or sanitizer report"
	else
		not_ok "$name found a problem"
		grep -E 'ERROR|SUMMARY|==[0-9]+==|Test unit written' "$WORK/$name.log" | head -20 |
			sed 's/^/# /'
		for a in "$WORK/$name"-*; do
			[ -f "$a" ] && echo "# input (base64): $(base64 -w0 "$a" | head -c 2000)"
		done
	fi
done
[ "$failed" -eq 0 ]
