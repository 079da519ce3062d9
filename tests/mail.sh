#!/bin/bash
# mail.sh - the mail doors (ingest-mail, ingest-mbox, ingest-maildir) and
# "tlsrpt quarantine", black box, against a real PostgreSQL
#
#   bash tests/mail.sh BINARY PGDIR DBPREFIX
#
# Mails are built by tests/mail/mkmail.py and signed by an independent
# signer (Debian's python3-dkim: tests/mail/dkim_sign.py) with keys made
# here (openssl); the keys reach the gate from a keys file or from a fake
# DNS server (tests/mail/fake_dns.py).  The HTTPS copy of a report comes
# through a real "tlsrpt serve" (curl).  Checks the verdicts, exit codes
# (0 or 75 only for ingest-mail), what is stored (proof, authentication,
# message, flags), the quarantine and its commands, the corpus's real
# mails, and mbox and Maildir imports.  Ends with "N passed, N failed".
# (The gate's rules one by one: tests/unit/test_dkim.c; a real Postfix:
# tests/postfix.sh.)
set -u
BIN=$(realpath "$1") PGDIR=$2 P=$3
cd "$(dirname "$0")/.." || exit 1
. tests/pg.sh
CORPUS=${TLSRPT_CORPUS:?}
PY=/usr/bin/python3
T=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	pg_start "$PGDIR" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
. tests/check.sh

pg_createdb "$PGDIR" "${P}_mail" >/dev/null
DB=$(pg_conninfo "$PGDIR" "${P}_mail")
sql() { psql -XAtq "$DB" -c "$1"; }
"$BIN" --db "$DB" db migrate >/dev/null
R1=tests/fixtures/summary/r1-google-example.com.json

# --- keys: one pair, published under selectors that differ in s= --------
for k in k1 k2; do openssl genrsa -traditional -out "$T/$k.pem" 2048 2>/dev/null; done
pub() { openssl rsa -in "$T/$1.pem" -pubout -outform DER 2>/dev/null | base64 -w0; }
P1=$(pub k1)
{ echo "plain._domainkey.example.net v=DKIM1; k=rsa; p=$P1"
  echo "tlsrpt._domainkey.example.net v=DKIM1; k=rsa; s=tlsrpt; p=$P1"
  echo "email._domainkey.example.net v=DKIM1; k=rsa; s=email; p=$P1"
  echo "plain._domainkey.evil.test v=DKIM1; k=rsa; p=$P1"
  echo "plain._domainkey.servfail.example.org v=DKIM1; k=rsa; p=$P1"
} >"$T/keys.txt"
printf 'database = %s\ndomains = example.com\ndkim_keys_file = %s\n' "$DB" "$T/keys.txt" >"$T/mail.conf"

# mail NAME [mkmail key=value ...] - $T/NAME.eml, unsigned
mail() { n=$1; shift; $PY tests/mail/mkmail.py "$T/$n.eml" "$R1" "$@"; }
# sign NAME DOMAIN SELECTOR [KEY [OPTS]] - sign $T/NAME.eml in place
sign() { echo "$T/$1.eml $T/$1.eml $T/${4:-k1}.pem $2 $3 ${5:-}" | $PY tests/mail/dkim_sign.py; }
# im NAME [ARGS] - ingest-mail of $T/NAME.eml; print the exit status; the
# output is in $T/NAME.out (and appended to $T/all.out)
im() { n=$1; shift; "$BIN" -c "${CONF:-$T/mail.conf}" ingest-mail "$@" <"$T/$n.eml" >"$T/$n.out" 2>&1; rc=$?; cat "$T/$n.out" >>"$T/all.out"; echo $rc; }
# row RID - what is stored of report-id RID
row() { sql "SELECT transport || '|' || coalesce(proof, '-') || '|' || coalesce(authenticated, '-') || '|' || array_to_string(arrival_flags, ',') FROM report WHERE report_id = '$1' ORDER BY id"; }

# --- proven, duplicate, and what is stored ------------------------------
mail ok report_id=m-ok; sign ok example.net plain
check "signed, aligned: exit 0" "$(im ok -q 4Q1 -s reporter@example.net)" 0
check_has "signed: the log line" "$(cat "$T/ok.out")" \
    'mail 4Q1 reporter@example.net message-id="<m-ok@example.net>" from="noreply@example.net" verdict=stored reason="m-ok" dkim="pass d=example.net s=plain"'
