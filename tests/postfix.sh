#!/bin/bash
# postfix.sh - the mail path end to end through a real Postfix
#
#   bash tests/postfix.sh BINARY PGDIR DBPREFIX
#
# A private Postfix instance (../shared/API-NOTES.md §2h): its own config,
# queue and log directories, chroot off, no network service; mail goes in
# with its sendmail into pickup, and the tlsrpt transport (a pipe(8) as in
# etc/postfix/master.cf.tlsrpt, run as "nobody") hands it to
# "tlsrpt ingest-mail".  Checks: a signed report lands in PostgreSQL; with
# PostgreSQL stopped the mail stays deferred in the queue, and arrives
# once the database is back and the queue is flushed; a mail that is not
# proven is quarantined and delivered (never bounced).  Needs root (the
# instance's mail_owner and the pipe's user); without root it says so and
# counts one failure, so that a run that cannot test this does not pass.
# Ends with "N passed, N failed".
set -u
BIN=$(realpath "$1") PGDIR=$2 P=$3
cd "$(dirname "$0")/.." || exit 1
. tests/pg.sh
. tests/check.sh
PY=/usr/bin/python3
if [ "$(id -u)" != 0 ] || ! command -v postfix >/dev/null && [ ! -x /usr/sbin/postfix ]; then
	echo "postfix.sh: needs root and Debian's postfix (make test installs it)"
	echo "0 passed, 1 failed"; exit 1
fi
PATH=$PATH:/usr/sbin
D=$(mktemp -d /tmp/tlsrpt-pf.XXXXXX)
chmod 755 "$D"
cleanup() {
	postfix -c "$D/etc" stop >/dev/null 2>&1
	pg_start "$PGDIR" 2>/dev/null
	chmod 700 "$PGDIR"
	rm -rf "$D"
}
trap cleanup EXIT
# the pipe runs as nobody: the socket directory must be searchable
chmod 711 "$PGDIR"

pg_createdb "$PGDIR" "${P}_pf" >/dev/null
DB=$(pg_conninfo "$PGDIR" "${P}_pf")
sql() { psql -XAtq "$DB" -c "$1"; }
"$BIN" --db "$DB" db migrate >/dev/null

# what the pipe runs, where nobody can reach it: the binary, its config,
# the keys
mkdir -p "$D/bin" "$D/etc" "$D/spool" "$D/data" "$D/log"
chown postfix "$D/data"
cp "$BIN" "$D/bin/tlsrpt"
openssl genrsa -traditional -out "$D/k1.pem" 2048 2>/dev/null
echo "plain._domainkey.example.net v=DKIM1; k=rsa; p=$(openssl rsa -in "$D/k1.pem" -pubout -outform DER 2>/dev/null | base64 -w0)" >"$D/keys.txt"
printf 'database = %s\ndomains = example.com\ndkim_keys_file = %s\nmail_timeout_seconds = 30\n' "$DB" "$D/keys.txt" >"$D/tlsrpt.conf"
chmod 644 "$D/keys.txt" "$D/tlsrpt.conf"

cat >"$D/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $D/spool
data_directory = $D/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.reports.test
mydomain = reports.test
mydestination =
inet_interfaces = loopback-only
alias_maps =
alias_database =
maillog_file = $D/log/maillog
maillog_file_prefixes = $D/log
default_transport = error:no other destinations here
transport_maps = inline:{ reports.test=tlsrpt: }
tlsrpt_destination_recipient_limit = 1
tlsrpt_time_limit = 120s
EOF
cat >"$D/etc/master.cf" <<EOF
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
flush     unix  n       -       n       1000?   0       flush
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
postlog   unix-dgram n  -       n       -       1       postlogd
tlsrpt    unix  -       n       n       -       4       pipe
  flags=q user=nobody null_sender= eol=\r\n
  argv=$D/bin/tlsrpt -c $D/tlsrpt.conf ingest-mail -q \${queue_id} -s \${sender} -- \${recipient}
EOF
# a main.cf changed in the last 2 s makes every postfix command slow
touch -d '-10 seconds' "$D/etc/main.cf" "$D/etc/master.cf"

postfix -c "$D/etc" start >/dev/null 2>&1
postfix -c "$D/etc" status >/dev/null 2>&1
check "a private Postfix starts" "$?" 0

mk() { $PY tests/mail/mkmail.py "$D/$1.eml" tests/fixtures/summary/r1-google-example.com.json report_id="$1" "${@:2}"
       echo "$D/$1.eml $D/$1.eml $D/k1.pem example.net plain" | $PY tests/mail/dkim_sign.py; }
send() { sendmail -C "$D/etc" -i -f reporter@example.net tlsrpt@reports.test <"$D/$1.eml"; }
# wait_for SQL WANT - poll until the query answers WANT (20 s at most)
wait_for() { for _ in $(seq 200); do [ "$(sql "$1")" = "$2" ] && break; sleep 0.1; done; sql "$1"; }
queued() { postqueue -c "$D/etc" -p 2>/dev/null | grep -c '^[0-9A-F]'; }

mk pf-1
send pf-1
check "a signed report through Postfix: in PostgreSQL" "$(wait_for "SELECT proof || ' ' || transport FROM report WHERE report_id = 'pf-1'" "example.net mail")" "example.net mail"
check_has "the pipe delivered it (status=sent)" "$(cat "$D/log/maillog")" "status=sent"
check "the source names Postfix's queue id and the sender" "$(sql "SELECT source ~ '^[0-9A-F]+ reporter@example.net$' FROM report WHERE report_id = 'pf-1'")" t

# PostgreSQL stopped: 75, the mail stays in the queue
pg_stop "$PGDIR"
mk pf-2
send pf-2
for _ in $(seq 200); do grep -q 'status=deferred' "$D/log/maillog" && break; sleep 0.1; done
check_has "database down: deferred, not bounced" "$(cat "$D/log/maillog")" "status=deferred"
check "database down: still in the queue" "$(queued)" 1
pg_start "$PGDIR"
chmod 711 "$PGDIR"
postqueue -c "$D/etc" -f
check "database back, queue flushed: stored" "$(wait_for "SELECT count(*) FROM report WHERE report_id = 'pf-2'" 1)" 1
for _ in $(seq 100); do [ "$(queued)" = 0 ] && break; sleep 0.1; done
check "database back: the queue is empty" "$(queued)" 0

# not proven: quarantined, delivered, no bounce
$PY tests/mail/mkmail.py "$D/pf-3.eml" tests/fixtures/summary/r1-google-example.com.json report_id=pf-3
send pf-3
check "an unsigned report: quarantined" "$(wait_for "SELECT count(*) FROM quarantine WHERE convert_from(raw, 'UTF8') LIKE '%Report-ID: <pf-3>%'" 1)" 1
check "an unsigned report: not stored" "$(sql "SELECT count(*) FROM report WHERE report_id = 'pf-3'")" 0
check "no mail was bounced" "$(grep -c 'status=bounced' "$D/log/maillog")" 0
check "Postfix saw no status line from the command" "$(grep -cE 'tlsrpt.*(dsn=5|dsn=4\.[0-9]\.[0-9], status=bounced)' "$D/log/maillog")" 0

postfix -c "$D/etc" stop >/dev/null 2>&1
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
