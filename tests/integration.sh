#!/bin/bash
# integration.sh - black-box tests of the built tlsrpt against a real PostgreSQL
#
#   bash tests/integration.sh BINARY PGDIR DBPREFIX
#
# PGDIR is a running cluster started by tests/pg.sh (tests/run.sh does
# that).  Each group gets its own database.  Prints "FAIL ..." lines and
# ends with "N passed, N failed".
set -u
BIN=$1 PGDIR=$2 P=$3
cd "$(dirname "$0")/.." || exit 1
. tests/pg.sh
CORPUS=${TLSRPT_CORPUS:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/check.sh
# newdb NAME [DOMAINS] - a fresh database and a config file naming it
newdb() {
	pg_createdb "$PGDIR" "${P}_$1" >/dev/null
	DB=$(pg_conninfo "$PGDIR" "${P}_$1")
	CONF=$T/$1.conf
	printf 'database = %s\ndomains = %s\n' "$DB" "${2:-}" >"$CONF"
}
sql() { psql -XAtq "$DB" -c "$1"; }
tl() { "$BIN" -c "$CONF" "$@"; }

# --- configuration -------------------------------------------------------
newdb conf
out=$("$BIN" -c "$CONF" -n 2>&1); check "conf: -n on a good file" "$?:$out" "0:configuration OK: $CONF"
printf '# c\ndatabase = host=/x dbname=y\n\nbogus_key = 1\n' >"$T/bad.conf"
out=$("$BIN" -c "$T/bad.conf" -n 2>&1); check "conf: unknown key exit" "$?" 78
check_has "conf: unknown key names FILE:LINE" "$out" "$T/bad.conf:4: unknown key \"bogus_key\""
printf 'max_report_bytes = 12\n' >"$T/range.conf"
out=$("$BIN" -c "$T/range.conf" -n 2>&1); check "conf: out of range exit" "$?" 78
check_has "conf: out of range message" "$out" "$T/range.conf:1: max_report_bytes: 12 is out of range"
printf 'max_body_bytes = 10X\n' >"$T/size.conf"
out=$("$BIN" -c "$T/size.conf" -n 2>&1); check "conf: bad size" "$?" 78
printf 'domains = example.com\ndomains = Example.NET., foo.org\nmax_report_bytes = 2M\n' >"$T/list.conf"
out=$("$BIN" -c "$T/list.conf" -N 2>&1)
check_has "conf: repeated list key, K/M/G sizes" "$out" "domains = example.com, example.net, foo.org"
check_has "conf: size with M" "$out" "max_report_bytes = 2097152"
out=$("$BIN" -c etc/tlsrpt.conf -n 2>&1); check "conf: etc/tlsrpt.conf is valid" "$?" 0
# every key of the table is documented in etc/tlsrpt.conf
for k in $("$BIN" -c "$T/list.conf" -N | cut -d' ' -f1); do
	grep -q "^#* *$k *=" etc/tlsrpt.conf; check "conf: $k documented in etc/tlsrpt.conf" "$?" 0
done
out=$("$BIN" -c "$T/nonexistent.conf" -n 2>&1); check "conf: missing -c file" "$?" 78

# --- usage ---------------------------------------------------------------
"$BIN" >/dev/null 2>&1; check "usage: no command" "$?" 64
"$BIN" frobnicate >/dev/null 2>&1; check "usage: unknown command" "$?" 64
tl summary --from 2026-02-30 >/dev/null 2>&1; check "usage: impossible date" "$?" 64
tl summary --format xml >/dev/null 2>&1; check "usage: bad format" "$?" 64
tl db >/dev/null 2>&1; check "usage: db without migrate" "$?" 64

# --- schema --------------------------------------------------------------
newdb corpus
f1=tests/fixtures/summary/r1-google-example.com.json
out=$(tl ingest "$f1" 2>&1); check "schema: ingest before migrate exits 78" "$?" 78
check_has "schema: message names the fix" "$out" "tlsrpt db migrate"
out=$(tl db migrate 2>&1); check "migrate: first run exit" "$?" 0
check_has "migrate: first run applies" "$out" "applied "
out=$(tl db migrate 2>&1); check "migrate: idempotent" "$?:$out" "0:schema is up to date"
out=$("$BIN" --db "host=$T/nowhere dbname=x" ingest "$f1" 2>&1)
check "db unreachable: ingest exits 75" "$?" 75
out=$("$BIN" --db "host=$T/nowhere dbname=x" summary 2>&1)
check "db unreachable: summary exits 75" "$?" 75

# --- the real corpus (MANIFEST.tsv gives the expected values) -------------
# MANIFEST.tsv has empty fields: turn tabs into | (not IFS whitespace,
# so read keeps empty fields)
manifest() { awk -F'\t' 'NR > 1 { OFS = "|"; $1 = $1; print }' "$CORPUS/MANIFEST.tsv"; }
files=() ; while IFS='|' read -r file _ _ _ _ _ form _; do
	case $form in json|gz) files+=("$CORPUS/$file") ;; esac