check "signed: stored with its proof, no flag" "$(row m-ok)" "mail|example.net|dkim d=example.net s=plain|"
check "signed: the whole message kept, gzip" "$(sql "SELECT m.dkim || '|' || m.message_id || '|' || (substring(m.message_gz from 1 for 2) = '\\x1f8b'::bytea) FROM report_message m JOIN report r ON r.id = m.report_id WHERE r.report_id = 'm-ok'")" \
    "pass d=example.net s=plain|<m-ok@example.net>|true"
check "signed: the report part is the raw, as received (gzip)" "$(sql "SELECT substring(raw from 1 for 2) = '\\x1f8b'::bytea FROM report WHERE report_id = 'm-ok'")" t
check "the same mail again: exit 0" "$(im ok)" 0
check_has "the same mail again: duplicate" "$(cat "$T/ok.out")" "verdict=duplicate"
check "the same mail again: one row" "$(sql "SELECT count(*) FROM report WHERE report_id = 'm-ok'")" 1
mail sj report_id=m-subject subject="Report Domain: example.com Submitter: example.net Report-ID: <other@example.net>" domain=example.org; sign sj example.net plain
check "headers against the report: flagged, stored" "$(im sj; row m-subject)" "0
mail|example.net|dkim d=example.net s=plain|header-report-domain-differs,subject-report-id-differs"
mail lf report_id=m-lf; sign lf example.net plain "" lf
check "bare LF line ends: stored" "$(im lf; grep -o 'verdict=[a-z]*' "$T/lf.out")" "0
verdict=stored"
mail tl report_id=m-tlsrpt; sign tl example.net tlsrpt
check "s=tlsrpt key: stored" "$(im tl; grep -o 'verdict=[a-z]*' "$T/tl.out")" "0
verdict=stored"
printf 'dkim_require_tlsrpt_key = yes\n' | cat "$T/mail.conf" - >"$T/req.conf"
mail rq report_id=m-req; sign rq example.net plain
check "dkim_require_tlsrpt_key = yes, no s=: quarantined" "$(CONF=$T/req.conf im rq; grep -o 'verdict=[a-z]*' "$T/rq.out")" "0
verdict=quarantined"

# --- not proven: the whole message to the quarantine, exit 0 ------------
q() { im "$1" >/dev/null; sed -n 's/.*verdict=\([a-z-]*\) reason="\([^"]*\)".*/\1: \2/p' "$T/$1.out"; }
mail uns report_id=m-unsigned
check "unsigned: quarantined" "$(q uns)" "quarantined: not authentic (R50): no DKIM signature"
mail em report_id=m-email; sign em example.net email
check "s=email key: quarantined" "$(q em)" "quarantined: not authentic (R50): d=example.net s=email: the key's s= allows neither * nor tlsrpt"
mail l report_id=m-l; sign l example.net plain k1 l
check "l=: quarantined" "$(q l)" "quarantined: not authentic (R50): d=example.net s=plain: l= (partial body) signatures do not count"
mail bh report_id=m-bh; sign bh example.net plain; printf 'a footer added on the way\r\n' >>"$T/bh.eml"
check "body changed: quarantined" "$(q bh)" "quarantined: not authentic (R50): d=example.net s=plain: body hash mismatch"
mail un report_id=m-unaligned from=noreply@example.org submitter=example.org contact=tls@example.org; sign un example.net plain
check "d= not aligned: quarantined" "$(q un)" "quarantined: not authentic (R50): d=example.net s=plain: d= not aligned with From, TLS-Report-Submitter or contact-info"
mail sub report_id=m-submitter from=reports@mailer.example.org submitter=example.net; sign sub example.net plain
check "aligned by TLS-Report-Submitter only: stored" "$(q sub)" "stored: m-submitter"
mail con report_id=m-contact from=reports@mailer.example.org submitter=mailer.example.org contact=tlsrpt@reports.example.net; sign con example.net plain
check "aligned by contact-info only: stored" "$(q con)" "stored: m-contact"
check "quarantined: the whole messages, with the gate's result" "$(sql "SELECT count(*) || '|' || bool_and(position('TLS-Report-Domain' in convert_from(raw, 'UTF8')) > 0) || '|' || bool_and(dkim IS NOT NULL) FROM quarantine WHERE transport = 'mail'")" "6|true|true"
check "quarantined: nothing stored of them" "$(sql "SELECT count(*) FROM report WHERE report_id IN ('m-unsigned', 'm-email', 'm-l', 'm-bh', 'm-unaligned', 'm-req')")" 0

