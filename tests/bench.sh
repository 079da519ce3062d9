#!/bin/sh
# bench.sh - "make bench": bulk ingest throughput against a floor
#
# Generates a deterministic corpus (BENCH_REPORTS, default 20,000 gzip'd
# reports with 0-20 failure details), then in one run measures
#   floor:  read + inflate + parse the same files, nothing stored
#   ingest: "tlsrpt ingest" of all of them into a fresh database of a
#           private PostgreSQL with its default, durable settings
# and then "tlsrpt serve" on loopback with an ECDSA P-256 certificate,
# driven by tests/bench/http_load (BENCH_CLIENTS concurrent clients):
#   (a) floor: the server answering 204 without processing, one new TLS
#       connection per request
#   (b) real ingest, one new TLS connection per report
#   (c) real ingest over keep-alive connections (BENCH_KA_CLIENTS)
# printing reports/s and the ratios.  No pass/fail: numbers.
# BENCH_CLIENTS, BENCH_KA_CLIENTS and BENCH_THREADS (serve's threads) may
# be set to explore.
set -eu
BIN=$1
TOOL=$(dirname "$BIN")/tests/bench_tool
LOAD=$(dirname "$BIN")/tests/http_load
N=${BENCH_REPORTS:-20000}
cd "$(dirname "$0")/.."
. tests/pg.sh
W=$(pg_tmpdir)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; pg_stop "$W/pg"; rm -rf "$W"' EXIT
mkdir -p "$W/corpus"
"$TOOL" gen "$W/corpus" "$N"
pg_start "$W/pg"
DB=$(pg_conninfo "$W/pg")
printf 'database = %s\n' "$DB" >"$W/bench.conf"
"$BIN" -c "$W/bench.conf" db migrate >/dev/null

# warm the page cache so both runs read from memory
cat "$W"/corpus/* >/dev/null
set -- "$W"/corpus/*
floor=$("$TOOL" parse "$@" | cut -d' ' -f2)
t0=$(date +%s.%N)
"$BIN" -c "$W/bench.conf" ingest "$@" >"$W/ingest.out"
t1=$(date +%s.%N)
stored=$(grep -c '^stored ' "$W/ingest.out" || true)
rows=$(psql -XAtq "$DB" -c "SELECT (SELECT count(*) FROM policy) || ' policies, ' || (SELECT count(*) FROM failure_detail) || ' failure details'")
settings=$(psql -XAtq "$DB" -c "SELECT 'fsync=' || current_setting('fsync') || ' synchronous_commit=' || current_setting('synchronous_commit')")
awk -v n="$N" -v s="$stored" -v f="$floor" -v t0="$t0" -v t1="$t1" \
    -v rows="$rows" -v set="$settings" 'BEGIN {
	t = t1 - t0
	printf "reports:            %d generated, %d stored (%s)\n", n, s, rows
	printf "postgresql:         %s\n", set
	printf "floor (parse only): %8.0f reports/s  (%.2f s)\n", n / f, f
	printf "ingest (stored):    %8.0f reports/s  (%.2f s)\n", s / t, t
	printf "ratio ingest/floor: %8.3f\n", (s / t) / (n / f)
}'

# --- serve over HTTPS ----------------------------------------------------
C=${BENCH_CLIENTS:-64}		# (a), (b): senders opening connections at once
K=${BENCH_KA_CLIENTS:-256}	# (c): keep-alive connections
NB=$((N / 7))			# (b): new connections are slow; a slice
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$W/key.pem" -out "$W/cert.pem" -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
pg_createdb "$W/pg" http >/dev/null
printf 'database = %s\nlisten = 127.0.0.1:0\ntls_cert = %s\ntls_key = %s\nspool_dir = %s\nrate_limit_per_minute = 0\nmax_connections = 1000\nmax_connections_per_ip = 1000\nthreads = %s\n' \
    "$(pg_conninfo "$W/pg" http)" "$W/cert.pem" "$W/key.pem" "$W/spool" \
    "${BENCH_THREADS:-4}" >"$W/serve.conf"
"$BIN" -c "$W/serve.conf" db migrate >/dev/null
# serve [ARGS] - start the server, set URL
serve() {
	"$BIN" -c "$W/serve.conf" serve "$@" 2>"$W/serve.log" &
	SPID=$!
	for _ in $(seq 100); do
		port=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\).*|\1|p' "$W/serve.log")
		[ -n "$port" ] && break; sleep 0.1
	done
	URL=https://127.0.0.1:$port/tlsrpt
}
stop() { kill -TERM "$SPID"; wait "$SPID"; SPID=; }
# rate LINE - the rate field of http_load's summary line
rate() { sed -n 's/.* ok: \([0-9]*\) seconds: \([0-9.]*\) .*/\1 \2/p'; }
set -- "$W"/corpus/*
first=$(printf '%s\n' "$@" | head -n "$NB")
rest=$(printf '%s\n' "$@" | tail -n +"$((NB + 1))")

serve --bench-null
a=$("$LOAD" -c "$C" -n "$NB" --cacert "$W/cert.pem" "$URL" $first | rate)
stop
serve
b=$("$LOAD" -c "$C" -n "$NB" --cacert "$W/cert.pem" "$URL" $first | rate)
c=$("$LOAD" -k -c "$K" -n "$((N - NB))" --cacert "$W/cert.pem" "$URL" $rest | rate)
stop
rows=$(psql -XAtq "$(pg_conninfo "$W/pg" http)" -c "SELECT count(*) FROM report")
echo
awk -v a="$a" -v b="$b" -v c="$c" -v C="$C" -v K="$K" -v rows="$rows" 'BEGIN {
	split(a, A, " "); split(b, B, " "); split(c, X, " ")
	ra = A[1] / A[2]; rb = B[1] / B[2]; rc = X[1] / X[2]
	printf "serve, ECDSA P-256 certificate, loopback, durable commits (%d reports stored):\n", rows
	printf "(a) floor, 204, new TLS per request: %8.0f requests/s (%d in %.2f s, %d clients)\n", ra, A[1], A[2], C
	printf "(b) ingest, new TLS per report:      %8.0f reports/s  (%d in %.2f s, %d clients)\n", rb, B[1], B[2], C
	printf "(c) ingest, keep-alive:              %8.0f reports/s  (%d in %.2f s, %d connections)\n", rc, X[1], X[2], K
	printf "ratio (b)/(a):                       %8.3f\n", rb / ra
}'
