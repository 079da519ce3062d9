#!/bin/bash
# digest.sh - black-box tests of "tlsrpt digest" against a real PostgreSQL
#
#   bash tests/digest.sh BINARY PGDIR DBPREFIX
#
# A crafted history around D = 2026-11-21 where each alert rule fires and
# stays quiet at its edges: a failure type last seen on the 30th day back
# (quiet) and on the 31st (fires), a domain with no reports in the window
# (quiet); a failed share of exactly 1 % (quiet) and just above with 11
# failures (fires), 9 failures (quiet), exactly 10 (fires); testing and
# none modes (listed, not counted); a reporter on 4 of the 7 days before
# (fires), on 3 (quiet), on 4 of which one is the 8th day back (quiet); a
# configured domain without a report on D (fires; never with "domains"
# empty).  alert_command gets exactly those; its failure does not stop
# the digest.  The message parses as MIME (tests/render/pages.py, Python's
# email module): headers, both parts UTF-8 quoted-printable, 7-bit, short
# lines; a Subject RFC 2047-encoded only when not ASCII; per-recipient
# messages hold only their domains; --send tries every recipient and
# exits with the first failing sendmail's status; a report that arrived
# after its day's digest is listed as late in the next one only.
# Prints "FAIL ..." lines and ends with "N passed, N failed".
set -u
BIN=$1 PGDIR=$2 P=$3
cd "$(dirname "$0")/.." || exit 1
. tests/pg.sh
. tests/check.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
PAGES="python3 tests/render/pages.py"
D=2026-11-21
day() { date -u -d "$D $1 days" +%F; }
mkdir -p "$T/in"
n=0
# rep ORG DOMAIN DAY OK FAILS [MODE] - a report; FAILS "type:n,type:n"
rep() {
	local fd="" bad=0 tc t c
	for tc in ${5//,/ }; do
		t=${tc%%:*}; c=${tc#*:}; bad=$((bad + c))
		fd="$fd${fd:+,}{\"result-type\":\"$t\",\"failed-session-count\":$c}"
	done
	n=$((n + 1))
	printf '{"organization-name":"%s","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"contact-info":"x@example.org","report-id":"r%d_%s","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: %s","mx: mx1.%s","max_age: 86400"],"policy-domain":"%s","mx-host":["mx1.%s"]},"summary":{"total-successful-session-count":%d,"total-failure-session-count":%d},"failure-details":[%s]}]}' \
	    "$1" "$3" "$3" "$n" "$2" "${6:-enforce}" "$2" "$2" "$2" "$4" "$bad" "$fd" >"$T/in/r$n.json"
}
A="Big Mail"
rep "$A" n1.test "$(day -30)" 100 certificate-expired:1
rep "$A" n1.test "$(day -31)" 100 starttls-not-supported:1
rep "$A" n1.test $D 100 certificate-expired:1,starttls-not-supported:1,validation-failure:1
rep "$A" n2.test $D 100 validation-failure:1
rep "$A" r1.test $D 990 certificate-expired:10
rep "$A" r2.test $D 989 certificate-expired:11
rep "$A" r3.test $D 91 certificate-expired:9
rep "$A" r4.test $D 90 certificate-expired:10
rep 'Evil <script>alert(1)</script>' t1.test $D 50 "" testing
rep "$A" t2.test $D 50 "" none
for k in -7 -5 -3 -1; do rep Regular q1.test "$(day $k)" 10 ""; done
for k in -6 -4 -2; do rep Regular q2.test "$(day $k)" 10 ""; done
for k in -8 -6 -4 -2; do rep Regular q3.test "$(day $k)" 10 ""; done
for q in q1 q2 q3; do rep Other $q.test $D 50 ""; done
rep Regular s1.test "$(day -1)" 10 ""
rep "$A" other.test $D 5 ""			# foreign
rep "Late Org" r3.test "$(day -2)" 5 certificate-expired:1	# late
late=$n
rep "Late Org" r3.test "$(day -3)" 5 certificate-expired:1	# in time
intime=$n
rep "Late Org" r3.test "$(day -4)" 5 certificate-expired:1	# the next one's
nextone=$n

pg_createdb "$PGDIR" "${P}_dig" >/dev/null
DB=$(pg_conninfo "$PGDIR" "${P}_dig")
DOMS="n1.test, n2.test, r1.test, r2.test, r3.test, r4.test, t1.test, t2.test, q1.test, q2.test, q3.test, s1.test"
# conf NAME EXTRA... - a config file $T/NAME.conf
conf() {
	local f=$T/$1.conf
	shift
	printf 'database = %s\ndomains = %s\n' "$DB" "$DOMS" >"$f"
	for l in "$@"; do printf '%s\n' "$l" >>"$f"; done
}
conf base
"$BIN" -c "$T/base.conf" db migrate >/dev/null
"$BIN" -c "$T/base.conf" ingest "$T"/in/*.json >/dev/null
psql -XAtq "$DB" -c "UPDATE report SET received_at = '$D 13:00:00+00' WHERE report_id = 'r${late}_r3.test';
    UPDATE report SET received_at = '$(day -1) 13:00:00+00' WHERE report_id = 'r${intime}_r3.test';
    UPDATE report SET received_at = '$(day 1) 13:00:00+00' WHERE report_id = 'r${nextone}_r3.test'"

# --- the alerts, through alert_command -------------------------------------
printf '#!/bin/sh\ncat >"%s"\n' "$T/alerts.json" >"$T/alert.sh"; chmod +x "$T/alert.sh"
conf alerts "alert_command = $T/alert.sh"
"$BIN" -c "$T/alerts.conf" digest --date $D >"$T/all.eml"
check "digest: exit" "$?" 0
got=$(python3 -c 'import json,sys
for a in json.load(open(sys.argv[1]))["alerts"]:
    print(a["rule"], a["domain"], a.get("result_type") or a.get("mode") or a.get("organization") or "-", a["counted"])' "$T/alerts.json" | sort)
want=$(sort <<'W'
new-failure-type n1.test starttls-not-supported True
new-failure-type n1.test validation-failure True
failure-rate r2.test - True
failure-rate r4.test - True
sts-testing t1.test testing False
sts-testing t2.test none False
reporter-quiet q1.test Regular True
no-reports s1.test - True
W
)
check "alerts: each rule fires, and stays quiet at its edges" "$got" "$want"
check_has "alerts: the numbers behind them" "$(cat "$T/alerts.json")" \
    '"rule":"failure-rate","domain":"r2.test","failed_sessions":11,"sessions":1000,'
check_py "digest MIME" $PAGES mail "$T/all.eml" \
    "subject=TLS reports $D: 11 domains, 98.3 % TLS, 6 alerts" \
    "has=n1.test: new failure type validation-failure, 1 failed session(s)" \
    "has=q1.test: Regular reported on 4 of the 7 days before" \
    "has=t1.test: MTA-STS policy in mode testing" \
    "has=&lt;script&gt;alert(1)&lt;/script&gt;" "htmlhasnot=<script>" \
    "has=Foreign reports (for no configured domain): 1" \
    "has=r3.test $(day -2) Late Org r${late}_r3.test, received $D 13:00" \
    "hasnot=r${intime}_r3.test" "hasnot=r${nextone}_r3.test" "html=$T/digest.html"
check "digest: To is postmaster by default" "$(grep -m1 '^To: ' "$T/all.eml")" "To: postmaster"
printf '#!/bin/sh\nexit 1\n' >"$T/fail.sh"; chmod +x "$T/fail.sh"
conf failcmd "alert_command = $T/fail.sh"
out=$("$BIN" -c "$T/failcmd.conf" digest --date $D 2>&1 >/dev/null)
check "alert_command failing: digest exit 0" "$?" 0
check_has "alert_command failing: logged" "$out" "alert_command $T/fail.sh failed (exit 1)"

# --- a Subject that is not ASCII ---------------------------------------------
conf utf8 "digest_subject = TLS-Berichte für Kunden"
"$BIN" -c "$T/utf8.conf" digest --date $D >"$T/utf8.eml"
check_py "digest RFC 2047" $PAGES mail "$T/utf8.eml" "rawsubject=Subject: =?UTF-8?Q?TLS-Berichte_f=C3=BCr" \
    "subject=TLS-Berichte für Kunden $D: 11 domains, 98.3 % TLS, 6 alerts"
check "digest: an ASCII Subject is not encoded" "$(grep -c '=?UTF-8' "$T/all.eml")" 0

# --- per recipient -----------------------------------------------------------
conf per "digest_to = ops@example.org" "digest_domain_to = r2.test:alice@example.org" \
    "digest_domain_to = q1.test:alice@example.org, n1.test:bob@example.org"
"$BIN" -c "$T/per.conf" digest --date $D >"$T/per.mbox"
check "per recipient: three messages" "$(grep -c '^From tlsrpt ' "$T/per.mbox")" 3
check_py "alice" $PAGES mail "$T/per.mbox" to=alice@example.org \
    "subject=TLS reports $D: 2 domains, 98.9 % TLS, 2 alerts" "has=r2.test" "has=q1.test" \
    "hasnot=n1.test" "hasnot=s1.test" "hasnot=Foreign reports"
check_py "bob" $PAGES mail "$T/per.mbox" to=bob@example.org \
    "subject=TLS reports $D: 1 domain, 97.0 % TLS, 2 alerts" "hasnot=r2.test"
check_py "ops" $PAGES mail "$T/per.mbox" to=ops@example.org "has=s1.test" "has=Foreign reports"
"$BIN" -c "$T/per.conf" digest --date $D --to one@example.org >"$T/one.eml"
check "--to: one message to that address" "$(grep -c '^To: ' "$T/one.eml") $(grep '^To: ' "$T/one.eml")" \
    "1 To: one@example.org"
"$BIN" -c "$T/per.conf" digest --date $D --to $'x\nBcc: y@example.org' >/dev/null 2>&1
check "--to with a line break: refused" "$?" 78

# --- --send: every recipient tried, the first failing status -----------------
cat >"$T/sendmail" <<SH
#!/bin/sh
f=\$(mktemp "$T/sent.XXXXXX"); printf '%s\n' "\$*" >"\$f.args"; cat >"\$f"
grep -q '^To: alice' "\$f" && exit 3
grep -q '^To: bob' "\$f" && exit 5
exit 0
SH
chmod +x "$T/sendmail"
conf send "sendmail = $T/sendmail" "digest_to = ops@example.org" \
    "digest_domain_to = r2.test:alice@example.org, n1.test:bob@example.org"
"$BIN" -c "$T/send.conf" digest --date $D --send >"$T/send.out" 2>&1
check "--send: the first failing sendmail's status" "$?" 3
check "--send: every message tried" "$(ls "$T"/sent.* | grep -vc args)" 3
check "--send: sendmail -t -i" "$(cat "$T"/sent.*.args | sort -u)" "-t -i"
check "--send: nothing on stdout" "$(grep -c '^From: ' "$T/send.out")" 0
rm -f "$T"/sent.*
conf sendok "sendmail = $T/sendmail" "digest_to = ops@example.org"
"$BIN" -c "$T/sendok.conf" digest --date $D --send >/dev/null 2>&1
check "--send: 0 when all succeeded" "$?" 0

# --- no data, and no domains configured --------------------------------------
printf 'database = %s\n' "$DB" >"$T/empty.conf"
"$BIN" -c "$T/empty.conf" digest --date 2020-01-01 >"$T/empty.eml"
check_py "empty" $PAGES mail "$T/empty.eml" "subject=TLS reports 2020-01-01: no reports, 0 alerts" \
    "has=No reports for this day."
printf 'database = %s\ndigest_when_empty = skip\n' "$DB" >"$T/skip.conf"
check "digest_when_empty = skip: nothing" "$("$BIN" -c "$T/skip.conf" digest --date 2020-01-01 | wc -c)" 0
printf 'database = %s\nalert_command = %s\n' "$DB" "$T/alert.sh" >"$T/nodom.conf"
"$BIN" -c "$T/nodom.conf" digest --date $D >/dev/null
check "domains empty: never no-reports" "$(grep -c no-reports "$T/alerts.json")" 0
"$BIN" -c "$T/base.conf" digest --date 2026-02-30 >/dev/null 2>&1
check "digest: an impossible date is a usage error" "$?" 64
printf 'alert_failure_rate = 1,5\n' >"$T/badrate.conf"
"$BIN" -c "$T/badrate.conf" -n >/dev/null 2>&1
check "alert_failure_rate not a number: exit 78" "$?" 78
printf 'digest_domain_to = alice@example.org\n' >"$T/baddt.conf"
"$BIN" -c "$T/baddt.conf" -n >/dev/null 2>&1
check "digest_domain_to without a domain: exit 78" "$?" 78
# the HTML part for the browser test (tests/browser.sh) when asked
[ -n "${TLSRPT_DIGEST_HTML:-}" ] && cp "$T/digest.html" "$TLSRPT_DIGEST_HTML"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
