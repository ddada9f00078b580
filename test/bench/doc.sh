#!/bin/sh
# Puts the report of a bench run into BENCHMARKS.md, between the
# "<!-- bench:begin -->" and "<!-- bench:end -->" lines, so the numbers in the
# docs are exactly what `make bench` printed. Used by run.sh with BENCH_DOC=1.
# usage: doc.sh REPORT_TEXT_FILE BENCHMARKS_MD
set -eu
REPORT=$1
DOC=$2
grep -q '^<!-- bench:begin -->$' "$DOC" && grep -q '^<!-- bench:end -->$' "$DOC" ||
	{ echo "doc: no bench markers in $DOC" >&2; exit 1; }
NEW=$(mktemp)
trap 'rm -f "$NEW"' EXIT
awk -v report="$REPORT" '
/^<!-- bench:begin -->$/ {
	print
	print "Run of " strftime_date() ":"
	print ""
	print "```"
	while ((getline line < report) > 0) if (line !~ /^results: /) print line
	print "```"
	skip = 1
	next
}
/^<!-- bench:end -->$/ { skip = 0 }
!skip { print }
function strftime_date(   cmd, d) { cmd = "date -u +\"%Y-%m-%d %H:%M UTC\""; cmd | getline d; close(cmd); return d }
' "$DOC" >"$NEW"
cat "$NEW" >"$DOC"
echo "doc: results written to $DOC" >&2