# --- no report, malformed ----------------------------------------------
printf 'From: cron@example.org\r\nTo: tlsrpt@reports.test\r\nSubject: cron\r\n\r\nhello\r\n' >"$T/cron.eml"
check "other mail: no report, exit 0" "$(q cron)" "no-report: no report part"
mail dm part=dmarc subject="Report Domain: example.com Submitter: example.net Report-ID: <17>"
check_has "a DMARC report (same Subject form): no report, not kept" "$(q dm)" "no-report: no report part (invalid JSON"
mail np report_id=m-none part=none; sign np example.net plain
check "TLS-Report headers but no report part: quarantined" "$(q np)" "quarantined: no report part"
mail gb report_id=m-garbage part=garbage; sign gb example.net plain
check_has "a declared report part that does not decode: quarantined as malformed" "$(q gb)" "quarantined: malformed report (application/tlsrpt+gzip, file name): "
check "no report, malformed: 2 more in the quarantine, the cron and DMARC mails not" "$(sql "SELECT count(*) FROM quarantine WHERE transport = 'mail'")" 8

# --- exit status: 0 or 75, never a bounce ----------------------------
check "unknown option: 75" "$(im ok --bogus)" 75
check "missing configuration file: 75" "$("$BIN" -c "$T/nonexistent.conf" ingest-mail <"$T/ok.eml" >/dev/null 2>&1; echo $?)" 75
printf 'no_such_key = 1\n' >"$T/bad.conf"
check "unknown key in the configuration: 75" "$("$BIN" -c "$T/bad.conf" ingest-mail <"$T/ok.eml" >/dev/null 2>&1; echo $?)" 75
check "unreadable keys file: 75" "$(im ok --dkim-keys "$T/nonexistent.keys")" 75
check "the same mistake for another command is still 64" "$("$BIN" -c "$T/mail.conf" ingest-mbox --bogus >/dev/null 2>&1; echo $?)" 64
mail down report_id=m-down; sign down example.net plain
pg_stop "$PGDIR"
check "database down: 75 (Postfix keeps it queued)" "$(im down)" 75
check_has "database down: said so" "$(cat "$T/down.out")" "verdict=unavailable"
check "database down, not proven: 75 too (the quarantine is in the database)" "$(im uns)" 75
pg_start "$PGDIR"
check "database back: the deferred mail is stored" "$(q down)" "stored: m-down"
check "no line starts with a Postfix status (4.x.x / 5.x.x)" "$(grep -cE '^[45]\.' "$T/all.out")" 0

# --- trust_authres: our own MTA's dkim=pass, for keys rotated away --------
mail ar report_id=m-authres; sign ar example.net gone
sed -i '1i Authentication-Results: mx.reports.test;\r\n dkim=pass (2048-bit key) header.d=example.net header.s=gone header.b=abc;\r\n spf=pass smtp.mailfrom=example.net\r' "$T/ar.eml"
check "a dkim=pass of our authserv-id, trust_authres unset: quarantined" "$(q ar)" "quarantined: not authentic (R50): d=example.net s=gone: no key in the keys file"
printf 'trust_authres = mx.reports.test\n' | cat "$T/mail.conf" - >"$T/ar.conf"
check "trust_authres = our authserv-id: stored" "$(CONF=$T/ar.conf q ar)" "stored: m-authres"
check "trust_authres: recorded as such" "$(row m-authres)" "mail|example.net|dkim d=example.net s=gone (Authentication-Results)|dkim-authres"
mail ar2 report_id=m-authres2; sign ar2 example.net gone
sed -i '1i Authentication-Results: mx.elsewhere.test; dkim=pass header.d=example.net header.s=gone\r' "$T/ar2.eml"
check "another authserv-id: not trusted" "$(CONF=$T/ar.conf q ar2)" "quarantined: not authentic (R50): d=example.net s=gone: no key in the keys file"
mail ar3 report_id=m-authres3; sign ar3 example.net gone
sed -i '1i Authentication-Results: mx.reports.test; dkim=pass header.d=evil.test header.s=x\r' "$T/ar3.eml"
check "our authserv-id, but d= not aligned: quarantined" "$(CONF=$T/ar.conf q ar3)" "quarantined: not authentic (R50): d=example.net s=gone: no key in the keys file"
mail ar4 report_id=m-authres4; sign ar4 example.net gone
sed -i '1i Authentication-Results: mx.reports.test; dkim=fail header.d=example.net header.s=gone\r' "$T/ar4.eml"
check "our authserv-id, dkim=fail: quarantined" "$(CONF=$T/ar.conf q ar4 | cut -c1-11)" "quarantined"