done < <(manifest)
check "corpus: 17 JSON and gzip files listed" "${#files[@]}" 17
out=$(tl ingest "${files[@]}" 2>&1); rc=$?
check "corpus: first ingest exit" "$rc" 0
while IFS='|' read -r file _ _ _ _ _ form org rid start end ptypes rtypes _; do
	case $form in json|gz) ;; *) continue ;; esac
	line=$(grep -F " $CORPUS/$file " <<<"$out")
	case $line in
	"stored $CORPUS/$file $rid"|"duplicate $CORPUS/$file $rid") pass=$((pass + 1)) ;;
	*) fail=$((fail + 1)); echo "FAIL corpus: $file line: $line" ;;
	esac
	got=$(sql "SELECT organization_name || '|' || end_raw || '|' ||
	    (SELECT string_agg(policy_type, ',' ORDER BY idx) FROM policy p WHERE p.report_id = r.id) || '|' ||
	    coalesce((SELECT string_agg(DISTINCT result_type, ',') FROM failure_detail f WHERE f.report_id = r.id), '')
	    FROM report r WHERE report_id = \$\$$rid\$\$ AND start_raw = '$start'")
	check "corpus: $file stored values" "$got" "$org|$end|$ptypes|$rtypes"
done < <(manifest)
# marcbradshaw report.json and report.json.gz are the same report
check "corpus: one duplicate in the set" "$(grep -c '^duplicate ' <<<"$out")" 1
counts() { sql "SELECT (SELECT count(*) FROM report) || ' ' || (SELECT count(*) FROM policy) || ' ' || (SELECT count(*) FROM failure_detail)"; }
before=$(counts)
check "corpus: 16 reports stored" "${before%% *}" 16
check "corpus: raw bytes kept with their sha256" \
    "$(sql "SELECT count(*) FROM report WHERE raw_sha256 = sha256(raw)")" 16
out=$(tl ingest "${files[@]}" 2>&1); rc=$?
check "corpus: second ingest exit" "$rc" 0
check "corpus: second ingest all duplicates" "$(grep -c '^duplicate ' <<<"$out")" 17
check "corpus: second ingest adds no rows" "$(counts)" "$before"
check "corpus: Microsoft nested TLSA flattened" \
    "$(sql "SELECT array_length(policy_string, 1) FROM policy p JOIN report r ON r.id = p.report_id WHERE r.report_id = '133925885310113267+random.net' AND policy_type = 'tlsa'")" 2
check "corpus: Microsoft time without offset flagged" \
    "$(sql "SELECT 'time-no-offset' = ANY(flags) FROM report WHERE report_id = '133561180919336230+example.com'")" t
out=$(tl ingest - <"$f1" 2>&1)
check "stdin: shown as -" "$out" "stored - 2026-03-01T00:00:00Z_example.com"
out=$(tl reparse 2>&1); check "reparse: all reparsed" "$?:$out" "0:reparsed 17 report(s), 0 failed"
check "reparse: same rows" "$(counts)" "$(echo "$before" | awk '{print 17, $2 + 1, $3 + 3}')"

# --- hostile and broken inputs: rejected with a reason, nothing stored ----
B=$T/bad; mkdir -p "$B"
head -c 150 "$CORPUS/Neztore__tls-rpt-monitor/microsoft-report.json.gz" >"$B/truncated.json.gz"
head -c 67108864 /dev/zero | gzip -c >"$B/bomb.json.gz"
{ printf '{"a":'; for _ in $(seq 500); do printf '['; done; for _ in $(seq 500); do printf ']'; done; printf '}'; } >"$B/deep.json"
printf '{"organization-name":"Bad \xff\xfe UTF","date-range":{"start-datetime":"2026-03-01T00:00:00Z","end-datetime":"2026-03-01T23:59:59Z"},"report-id":"x","policies":[]}' >"$B/badutf8.json"
sed 's/"organization-name":"Google Inc.",//' "$f1" >"$B/no-org.json"
sed 's/"report-id":"[^"]*",//' "$f1" >"$B/no-report-id.json"
sed 's/"date-range":{[^}]*},//' "$f1" >"$B/no-date-range.json"
sed 's/"total-successful-session-count":100/"total-successful-session-count":-100/' "$f1" >"$B/negative.json"
sed 's/"failed-session-count":3/"failed-session-count":"3"/' "$f1" >"$B/string-count.json"
sed 's/"policies":\[\(.*\)\]}$/"policies":\1}/' "$f1" >"$B/policies-object.json"
sed 's/"contact-info":"[^"]*",/"contact-info":"a","contact-info":"b",/' "$f1" >"$B/dupkey.json"
printf 'hello, this is not a report\n' >"$B/text.txt"
: >"$B/empty.json"
before=$(counts)
for f in "$B"/*; do
	out=$(tl ingest "$f" 2>&1); rc=$?
	check "bad input $(basename "$f"): exit 65" "$rc" 65
	check_has "bad input $(basename "$f"): rejected with a reason" "$out" "rejected $f "
done
check_has "bad input: bomb reason" "$(tl ingest "$B/bomb.json.gz")" "larger than"
check_has "bad input: deep reason" "$(tl ingest "$B/deep.json")" "nesting"
check_has "bad input: missing field named" "$(tl ingest "$B/no-org.json")" "organization-name"
check_has "bad input: negative count named" "$(tl ingest "$B/negative.json")" "total-successful-session-count"
out=$(tl ingest "$T/does-not-exist.json" 2>&1); check "unreadable file: exit 65" "$?" 65
check_has "unreadable file: rejected" "$out" "rejected $T/does-not-exist.json cannot open"
check "bad inputs: no rows stored" "$(counts)" "$before"
check "bad inputs: operator's files left in place" "$(ls "$B" | wc -l)" 13
sed 's/_example.com/_mixed.example.com/' "$f1" >"$T/good.json"
out=$(tl ingest "$B/negative.json" "$T/good.json" 2>&1); rc=$?
check "mixed batch: exit 65" "$rc" 65
check_has "mixed batch: good one stored" "$out" "stored $T/good.json 2026-03-01T00:00:00Z_mixed.example.com"

# --- summary on a hand-built set with hand-computed answers --------------
newdb sum "example.com, example.net"
tl db migrate >/dev/null
out=$(tl ingest tests/fixtures/summary/r*.json 2>&1); rc=$?
check "summary set: ingest exit" "$rc" 0
check_has "summary set: foreign report" "$out" "foreign tests/fixtures/summary/r6-foreign.json other.org"
check "summary set: 9 stored" "$(grep -c '^stored ' <<<"$out")" 9
check "summary: March (json)" "$(tl summary --from 2026-03-01 --to 2026-03-31 --format json)" \
    "$(cat tests/fixtures/summary/expected-march.json)"
check "summary: all time (json)" "$(tl summary --format json)" "$(cat tests/fixtures/summary/expected-all.json)"
check "summary: --domain (normalised)" "$(tl summary --domain Example.NET. --from 2026-03-01 --to 2026-03-31 --format json | grep -o '"domain":"[^"]*"' | tr '\n' ' ')" '"domain":"example.net" '
check "summary: empty range" "$(tl summary --from 2020-01-01 --to 2020-01-31 --format json)" '{"from":"2020-01-01","to":"2020-01-31","domains":[]}'
csv=$(tl summary --from 2026-03-01 --to 2026-03-31 --format csv | tr -d '\r')
check_has "summary: csv total row" "$csv" '"example.com",total,,4,207,9,'
check_has "summary: csv outcome row" "$csv" '"example.net",outcome,"dane-required",,,,2'
check_has "summary: csv source row" "$csv" '"example.com",source,"Google Inc.",1,100,4,'
txt=$(tl summary --from 2026-03-01 --to 2026-03-31)
check_has "summary: text names the domain and totals" "$txt" "example.com: 4 report(s), 207 successful and 9 failed session(s)"

# --- foreign, then ours after "domains" changed and reparse ---------------
printf 'database = %s\ndomains = other.org\n' "$DB" >"$T/other.conf"
out=$("$BIN" -c "$T/other.conf" reparse 2>&1); check "reparse after domains change" "$?" 0
got=$("$BIN" -c "$T/other.conf" summary --format json | grep -o '"domain":"[^"]*","reports":[0-9]*' | tr '\n' ' ')
check "reparse: other.org now counted (r6 + the other.org half of r7)" "$got" '"domain":"other.org","reports":2 '
check "reparse: verdicts decided again" "$(sql "SELECT verdict, count(*) FROM report GROUP BY 1 ORDER BY 1" | tr '\n' ' ')" "accepted|2 foreign|8 "

# --- the home domain: Postfix's reporter and a hosted DANE MX ------------
# ../shared/corpus/postfix-reporter: what sys4's reporter really sent; its
# README gives the figures (tlsrpt-test.example 60/19 with the DANE MX host
# mx2.tlsrpt-test.example 12/4 inside; the idx2 report of moved.* 5/1)
PFR=${TLSRPT_POSTFIX_CORPUS:-$CORPUS/../postfix-reporter}
newdb home "tlsrpt-test.example, example.org"
tl db migrate >/dev/null
out=$(tl ingest "$PFR"/https-*.json.gz tests/fixtures/home/hosted-dane-mx.json 2>&1)
check "home: all stored" "$(grep -c '^stored ' <<<"$out")" 4
json=$(tl summary --format json)
check_has "home: Postfix, the MX host's sessions inside the domain" "$json" \
    '{"domain":"tlsrpt-test.example","reports":1,"successful_sessions":60,"failed_sessions":19,'
check_has "home: Postfix, its DANE MX host listed" "$json" \
    '"dane_mx":[{"host":"mx2.tlsrpt-test.example","reports":1,"successful_sessions":12,"failed_sessions":4}]'
check "home: no row of its own for the MX host" "$(grep -c '"domain":"mx2.tlsrpt-test.example"' <<<"$json")" 0
check_has "home: a domain without DANE MX hosts has no dane_mx" "$json" \
    '{"domain":"quiet.tlsrpt-test.example","reports":1,"successful_sessions":20,"failed_sessions":0,"outcomes":[{"outcome":"success","sessions":20}],"sources":[{"organization":"Peer Test Sender Org","reports":1,"successful_sessions":20,"failed_sessions":0}]}'
check_has "home: no-policy-found counts for the report-id's domain" "$json" \
    '{"domain":"moved.tlsrpt-test.example","reports":1,"successful_sessions":5,"failed_sessions":1,'
check_has "home: hosted DANE MX, ours by the report-id" "$json" \
    '{"domain":"example.org","reports":1,"successful_sessions":41,"failed_sessions":3,'
check_has "home: hosted DANE MX listed" "$json" \
    '"dane_mx":[{"host":"example-org.mail.protection.outlook.com","reports":1,"successful_sessions":41,"failed_sessions":3}]'
check_has "home: all 11 result types of the Postfix report" "$json" \
    '{"outcome":"success","sessions":60},{"outcome":"certificate-expired","sessions":4},{"outcome":"starttls-not-supported","sessions":3},{"outcome":"certificate-host-mismatch","sessions":2},{"outcome":"sts-policy-fetch-error","sessions":2},{"outcome":"tlsa-invalid","sessions":2},{"outcome":"certificate-not-trusted","sessions":1},{"outcome":"dane-required","sessions":1},{"outcome":"dnssec-invalid","sessions":1},{"outcome":"sts-policy-invalid","sessions":1},{"outcome":"sts-webpki-invalid","sessions":1},{"outcome":"validation-failure","sessions":1}]'
csv=$(tl summary --format csv | tr -d '\r')
check_has "home: csv DANE MX row" "$csv" '"tlsrpt-test.example",dane_mx,"mx2.tlsrpt-test.example",1,12,4,'
txt=$(tl summary --domain tlsrpt-test.example)
check_has "home: text DANE MX section" "$txt" "DANE MX host (in the figures)"
check_has "home: text DANE MX line" "$txt" "  mx2.tlsrpt-test.example             1          12           4"
out=$(tl summary --domain mx2.tlsrpt-test.example --format json)
check "home: the MX host is no domain of its own" "$out" '{"from":null,"to":null,"domains":[]}'
printf 'database = %s\ndomains = outlook.com\n' "$DB" >"$T/provider.conf"
"$BIN" -c "$T/provider.conf" reparse >/dev/null 2>&1
check "home: the provider's name alone does not make a report ours" \
    "$(sql "SELECT verdict FROM report WHERE report_id = '134090000000000001+example.org'")" foreign
out=$(tl reparse 2>&1); check "home: reparse back" "$?" 0
# rows stored before migration 003: no home domain, no DANE MX marks
sql "UPDATE report SET home_domain = NULL; UPDATE policy SET dane_mx = false" >/dev/null
check_has "home: old rows count each policy for its own domain" "$(tl summary --format json)" '"domain":"mx2.tlsrpt-test.example"'
check "home: db migrate names the fix" "$(tl db migrate 2>&1)" \
    'schema is up to date
4 stored report(s) predate the current counting rules: run "tlsrpt reparse"'
out=$(tl reparse 2>&1); check "home: reparse applies the rules" "$?:$out" "0:reparsed 4 report(s), 0 failed"
check "home: after reparse, the figures of the rules" "$(tl summary --format json)" "$json"
check "home: db migrate is quiet again" "$(tl db migrate 2>&1)" "schema is up to date"
sql "UPDATE report SET content_sha256 = NULL WHERE id = (SELECT min(id) FROM report)" >/dev/null
check_has "home: a report without a content digest (before 005) predates them too" "$(tl db migrate 2>&1)" \
    '1 stored report(s) predate the current counting rules'
tl reparse >/dev/null 2>&1
out=$(tl ingest tests/fixtures/home/hosted-dane-mx.json 2>&1)
check "home: a copy is a duplicate" "$out" "duplicate tests/fixtures/home/hosted-dane-mx.json 134090000000000001+example.org"
printf 'database = %s\ndomains = example.net\n' "$DB" >"$T/net.conf"
sed 's/134090000000000001/134090000000000002/' tests/fixtures/home/hosted-dane-mx.json >"$T/hosted2.json"
check "home: foreign names the home domain" "$("$BIN" -c "$T/net.conf" ingest "$T/hosted2.json" 2>&1)" \
    "foreign $T/hosted2.json example.org"

# --- hostile reports (the security issue) --------------------------------
newdb hostile "example.com"
tl db migrate >/dev/null
R=$T/hostile; mkdir -p "$R"
# mk FILE ORG RID DOMAIN OK BAD - a report for one sts policy
mk() { printf '{"organization-name":"%s","date-range":{"start-datetime":"2026-11-18T00:00:00Z","end-datetime":"2026-11-18T23:59:59Z"},"contact-info":"x@example.org","report-id":"%s","policies":[{"policy":{"policy-type":"sts","policy-domain":"%s"},"summary":{"total-successful-session-count":%s,"total-failure-session-count":%s}%s}]}' \
    "$2" "$3" "$4" "$5" "$6" "${7:-}" >"$1"; }
# 1. counts at the bigint maximum: stored, flagged, and the summary works
mk "$R/big1.json" "Huge" "big-1" example.com 9223372036854775807 1
mk "$R/big2.json" "Huge" "big-2" example.com 9223372036854775807 1
out=$(tl ingest "$R/big1.json" "$R/big2.json" 2>&1); check "hostile: huge counts stored" "$?:$(grep -c '^stored' <<<"$out")" "0:2"
for f in text json csv; do tl summary --format $f >/dev/null 2>&1; check "hostile: summary $f works over huge counts" "$?" 0; done
check_has "hostile: the totals saturate, the share is right" "$(tl summary)" \
    "example.com: 2 report(s), 9223372036854775807 successful and 2 failed session(s) (0.0% failed)"
# 3. a 1 MB organization-name: refused by the decoder, naming the field
mk "$R/long.json" "$(head -c 1048576 /dev/zero | tr '\0' a)" "long-1" example.com 1 0
out=$(tl ingest "$R/long.json" 2>&1); check "hostile: 1 MB organization-name exit" "$?" 65
check "hostile: refused naming the field" "$out" "rejected $R/long.json organization-name longer than 1024 bytes"
# 8. a policy-domain that is no host name counts for no one
mk "$R/evil.json" "Evil" "evil-1" '\u001b[31m=evil\".example.com' 1000 0
out=$(tl ingest "$R/evil.json" 2>&1)
check "hostile: no host name, no home domain: foreign" "$out" "foreign $R/evil.json (unknown)"
check "hostile: kept, flagged" "$(sql "SELECT 'domain-invalid' = ANY(flags) FROM report WHERE report_id = 'evil-1'")" t
check "hostile: no summary row for it" "$(tl summary --format json | grep -c 'evil')" 0
# 6. a forged copy first, the genuine one later: kept beside it
mk "$R/forged.json" "Google Inc." "2026-11-18T00:00:00Z_example.com" example.com 1000 0
mk "$R/genuine.json" "Google Inc." "2026-11-18T00:00:00Z_example.com" example.com 950 50 \
    ',"failure-details":[{"result-type":"certificate-expired","failed-session-count":50}]'
check "hostile: forged first" "$(tl ingest "$R/forged.json" 2>&1)" "stored $R/forged.json 2026-11-18T00:00:00Z_example.com"
out=$(tl ingest "$R/genuine.json" 2>&1); rc=$?
check "hostile: the genuine copy is kept, exit 0" "$rc:$out" "0:conflict $R/genuine.json 2026-11-18T00:00:00Z_example.com"
check "hostile: its bytes are there" "$(sql "SELECT octet_length(raw) || ' ' || encode(raw_sha256, 'hex') FROM report_conflict")" \
    "$(wc -c <"$R/genuine.json") $(sha256sum "$R/genuine.json" | cut -d' ' -f1)"
gzip -c "$R/genuine.json" >"$R/genuine.json.gz"
check "hostile: the same content gzip'd is a duplicate" "$(tl ingest "$R/genuine.json.gz" 2>&1)" \
    "duplicate $R/genuine.json.gz 2026-11-18T00:00:00Z_example.com"
check_has "hostile: the summary counts the conflicted report" "$(tl summary)" \
    "  1 report(s) with conflicting copies (kept, not counted)"
check_has "hostile: json" "$(tl summary --format json)" '"conflicted_reports":1}'
check_has "hostile: csv" "$(tl summary --format csv | tr -d '\r')" '"example.com",conflicted,,1,,,'
check_has "hostile: the first copy keeps counting" "$(tl summary --format json)" \
    '{"organization":"Google Inc.","reports":1,"successful_sessions":1000,"failed_sessions":0}'
printf 'database = %s\ndomains = example.com\nmax_conflicts_per_report = 1\n' "$DB" >"$T/cap.conf"
mk "$R/third.json" "Google Inc." "2026-11-18T00:00:00Z_example.com" example.com 7 7
check "hostile: past max_conflicts_per_report, counted, not kept" \
    "$("$BIN" -c "$T/cap.conf" ingest "$R/third.json" 2>&1)" \
    "conflict $R/third.json not kept, too many: 2026-11-18T00:00:00Z_example.com"
check "hostile: counted" "$(sql "SELECT conflicts || '/' || conflicts_dropped FROM report WHERE report_id = '2026-11-18T00:00:00Z_example.com'")" "1/1"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
