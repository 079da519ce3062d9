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
# the cluster and the reports come back as duplicates.  "make stop" stops
# the private cluster.
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
	echo "private PostgreSQL cluster: $PGDIR (stop it with: make stop)"
	pg_start "$PGDIR"
	pg_createdb "$PGDIR" tlsrpt >/dev/null
	DB=$(pg_conninfo "$PGDIR" tlsrpt)
fi
printf '# written by make run\ndatabase = %s\ndomains = example.com, example.net\n' \
    "$DB" >"$CONF"

"$BIN" -c "$CONF" db migrate
echo
echo "ingesting the example reports (etc/examples/):"
"$BIN" -c "$CONF" ingest etc/examples/*.json* | sed 's|etc/examples/||'
echo
"$BIN" -c "$CONF" summary
echo
echo "The same as JSON or CSV:  $BIN -c $CONF summary --format json"
echo "Your own reports:         $BIN -c $CONF ingest FILE..."
