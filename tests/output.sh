#!/bin/bash
# output.sh - what tlsrpt shows people and spreadsheets, with hostile input
#
#   bash tests/output.sh BINARY PGDIR DBPREFIX
#
# Stores crafted reports whose strings carry C0, C1 and bidi controls,
# quotes and formulas, from files whose names carry a newline, an ESC and
# bytes that are not UTF-8, then checks the lines of "tlsrpt ingest" and
# "tlsrpt summary" as text, CSV and JSON: every such character escaped as
# lib/escape.h says (\xNN, \u{XXXX}, \\), never raw; CSV quotes doubled
# and formulas defused; the "(x% failed)" figure right.  PGDIR is a
# running cluster started by tests/pg.sh (tests/run.sh does that).  Prints
# "FAIL ..." lines and ends with "N passed, N failed".
set -u
BIN=$1 PGDIR=$2 P=$3
cd "$(dirname "$0")/.." || exit 1
. tests/pg.sh
. tests/check.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# one database; "domains" empty: every report is ours
pg_createdb "$PGDIR" "${P}_out" >/dev/null
DB=$(pg_conninfo "$PGDIR" "${P}_out")
# tl DOMAINS ARGS... - tlsrpt on that database with those domains
tl() {
	printf 'database = %s\ndomains = %s\n' "$DB" "$1" >"$T/tlsrpt.conf"
	shift
	"$BIN" -c "$T/tlsrpt.conf" "$@"
}
# check_clean NAME TEXT - TEXT holds no C0 control but the newline, no DEL,
# no C1 control, no bidi control and no U+2028/U+2029 (bytes, as UTF-8)
check_clean() {
	if printf '%s' "$2" | LC_ALL=C grep -qaP \
	    '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]'; then
		fail=$((fail + 1)); printf 'FAIL %s: a raw control in:\n%s\n' "$1" "$2"
	else pass=$((pass + 1)); fi
}
# report FILE ORG REPORT-ID DOMAIN OK BAD RESULT-TYPE [DANE-MX-HOST] - a
# report (strings are JSON, escapes included); the optional TLSA policy
# for another name than the home domain makes a DANE MX host of it
report() {
	local dane=""
	[ -n "${8:-}" ] && dane=',{"policy":{"policy-type":"tlsa","policy-string":["3 1 1 0A0B"],"policy-domain":"'$8'"},"summary":{"total-successful-session-count":2,"total-failure-session-count":1},"failure-details":[{"result-type":"tlsa-invalid","failed-session-count":1}]}'
	printf '%s' '{"organization-name":"'"$2"'","date-range":{"start-datetime":"2026-04-01T00:00:00Z","end-datetime":"2026-04-01T23:59:59Z"},"contact-info":"x@example.org","report-id":"'"$3"'","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce"],"policy-domain":"'"$4"'","mx-host":["mx1.'"$4"'"]},"summary":{"total-successful-session-count":'"$5"',"total-failure-session-count":'"$6"'},"failure-details":[{"result-type":"'"$7"'","failed-session-count":'"$6"'}]}'"$dane"']}' >"$1"
}