# --- keys from DNS: the fake server; a DNS failure defers ----------------
$PY tests/mail/fake_dns.py "$T/dns.port" "$T/keys.txt" & pids+=($!)
for _ in $(seq 50); do [ -s "$T/dns.port" ] && break; sleep 0.1; done
printf 'database = %s\ndomains = example.com\ndkim_nameserver = 127.0.0.1:%s\nmail_timeout_seconds = 5\n' "$DB" "$(cat "$T/dns.port")" >"$T/dns.conf"
mail dns report_id=m-dns; sign dns example.net plain
check "key from DNS: stored" "$(CONF=$T/dns.conf q dns)" "stored: m-dns"
mail nx report_id=m-nxdomain; sign nx example.net nokey
check "no key in DNS: quarantined" "$(CONF=$T/dns.conf q nx)" "quarantined: not authentic (R50): d=example.net s=nokey: no key in DNS"
mail sf report_id=m-servfail from=noreply@servfail.example.org submitter=servfail.example.org; sign sf servfail.example.org plain
check "DNS SERVFAIL: 75" "$(CONF=$T/dns.conf im sf)" 75
check_has "DNS SERVFAIL: said so" "$(cat "$T/sf.out")" "verdict=unavailable"
mail si report_id=m-silent from=noreply@silent.example.org submitter=silent.example.org; sign si silent.example.org plain
check "DNS silent past mail_timeout_seconds: 75" "$(CONF=$T/dns.conf im si)" 75
check_has "the deadline: said so" "$(cat "$T/si.out")" "mail_timeout_seconds passed"

# --- identity: a proven copy supersedes the HTTPS one, keeps its id -------
. tests/serve.sh
serve_certs
start_server https ''
$PY - "$R1" "$T/h.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1])); r['report-id'] = 'm-https'
r['contact-info'] = 'smtp-tls-reporting@example.net'    # as mkmail.py
json.dump(r, open(sys.argv[2], 'w'))
EOF
check "HTTPS copy: 201" "$(post "$T/h.json" -o /dev/null)" 201
kill -TERM "$SPID"; wait "$SPID"
id=$(sql "SELECT id FROM report WHERE report_id = 'm-https'")
mail hm report_id=m-https; sign hm example.net plain
check "the mailed copy: superseded" "$(q hm)" "superseded: m-https"
check "superseded: the same id, now proven" "$(sql "SELECT id || '|' || transport || '|' || proof FROM report WHERE report_id = 'm-https'")" "$id|mail|example.net"
check "superseded: identical content, no conflict" "$(sql "SELECT conflicts FROM report WHERE id = $id")" 0
mail hm2 report_id=m-https
check "then an unauthenticated mail copy (dkim = off), identical: duplicate" "$(printf 'dkim = off\n' | cat "$T/mail.conf" - >"$T/off.conf"; CONF=$T/off.conf q hm2)" "duplicate: m-https"
mail hm3 report_id=m-https total=1
check "an unauthenticated differing copy: a conflict, never counted" "$(CONF=$T/off.conf q hm3)" "conflict: m-https"
mail c2 report_id=m-https total=2; sign c2 example.net plain
check "a second proven copy that differs: a conflict, kept" "$(q c2)" "conflict: m-https"
check "conflicts kept, the first proven copy counted" "$(sql "SELECT r.conflicts || '|' || (SELECT sum(total_successful) FROM policy WHERE report_id = r.id) || '|' || (SELECT string_agg(coalesce(c.proof, '-') || ':' || (c.message_gz IS NOT NULL), ',' ORDER BY c.id) FROM report_conflict c WHERE c.report_id = r.id) FROM report r WHERE id = $id")" \
    "2|100|-:true,example.net:true"
