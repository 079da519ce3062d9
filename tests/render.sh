#!/bin/bash
# render.sh - black-box tests of "tlsrpt render" against a real PostgreSQL
#
#   bash tests/render.sh BINARY PGDIR DBPREFIX
#
# A fixed data set (tests/fixtures/summary and etc/examples): every figure
# of the pages equals "summary --format json" of the same period (totals,
# outcomes, sources, DANE MX hosts, the chart's bars, the reports listed;
# tests/render/pages.py), one domain rendered alone gives the same page,
# tidy finds no error; a second run writes nothing, a changed report
# rewrites its page alone through a rename, a narrower period removes the
# pages that left it, no temporary file stays.  A hostile report: every
# string shows escaped and intact, no script, no handler, additional-
# information a link only as an https: URL with rel="noopener noreferrer".
# Prints "FAIL ..." lines and ends with "N passed, N failed".
set -u
BIN=$1 PGDIR=$2 P=$3
cd "$(dirname "$0")/.." || exit 1
. tests/pg.sh
. tests/check.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
PAGES="python3 tests/render/pages.py"
# newdb NAME DOMAINS - a fresh database and its config file $CONF
newdb() {
	pg_createdb "$PGDIR" "${P}_$1" >/dev/null
	DB=$(pg_conninfo "$PGDIR" "${P}_$1")
	CONF=$T/$1.conf
	printf 'database = %s\ndomains = %s\n' "$DB" "$2" >"$CONF"
	"$BIN" -c "$CONF" db migrate >/dev/null
}
tl() { "$BIN" -c "$CONF" "$@"; }
sql() { psql -XAtq "$DB" -c "$1"; }
# tidy_all DIR - tidy reports no error (exit 2) on any page
tidy_all() {
	local f n=0
	for f in "$1"/*.html "$1"/d/*.html "$1"/r/*.html; do
		tidy -q -e "$f" >/dev/null 2>"$T/tidy.out"
		if [ $? -ge 2 ]; then n=$((n + 1)); echo "tidy: $f"; cat "$T/tidy.out"; fi
	done
	check "tidy: no errors in $(basename "$1")" "$n" 0
}

# --- the fixed data set: pages = summary --------------------------------
newdb fixed "example.com, example.net"
tl ingest tests/fixtures/summary/*.json etc/examples/* >/dev/null
S=$T/site
out=$(tl render --out "$S" --from 2026-03-01 --to 2026-11-30 2>&1)
check "render: exit" "$?" 0
check_has "render: says what it wrote" "$out" "rendered $S: "
tl summary --format json --from 2026-03-01 --to 2026-11-30 >"$T/sum.json"
check_py "pages = summary" $PAGES compare "$S" "$T/sum.json"
check "render: a page per report of the period" "$(ls "$S"/r | wc -l)" \
    "$(sql "SELECT count(*) FROM report WHERE verdict = 'accepted' AND day BETWEEN '2026-03-01' AND '2026-11-30'")"
check "render: style.css" "$(test -s "$S/style.css" && echo yes)" yes
tidy_all "$S"
check_py "fixed pages safe" $PAGES safe "$S"/*.html "$S"/d/*.html "$S"/r/*.html
check_has "render: DANE MX host on its parent's page, labelled" \
    "$($PAGES text "$S/d/example.net.html")" "mx2.example.net (MX host of example.net)"
check_has "render: an MX host's own row labelled on the index" \
    "$($PAGES text "$S/index.html")" "mx1.example.com (MX host of example.com)"
check_has "render: a foreign report on the index, with its domain" \
    "$($PAGES text "$S/index.html")" "other.org1"
# one domain alone: the same page
tl render --out "$T/one" --from 2026-03-01 --to 2026-11-30 --domain example.com >/dev/null
check "render --domain: the same page" "$(cmp "$S/d/example.com.html" "$T/one/d/example.com.html" && echo same)" same
check "render --domain: no index, no other domain" "$(ls "$T/one" "$T/one/d" | tr '\n' ' ')" \
    "$T/one: d r style.css  $T/one/d: example.com.html "

# --- incremental: nothing rewritten, a changed report alone, by rename -----
out=$(tl render --out "$S" --from 2026-03-01 --to 2026-11-30 2>&1)
check_has "render again: nothing written" "$out" ": 0 file(s) written, "
check_has "render again: no report read (every stamp matches)" "$out" " 0 report(s) read"
id=$(sql "SELECT min(id) FROM report WHERE day = '2026-11-16' AND verdict = 'accepted'")
other=$(sql "SELECT max(id) FROM report WHERE day = '2026-11-17'")
ino=$(stat -c %i "$S/r/$id.html"); ino2=$(stat -c %i "$S/r/$other.html")
m2=$(stat -c %Y.%y "$S/r/$other.html")
sql "UPDATE report SET parsed_at = now() WHERE id = $id"
out=$(tl render --out "$S" --from 2026-03-01 --to 2026-11-30 2>&1)
check_has "render after a change: one page" "$out" ": 1 file(s) written, "
check_has "render after a change: one report read" "$out" " 1 report(s) read"
check "render after a change: a new file renamed into place" "$([ "$(stat -c %i "$S/r/$id.html")" != "$ino" ] && echo renamed)" renamed
check "render after a change: other pages untouched" "$(stat -c %i "$S/r/$other.html") $(stat -c %Y.%y "$S/r/$other.html")" "$ino2 $m2"
check "render: no temporary file left" "$(find "$S" -name '.*' -type f | wc -l)" 0
# a narrower period: pages that left it go
tl render --out "$S" --from 2026-11-01 --to 2026-11-30 >/dev/null
check "render, narrower: report pages of the period only" "$(ls "$S"/r | wc -l)" \
    "$(sql "SELECT count(*) FROM report WHERE verdict = 'accepted' AND day BETWEEN '2026-11-01' AND '2026-11-30'")"
check "render, narrower: domain pages of the period only" "$(ls "$S"/d | tr '\n' ' ')" "example.com.html example.net.html "
tl render --out "$S" --from 2026-11-30 --to 2026-11-01 >/dev/null 2>&1
check "render: from after to is a usage error" "$?" 64
tl render --from 2026-11-01 >/dev/null 2>&1
check "render: --out is required" "$?" 64

# --- hostile strings ------------------------------------------------------
newdb hostile ""
ORG='<script>document.title=\"pwned\"</script> Evil & \"Co\" \u202e'
RID='\"><img src=x onerror=alert(1)>'
cat >"$T/hostile.json" <<JSON
{"organization-name":"$ORG","date-range":{"start-datetime":"2026-11-20T00:00:00Z","end-datetime":"2026-11-20T23:59:59Z"},
"contact-info":"</pre><script>alert(2)</script>","report-id":"$RID",
"policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: <b>mx</b>.hostile.example","max_age: 86400"],
"policy-domain":"hostile.example","mx-host":["mx1.hostile.example"]},
"summary":{"total-successful-session-count":10,"total-failure-session-count":3},
"failure-details":[
{"result-type":"<i>weird</i>","receiving-mx-hostname":"mx1.hostile.example","receiving-mx-helo":"helo \u001b[31mred\u0007 <x>",
 "additional-information":"javascript:alert(1)","failure-reason-code":"<b>450</b> & more","failed-session-count":1},
{"result-type":"certificate-expired","additional-information":"https://hostile.example/why?a=1&b=<2>","failed-session-count":1},
{"result-type":"certificate-expired","additional-information":"https://hostile.example/why?a=1&b=2","failed-session-count":1}]}]}
JSON
out=$(tl ingest "$T/hostile.json" 2>&1); check "hostile: stored" "${out%% *}" stored
H=$T/hsite
tl render --out "$H" --from 2026-11-01 --to 2026-11-30 >/dev/null
check "hostile: rendered" "$?" 0
hid=$(sql "SELECT id FROM report")
check_py "hostile pages safe" $PAGES safe "$H"/*.html "$H"/d/*.html "$H"/r/*.html
tidy_all "$H"
dtext=$($PAGES text "$H/d/hostile.example.html")
rtext=$($PAGES text "$H/r/$hid.html")
check_has "hostile: organisation intact (bidi mark shown)" "$dtext" \
    '<script>document.title="pwned"</script> Evil & "Co" \u{202E}'
check_has "hostile: report-id intact" "$dtext" '"><img src=x onerror=alert(1)>'
check_has "hostile: result-type intact" "$dtext" '<i>weird</i>'
check_has "hostile: testing mode warned" "$dtext" "WARNING testing: failures are reported, not prevented"
check_has "hostile: HELO with its controls visible" "$rtext" 'helo \x1b[31mred\x07 <x>'
check_has "hostile: reason code intact" "$rtext" '<b>450</b> & more'
check_has "hostile: contact-info intact" "$rtext" '</pre><script>alert(2)</script>'
check_has "hostile: raw JSON pretty-printed" "$rtext" '"organization-name": "<script>'
raw=$(cat "$H/r/$hid.html")
check_has "hostile: the https URL is a link" "$raw" \
    '<a href="https://hostile.example/why?a=1&amp;b=2" rel="noopener noreferrer">'
check "hostile: javascript: is no link" "$(grep -c 'href="javascript' <<<"$raw")" 0
check "hostile: an https URL with <> is no link" "$(grep -c 'href="https://hostile.example/why?a=1&amp;b=&lt;' <<<"$raw")" 0
check "hostile: no raw control byte in any page" \
    "$(cat "$H"/*.html "$H"/d/*.html "$H"/r/*.html | LC_ALL=C grep -caP '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')" 0

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
