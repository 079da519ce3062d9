#!/bin/bash
# load.sh - "make bench", the load part: many senders at once, a replay storm
#
#   bash tests/bench/load.sh BINARY
#
# Against a private PostgreSQL (tests/pg.sh; durable defaults) and
# "tlsrpt serve" on loopback with an ECDSA P-256 certificate, with
# rate_limit_per_minute = 0 and the per-address and per-network limits
# above the client count (the load generator is one address), the rest at
# its defaults:
#   1. LOAD_CLIENTS (256) concurrent HTTPS clients for LOAD_SECONDS (30),
#      each request a new TLS connection (tests/bench/http_load.c -d) over
#      a corpus of LOAD_REPORTS (40,000) distinct reports shaped like the
#      real ones (bench_tool gen typical): requests, errors (no complete
#      answer or not 2xx), reports lost (distinct reports posted and
#      answered 2xx against rows in the database), p50/p90/p99/max latency
#      and serve's peak RSS (VmHWM).
#   2. a replay storm: the same 1,000 reports posted 10 times each by 256
#      concurrent clients (request i posts report i mod 1,000, so the
#      copies of a report overlap in time) into a fresh database: exactly
#      1,000 stored (1,000 answered 201, 9,000 200), asserted.
# Prints its figures; exits 1 when an assertion fails ("FAIL ..." lines).
set -u
BIN=$(realpath "$1")
B=$(dirname "$BIN")
TOOL=$B/tests/bench_tool
LOAD=$B/tests/http_load
cd "$(dirname "$0")/../.." || exit 1
. tests/pg.sh
. tests/serve.sh
C=${LOAD_CLIENTS:-256}
S=${LOAD_SECONDS:-30}
N=${LOAD_REPORTS:-40000}
W=$(pg_tmpdir) || exit 1
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; pg_stop "$W/pg"; rm -rf "$W"' EXIT
fails=0
# assert NAME GOT WANT
assert() {
	if [ "$2" == "$3" ]; then echo "ok: $1"; else
		fails=$((fails + 1)); echo "FAIL $1: got $2, want $3"; fi
}

pg_start "$W/pg" || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$W/key.pem" -out "$W/cert.pem" -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
mkdir -p "$W/load" "$W/storm"
"$TOOL" gen "$W/load" "$N" typical >/dev/null
# the storm's 1,000: the last of the corpus, into a database of their own
ls "$W/load" | tail -n 1000 | while read -r f; do cp "$W/load/$f" "$W/storm/"; done
cat "$W"/load/* >/dev/null

# serve DB - start serve on database DB; sets URL and SPID
serve() {
	pg_createdb "$W/pg" "$1" >/dev/null
	printf 'database = %s\nlisten = 127.0.0.1:0\ntls_cert = %s\ntls_key = %s\nspool_dir = %s\n' \
	    "$(pg_conninfo "$W/pg" "$1")" "$W/cert.pem" "$W/key.pem" "$W/spool-$1" >"$W/$1.conf"
	printf 'rate_limit_per_minute = 0\nmax_connections_per_ip = 1000\nmax_connections_per_network = 1000\n' >>"$W/$1.conf"
	"$BIN" -c "$W/$1.conf" db migrate >/dev/null
	"$BIN" -c "$W/$1.conf" serve 2>"$W/$1.log" &
	SPID=$!
	URL=https://127.0.0.1:$(serve_port "$W/$1.log")/tlsrpt
}
stop() { kill -TERM "$SPID"; wait "$SPID"; SPID=; }
rows() { psql -XAtq "$(pg_conninfo "$W/pg" "$1")" -c "SELECT count(*) FROM report"; }
# field NAME - a figure of http_load's output in $W/out
field() { sed -n "s/.*\\b$1:\\? \\([0-9.]*\\).*/\\1/p" "$W/out" | head -n 1; }

# --- 1. many senders at once -----------------------------------------------
serve load
(cd "$W/load" && "$LOAD" -c "$C" -d "$S" --cacert "$W/cert.pem" "$URL" *) >"$W/out" 2>"$W/err"
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SPID/status")
stop
req=$(field requests); ok=$(field ok); files=$(field files)
stored=$(rows load)
echo "load: $C clients, new TLS connection per request, $S s:"
sed 's/^/  /' "$W/out"
head -n 3 "$W/err" | sed 's/^/  /'
printf '  %s requests, %s answered 2xx, %s errors, %.0f requests/s\n' "$req" "$ok" \
    "$((req - ok))" "$(field rate)"
printf '  %s distinct reports posted, %s stored, %s lost\n' "$files" "$stored" "$((files - stored))"
printf '  latency ms: p50 %s p99 %s (max %s)\n' "$(field p50)" "$(field p99)" "$(field max)"
printf '  serve peak RSS: %.1f MiB\n' "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')"
assert "load: zero errors" "$((req - ok))" 0
assert "load: zero lost" "$stored" "$files"

# --- 2. a replay storm -----------------------------------------------------
serve storm
(cd "$W/storm" && "$LOAD" -c "$C" -n 10000 --cacert "$W/cert.pem" "$URL" *) >"$W/out" 2>"$W/err"
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SPID/status")
stop
stored=$(rows storm)
echo "replay storm: 1,000 reports posted 10 times each, $C clients:"
sed 's/^/  /' "$W/out"
printf '  stored: %s reports; serve peak RSS %.1f MiB\n' "$stored" "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')"
assert "replay storm: exactly 1,000 stored" "$stored" 1000
assert "replay storm: 1,000 answered 201, 9,000 200" \
    "$(grep -E '^status (200|201):' "$W/out" | tr '\n' ' ')" "status 200: 9000 status 201: 1000 "
[ "$fails" = 0 ]