mail ev report_id=m-https from=noreply@evil.test submitter=evil.test contact=tls@evil.test total=999; sign ev evil.test plain
check "proven by another domain: a report of its own" "$(q ev)" "stored: m-https"
check "two reports, each with the domain that proved it" "$(sql "SELECT string_agg(proof || '=' || (SELECT sum(total_successful) FROM policy WHERE report_id = r.id), ',' ORDER BY proof) FROM report r WHERE report_id = 'm-https'")" \
    "evil.test=999,example.net=100"

# the report page says who proved it and how it came
"$BIN" -c "$T/mail.conf" render --out "$T/site" --from 2026-03-01 --to 2026-03-02 >/dev/null
page=$(cat "$T/site/r/$id.html" 2>/dev/null)
check_has "report page: proven by" "$page" "<dt>Proven by</dt><dd>example.net</dd>"
check_has "report page: the DKIM result of the kept mail" "$page" "<dt>DKIM (the mail is kept)</dt><dd>pass d=example.net s=plain</dd>"
check_has "report page: how it arrived" "$page" "<code>supersedes-unauthenticated</code>"
evil=$(sql "SELECT id FROM report WHERE report_id = 'm-https' AND proof = 'evil.test'")
check_has "another prover's report page: its own proof" "$(cat "$T/site/r/$evil.html" 2>/dev/null)" "<dt>Proven by</dt><dd>evil.test</dd>"

# --- tlsrpt quarantine --------------------------------------------------
Q() { "$BIN" -c "$T/mail.conf" quarantine "$@"; }
list=$(Q list)
check_has "quarantine list: the unsigned mail, with its DKIM result" "$list" "  mail  -  "
check_has "quarantine list: the conflicting copies" "$list" "conflicting copy of Google Inc. m-https"
check_has "quarantine list: every quarantined mail and conflicting copy" "$list" "$(sql "SELECT (SELECT count(*) FROM quarantine) + (SELECT count(*) FROM report_conflict)") kept"
check "quarantine list: 2 conflicting copies" "$(echo "$list" | grep -c '^c[0-9]')" 2
check_has "quarantine list: a conflicting copy's line" "$list" "  mail  -  492 bytes  conflicting copy of Google Inc. m-https  [dkim: off]"
qid=$(sql "SELECT 'q' || id FROM quarantine WHERE convert_from(raw, 'UTF8') LIKE '%Report-ID: <m-unsigned>%'")
show=$(Q show "$qid")
check_has "quarantine show: the reason" "$show" "reason: not authentic (R50): no DKIM signature"
check_has "quarantine show: the message, line by line" "$show" "TLS-Report-Domain: example.com"
check "quarantine show --raw: the bytes as kept" "$(Q show --raw "$qid" | cmp - "$T/uns.eml" && echo same)" same
check "quarantine release, still not proven: 65" "$(Q release "$qid" 2>"$T/rel.err"; echo $?)" 65
check_has "quarantine release, still not proven: why" "$(cat "$T/rel.err")" "not released: not authentic (R50): no DKIM signature"
check "quarantine release --force: stored" "$(Q release --force "$qid"; echo $?)" "released $qid: stored report $(sql "SELECT id FROM report WHERE report_id = 'm-unsigned'") m-unsigned (by hand, unauthenticated)
0"
check "released by hand: recorded, unauthenticated" "$(row m-unsigned)" "mail|-|released by hand|released-by-hand"
check "released: gone from the quarantine" "$(Q list | grep -c "^$qid ")" 0
# a mail quarantined for want of its key: released once the key is there
qnx=$(sql "SELECT 'q' || id FROM quarantine WHERE convert_from(raw, 'UTF8') LIKE '%Report-ID: <m-nxdomain>%'")
echo "nokey._domainkey.example.net v=DKIM1; k=rsa; p=$P1" >>"$T/keys.txt"
check_has "quarantine release once the key is known: proven, stored" "$(Q release "$qnx")" "released $qnx: stored report"
check "released, proven: with its proof" "$(row m-nxdomain)" "mail|example.net|dkim d=example.net s=nokey|"
cid=$(sql "SELECT 'c' || c.id FROM report_conflict c WHERE c.report_id = $id AND c.proof IS NULL")
check "quarantine release of a conflict without --replace: 64" "$(Q release "$cid" 2>/dev/null; echo $?)" 64
check "quarantine release --replace: the copy counts now" "$(Q release --replace "$cid")" "released $cid: now the counted content of report $id"
check "replaced: the report keeps its id, counts the copy" "$(sql "SELECT coalesce(proof, '-') || '|' || (SELECT sum(total_successful) FROM policy WHERE report_id = r.id) || '|' || array_to_string(arrival_flags, ',') FROM report r WHERE id = $id")" "-|1|replaced-by-hand"
check "replaced: the former content kept, marked by hand" "$(sql "SELECT count(*) FROM report_conflict WHERE report_id = $id AND replaced_by_hand IS NOT NULL AND proof = 'example.net'")" 1
check "quarantine show of no such row: 65" "$(Q show q999999 2>/dev/null; echo $?)" 65

