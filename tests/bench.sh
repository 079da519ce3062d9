#!/bin/sh
# bench.sh - "make bench": bulk ingest throughput against a floor
#
# Generates a deterministic corpus (BENCH_REPORTS, default 20,000 gzip'd
# reports with 0-20 failure details), then in one run measures
#   floor:  read + inflate + parse the same files, nothing stored
#   ingest: "tlsrpt ingest" of all of them into a fresh database of a
#           private PostgreSQL with its default, durable settings
# and prints reports/s for both and their ratio.  No pass/fail: numbers.
set -eu
BIN=$1
TOOL=$(dirname "$BIN")/tests/bench_tool
N=${BENCH_REPORTS:-20000}
cd "$(dirname "$0")/.."
. tests/pg.sh
W=$(pg_tmpdir)
trap 'pg_stop "$W/pg"; rm -rf "$W"' EXIT
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
