#!/bin/sh
# demo.sh - "make run": the example reports stored and summarised
#
#   sh tests/demo.sh BINARY
#
# With a database configured (TLSRPT_DB, or "database =" in
# /etc/tlsrpt/tlsrpt.conf) it uses that one.  Otherwise it starts a private
# PostgreSQL cluster (tests/pg.sh): under var/pg in this checkout, or, when
# run as root, under /var/tmp/tlsrpt-run/<checkout>/ (owned by the postgres
# user, since PostgreSQL refuses to run as root and a /root checkout is
# closed to other users); var/pg then points there.  A second run reuses
# the cluster and the reports come back as duplicates.
#
# It then serves https://localhost:8443/tlsrpt (TLSRPT_PORT) with a
# self-signed certificate made under var/tls, posts the example reports to
# it with curl, prints the summary, renders the HTML site under var/site
# and writes the digest of their last day to var/digest.eml (printing
# both paths), and keeps serving until Ctrl-C, which stops the server and
# the private cluster.  TLSRPT_RUN_ONCE=1 stops
# right after the summary (for scripts).
set -eu
BIN=$1
cd "$(dirname "$0")/.."
. tests/pg.sh
mkdir -p var
CONF=var/tlsrpt.conf

if [ -n "${TLSRPT_DB:-}" ]; then
	DB=$TLSRPT_DB
elif [ -f /etc/tlsrpt/tlsrpt.conf ] &&
    grep -q '^[[:space:]]*database[[:space:]]*=' /etc/tlsrpt/tlsrpt.conf; then
	DB=$(sed -n 's/^[[:space:]]*database[[:space:]]*=[[:space:]]*//p' \
	    /etc/tlsrpt/tlsrpt.conf | tail -n 1)
else
	if [ "$(id -u)" = 0 ]; then
		sum=$(pwd | cksum | cut -d' ' -f1)
		PGDIR=/var/tmp/tlsrpt-run/$sum
		mkdir -p /var/tmp/tlsrpt-run && chmod 755 /var/tmp/tlsrpt-run
		ln -sfn "$PGDIR" var/pg
	else
		PGDIR=$(pwd)/var/pg
	fi
	echo "private PostgreSQL cluster: $PGDIR"
	pg_start "$PGDIR"
	pg_createdb "$PGDIR" tlsrpt >/dev/null
	DB=$(pg_conninfo "$PGDIR" tlsrpt)
fi
# A self-signed certificate for localhost, made once.
mkdir -p var/tls
if [ ! -f var/tls/cert.pem ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout var/tls/key.pem -out var/tls/cert.pem -days 825 \
	    -subj /CN=localhost \
	    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
fi
PORT=${TLSRPT_PORT:-8443}
URL=https://localhost:$PORT/tlsrpt
cat >"$CONF" <<CONF
# written by make run
database = $DB
domains = example.com, example.net
listen = 127.0.0.1:$PORT
tls_cert = $(pwd)/var/tls/cert.pem
tls_key = $(pwd)/var/tls/key.pem
spool_dir = $(pwd)/var/spool
CONF

"$BIN" -c "$CONF" db migrate

# Ctrl-C stops the server (it gets the SIGINT too) and the private cluster.
SPID=
stop() {
	trap - INT TERM EXIT
	[ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	[ -n "${PGDIR:-}" ] && pg_stop "$PGDIR" && echo "stopped the private PostgreSQL"
	exit 0
}
trap stop INT TERM EXIT
"$BIN" -c "$CONF" serve 2>var/serve.log &
SPID=$!
for _ in $(seq 50); do
	grep -q 'listening on' var/serve.log 2>/dev/null && break
	kill -0 "$SPID" 2>/dev/null || { cat var/serve.log; exit 1; }
	sleep 0.1
done

echo
echo "posting the example reports (etc/examples/) to $URL:"
for f in etc/examples/*.json*; do
	code=$(curl -s -o var/answer -w '%{http_code}' --cacert var/tls/cert.pem \
	    -H 'Content-Type: application/tlsrpt+gzip' --data-binary @"$f" "$URL")
	printf '  %s %s: %s\n' "$code" "$(head -n 1 var/answer)" "${f#etc/examples/}"
done
echo
"$BIN" -c "$CONF" summary
echo
# The pages and the digest of the examples: their days, not today's (the
# examples cover 2026-11-15 to 2026-11-17).
"$BIN" -c "$CONF" render --out "$(pwd)/var/site" --from 2026-10-18 --to 2026-11-17
"$BIN" -c "$CONF" digest --date 2026-11-17 >var/digest.eml
echo "The site:   file://$(pwd)/var/site/index.html"
echo "The digest: $(pwd)/var/digest.eml (as \"tlsrpt digest --send\" would mail it)"
echo
echo "Serving $URL  (certificate: var/tls/cert.pem; log: var/serve.log)"
echo "  post a report:  curl --cacert var/tls/cert.pem --data-binary @REPORT.json.gz $URL"
echo "  the summary:    $BIN -c $CONF summary --format json"
[ -n "${TLSRPT_RUN_ONCE:-}" ] && stop
echo "Ctrl-C stops the server${PGDIR:+ and the private PostgreSQL}."
wait "$SPID"