# --- the corpus: real signatures with the real keys -------------------
printf 'database = %s\ndkim_keys_file = %s\n' "$DB" "$CORPUS/dkim-keys.txt" >"$T/real.conf"
real() { "$BIN" -c "${2:-$T/real.conf}" ingest-mail <"$CORPUS/$1" 2>&1 | sed -n 's/.*verdict=\([a-z-]*\) reason="\([^"]*\)".*/\1: \2/p'; }
check "real: Google 2024 (deltachat, CRLF)" "$(real deltachat__deltachat-core-rust/tlsrpt.eml)" "stored: 2024-01-20T00:00:00Z_nine.testrun.org"
check "real: Google (LF)" "$(real kravietz__tlsrpt-rs/google1.eml)" "stored: 2024-09-15T00:00:00Z_krvtz.net"
check "real: Google (CRLF)" "$(real kravietz__tlsrpt-rs/google2.eml)" "stored: 2024-09-18T00:00:00Z_krvtz.net"
check "real: Google 2020, s=20161025" "$(real marcbradshaw__mail-tls-rpt/email.eml)" "stored: 2020-03-02T00:00:00Z_fastmaildmarc.com"
check "real: mail.ru (d=corp.mail.ru, no close delimiter)" "$(real kravietz__tlsrpt-rs/mail.ru.eml)" "stored: c96d67df-0440-57f7-6e96-c83824d0fdf2@mail.ru"
check "real: Google through a gateway that altered the body" "$(real domainaware__parsedmarc/google.com_smtp_tls_report.eml)" \
    "quarantined: not authentic (R50): d=google.com s=20230601: body hash mismatch"
check "real: the five proven, with their registrable d=" "$(sql "SELECT string_agg(proof, ',' ORDER BY proof) || '|' || bool_and('dkim-expired' = ANY (arrival_flags) OR report_id LIKE '2020%') FROM report WHERE transport = 'mail' AND report_id IN ('2024-01-20T00:00:00Z_nine.testrun.org', '2024-09-15T00:00:00Z_krvtz.net', '2024-09-18T00:00:00Z_krvtz.net', '2020-03-02T00:00:00Z_fastmaildmarc.com', 'c96d67df-0440-57f7-6e96-c83824d0fdf2@mail.ru')")" \
    "google.com,google.com,google.com,google.com,mail.ru|true"
check "real: mail.ru's Submitter differs from its contact-info (flagged)" "$(sql "SELECT 'header-submitter-differs' = ANY (arrival_flags) FROM report WHERE report_id = 'c96d67df-0440-57f7-6e96-c83824d0fdf2@mail.ru'")" t
printf 'database = %s\ndkim = off\n' "$DB" >"$T/realoff.conf"
check "real, dkim = off: Microsoft (text/html part, Report-ID without brackets)" "$(real kravietz__tlsrpt-rs/microsoft1.eml "$T/realoff.conf")" "stored: 133708152202987951+krvtz.net"
check "real, dkim = off: recorded as such, unproven" "$(sql "SELECT coalesce(proof, '-') || '|' || authenticated || '|' || array_to_string(arrival_flags, ',') FROM report WHERE report_id = '133708152202987951+krvtz.net'")" "-|dkim off|dkim-off"
check "real: the cron mail is no report" "$(real kravietz__tlsrpt-rs/empty.eml)" "no-report: no report part"