# checks - all of them; run through cat -v below, because a failing check
# prints what it got, raw controls included, which would clear or retitle
# the terminal of whoever reads it
checks() {
	tl "" db migrate >/dev/null

	# --- ingest: its own lines ---------------------------------------------
	# a file name with a newline and an ESC: raw, it forges a second line
	f1=$T/$'evil\n\e[31mstored forged.json'
	report "$f1" 'Evil \"Corp\"\u202emoc.elgoog\u001b[2J' 'rid-\u001b]0;pwned\u0007-1' \
	    output.example 3 1 '\u009b31mred' 'mx2.output.example'
	f2=$T/$'c1 \xc2\x9b.json'
	report "$f2" '=HYPERLINK(\"http://x\")' 'rid-2\u200f' output.example 10 0 success
	f3=$T/$'sub\xe2\x80\xa8\xe2\x80\xae.json'
	report "$f3" '@SUM(A1)\nstored forged.json x\r' 'rid-3' 'cmd.example' 6 2 '-2+3'
	out=$(tl "" ingest "$f1" "$f2" "$f3" 2>&1); rc=$?
	check "ingest: exit" "$rc" 0
	check "ingest: one line per file, none forged" "$(wc -l <<<"$out")" 3
	check_clean "ingest: no raw control in the lines" "$out"
	check "ingest: newline and ESC in the file name, ESC and BEL in the report-id" \
	    "$(sed -n 1p <<<"$out")" "stored $T/evil\\x0a\\x1b[31mstored forged.json rid-\\x1b]0;pwned\\x07-1"
	check "ingest: a C1 control in the file name, RLM in the report-id" \
	    "$(sed -n 2p <<<"$out")" "stored $T/c1 \\u{009B}.json rid-2\\u{200F}"
	check "ingest: line separator and RLO in the file name" \
	    "$(sed -n 3p <<<"$out")" "stored $T/sub\\u{2028}\\u{202E}.json rid-3"
	out=$(tl "" ingest "$f1" 2>&1)
	check "ingest: duplicate line escaped" "$out" \
	    "duplicate $T/evil\\x0a\\x1b[31mstored forged.json rid-\\x1b]0;pwned\\x07-1"
	sed 's/rid-2/rid-4/; s/output.example/\\u202ehome.example/g' "$f2" >"$T/foreign.json"
	out=$(tl example.net ingest "$T/foreign.json" 2>&1)
	# R23: a policy-domain with a bidi control is no host name, so it
	# names no home domain (domains shown are always host names)
	check "ingest: foreign line, no host name, no home domain" "$out" \
	    "foreign $T/foreign.json (unknown)"
	# a rejection whose reason quotes the input (jansson's "near '...'")
	bad=$T/$'bad\e[2J.json'
	printf '{"organization-name": "x", \e[2J}' >"$bad"
	out=$(tl "" ingest "$bad" 2>&1); rc=$?
	check "ingest: rejected exit" "$rc" 65
	check_clean "ingest: rejected line clean" "$out"
	check_has "ingest: rejected line, file name escaped" "$out" "rejected $T/bad\\x1b[2J.json "
	check_has "ingest: rejected line, the reason's quote of the input escaped" "$out" \
	    "expected near '\\x1b'"
	# a file name that is not UTF-8 (a file system allows any byte but / and NUL)
	latin1=$T/$'caf\xe9.json'
	printf 'not a report\n' >"$latin1"
	out=$(tl "" ingest "$latin1" 2>&1)
	check_has "ingest: a file name that is not UTF-8" "$out" "rejected $T/caf\\xe9.json "

	# --- summary as text -------------------------------------------------
	txt=$(tl "" summary)
	check_clean "text: no raw control" "$txt"
	check_has "text: domain line and the failed share (2 of 17)" "$txt" \
	    $'\noutput.example: 2 report(s), 15 successful and 2 failed session(s) (11.8% failed)\n'
	check_has "text: the failed share of another domain (2 of 8)" "$txt" \
	    "cmd.example: 1 report(s), 6 successful and 2 failed session(s) (25.0% failed)"
	check_has "text: outcome with a C1 CSI" "$txt" \
	    $'\n  \\u{009B}31mred                        1\n'
	check_has "text: organisation with RLO and ESC" "$txt" \
	    $'\n  Evil "Corp"\\u{202E}moc.elgoog\\x1b[2J        1           5           2\n'
	check_has "text: organisation with newline and CR" "$txt" \
	    $'\n  @SUM(A1)\\x0astored forged.json x\\x0d        1           6           2\n'
	check_has "text: DANE MX host" "$txt" \
	    $'\n  mx2.output.example                  1           2           1'

	# --- summary as CSV --------------------------------------------------
	csv=$(tl "" summary --format csv)
	check "csv: every line ends in CRLF" "$(grep -vc $'\r$' <<<"$csv")" 0
	csv=$(sed 's/\r$//' <<<"$csv")
	check_clean "csv: no raw control" "$csv"
	check_has "csv: total row" "$csv" '"output.example",total,,2,15,2,'
	check_has "csv: another domain's total" "$csv" $'\n"cmd.example",total,,1,6,2,'
	check_has "csv: outcome starting with - defused" "$csv" $'"cmd.example",outcome,"\'-2+3",,,,2'
	check_has "csv: organisation starting with = defused, quotes doubled" "$csv" \
	    $'"output.example",source,"\'=HYPERLINK(""http://x"")",1,10,0,'
	check_has "csv: organisation starting with @ defused, newline and CR escaped" "$csv" \
	    $'"cmd.example",source,"\'@SUM(A1)\\x0astored forged.json x\\x0d",1,6,2,'
	check_has "csv: quotes doubled, RLO and ESC escaped" "$csv" \
	    '"output.example",source,"Evil ""Corp""\u{202E}moc.elgoog\x1b[2J",1,5,2,'
	check_has "csv: outcome with a C1 CSI" "$csv" '"output.example",outcome,"\u{009B}31mred",,,,1'
	check_has "csv: DANE MX host" "$csv" '"output.example",dane_mx,"mx2.output.example",1,2,1,'

	# --- summary as JSON: the strings as they are, JSON-escaped ---------------
	json=$(tl "" summary --format json)
	check_has "json: organisation kept, ESC and RLO as escapes" "$json" \
	    '"organization":"Evil \"Corp\"\u202Emoc.elgoog\u001B[2J"'
	check_clean "json: no raw control, C1 or bidi character" "$json"
	check_has "json: newline and CR kept as JSON escapes" "$json" \
	    '"organization":"@SUM(A1)\nstored forged.json x\r"'
	check_has "json: figures" "$json" \
	    '{"domain":"output.example","reports":2,"successful_sessions":15,"failed_sessions":2,'

	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}
checks | cat -v
exit "${PIPESTATUS[0]}"
