#!/bin/sh
# Puts the report of a bench run into BENCHMARKS.md, between the
# "<!-- NAME:begin -->" and "<!-- NAME:end -->" lines (NAME: bench, or
# bench-rt for a BENCH_RT=1 run), so the numbers in the docs are exactly what
# `make bench` printed. Used by run.sh with BENCH_DOC=1.
# usage: doc.sh REPORT_TEXT_FILE BENCHMARKS_MD [NAME]
set -eu
REPORT=$1
DOC=$2
NAME=${3:-bench}
if ! grep -q "^<!-- $NAME:begin -->\$" "$DOC" || ! grep -q "^<!-- $NAME:end -->\$" "$DOC"; then
	echo "doc: no $NAME markers in $DOC" >&2
	exit 1
fi
NEW=$(mktemp)
trap 'rm -f "$NEW"' EXIT
awk -v report="$REPORT" -v begin="<!-- $NAME:begin -->" -v end="<!-- $NAME:end -->" '
$0 == begin {
	print
	print "```"
	while ((getline line < report) > 0) if (line !~ /^results: /) print line
	print "```"
	skip = 1
	next
}
$0 == end { skip = 0 }
!skip { print }
' "$DOC" >"$NEW"
cat "$NEW" >"$DOC"
echo "doc: results written to $DOC" >&2