# --- mbox and Maildir: every report found; again, all duplicates --------
mbox=$T/corpus.mbox
for f in "$CORPUS"/*/*.eml; do
	printf 'From MAILER-DAEMON Tue Dec  1 10:00:00 2026\n'
	sed 's/\r$//; s/^\(>*From \)/>\1/' "$f"; printf '\n'
done >"$mbox"
pg_createdb "$PGDIR" "${P}_mbox" >/dev/null
DB2=$(pg_conninfo "$PGDIR" "${P}_mbox")
"$BIN" --db "$DB2" db migrate >/dev/null
printf 'database = %s\ndkim = off\ndomains = krvtz.net\n' "$DB2" >"$T/mbox.conf"
out=$("$BIN" -c "$T/mbox.conf" ingest-mbox "$mbox"); rc=$?
check "mbox of the 11 corpus mails, dkim = off: exit 0" "$rc" 0
check "mbox: 10 reports (4 of krvtz.net), 1 other mail" "$(echo "$out" | awk '{print $1}' | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 6 foreign; 1 no-report; 4 stored;"
check "mbox: names are FILE:N" "$(echo "$out" | grep -c " $mbox:[0-9]* ")" 11
check "mbox: the report-ids of the manifest" "$(psql -XAtq "$DB2" -c "SELECT report_id FROM report" | sort | tr '\n' ' ')" \
    "$(awk -F'\t' '$7 == "eml" && $9 != "" {print $9}' "$CORPUS/MANIFEST.tsv" | sort | tr '\n' ' ')"
out=$("$BIN" -c "$T/mbox.conf" ingest-mbox "$mbox"); rc=$?
check "mbox again: all duplicates" "$(echo "$out" | awk '{print $1}' | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 10 duplicate; 1 no-report;"
md=$T/Maildir; mkdir -p "$md/cur" "$md/new" "$md/tmp"
i=0; for f in "$CORPUS"/*/*.eml; do i=$((i + 1)); cp "$f" "$md/$([ $((i % 2)) = 0 ] && echo cur || echo new)/$i.eml"; done
cp "$T/ok.eml" "$md/tmp/partial"
out=$("$BIN" -c "$T/mbox.conf" ingest-maildir "$md"); rc=$?
check "Maildir of the same mails: exit 0, all duplicates of the mbox's" "$rc $(echo "$out" | awk '{print $1}' | sort | uniq -c | tr -s ' ' | tr '\n' ';')" "0  10 duplicate; 1 no-report;"
printf 'database = %s\ndkim_keys_file = %s\ndomains = krvtz.net\n' "$DB2" "$CORPUS/dkim-keys.txt" >"$T/mbox2.conf"
out=$("$BIN" -c "$T/mbox2.conf" ingest-maildir "$md"); rc=$?
check "Maildir with the gate on: 65 (some quarantined)" "$rc" 65
check "Maildir with the gate on: 5 proven supersede the dkim = off copies, 5 quarantined" "$(echo "$out" | awk '{print $1}' | sort | uniq -c | tr -s ' ' | tr '\n' ';')" " 1 no-report; 5 quarantined; 5 superseded;"
check "ingest-mbox of a file that is no mbox, and one that is missing: 65, the rest imported" "$("$BIN" -c "$T/mbox.conf" ingest-mbox "$T/keys.txt" "$T/none" "$mbox" 2>/dev/null | awk '{print $1}' | sort | uniq -c | tr -s ' ' | tr '\n' ';'; echo "${PIPESTATUS[0]}")" " 10 duplicate; 1 no-report;65"
pg_stop "$PGDIR"
check "ingest-mbox, database down: 75" "$("$BIN" -c "$T/mbox.conf" ingest-mbox "$mbox" >/dev/null 2>&1; echo $?)" 75
pg_start "$PGDIR"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
