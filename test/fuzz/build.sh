#!/bin/sh
# Builds the libFuzzer harnesses test/fuzz/fuzz_*.c into OUTDIR, compiling
# lib/cni, lib/util and lib/names straight into each one with the fuzzer
# and sanitizers on.
# usage: test/fuzz/build.sh OUTDIR      (make fuzz uses build/fuzz)
set -e
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-"$TOP/build/fuzz"}
CC=${FUZZ_CC:-clang}
mkdir -p "$OUT"
CFLAGS="-std=gnu11 -g -O1 -D_GNU_SOURCE -fno-omit-frame-pointer
 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
 -I$TOP $(pkg-config --cflags libcjson)"
LIBS=$(pkg-config --libs libcjson)
for src in "$TOP"/test/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	# shellcheck disable=SC2086 # CFLAGS and LIBS are word lists
	$CC $CFLAGS -o "$OUT/$name" "$src" "$TOP"/lib/cni/*.c "$TOP"/lib/util/*.c "$TOP"/lib/names/*.c $LIBS
	echo "built $OUT/$name"
done
