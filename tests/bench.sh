#!/bin/bash
# bench.sh - "make bench": bulk ingest throughput against a floor
#
# Generates a deterministic corpus (BENCH_REPORTS, default 20,000 gzip'd
# reports with 0-20 failure details), then in one run measures
#   floor:  read + inflate + parse the same files, nothing stored
#   floor:  a bare COPY of the same reports' normalised rows into three
#           plain tables (no raw bytes, no dedup index), one transaction,
#           decoding done before the clock starts: the physical limit of a
#           durable normalised store (bench_tool copy)
#   ingest: "tlsrpt ingest" of all of them into a fresh database of a
#           private PostgreSQL with its default, durable settings
# and then "tlsrpt serve" on loopback with an ECDSA P-256 certificate,
# driven by tests/bench/http_load (BENCH_CLIENTS concurrent clients), on a
# second corpus shaped like the real reports of ../shared/corpus/real
# (mostly one policy, a quarter with 1-3 failure details; the first
# corpus averages 15 details, a stress case for bulk ingest):
#   (a) floor: the server answering 204 without processing, one new TLS
#       connection per request
#   (b) real ingest, one new TLS connection per report
#   (c) real ingest over keep-alive connections (BENCH_KA_CLIENTS)
# printing reports/s and the ratios, and for (a) and (b) where the CPU
# went per request (load generator, server, PostgreSQL): the client
# shares the machine, so that split says what the ratio is made of.
# Then ingest with 1 and with 100,000 configured domains.
# Then the mail intake (see its section).  Then, with every limit at its
# default: serve's peak RSS (VmHWM) while
# 16 gzip bombs (about 14 KB each, inflating to {"x":[{},{},...]} with 5
# million empty objects, under max_report_bytes) are posted at once, and
# their answers; "tlsrpt ingest" of one bomb (peak RSS by /usr/bin/time);
# and the latency of a real sender from 127.0.0.2 (20 reports, one after
# the other) with no attack, under 1,500 slow-header connections from
# 1,500 /24s (tests/bench/slowloris.c; more than max_connections) and
# under 256 slow bodies from one /24.
# Last, "tlsrpt digest" and "tlsrpt render" over a generated year of
# 1,000 domains (365,000 reports; BENCH_YEAR_DOMAINS).
# Then tests/bench/load.sh: 256 HTTPS clients for 30 s (errors, lost
# reports, latency percentiles, peak RSS) and a replay storm (1,000
# reports posted 10 times each: exactly 1,000 stored, asserted).
# No pass/fail: numbers.
# BENCH_KEY=rsa uses an RSA-2048 certificate instead.
# BENCH_CLIENTS, BENCH_KA_CLIENTS and BENCH_THREADS (serve's threads,
# default: its own default, one per CPU) may
# be set to explore.
set -eu
BIN=$1
TOOL=$(dirname "$BIN")/tests/bench_tool
LOAD=$(dirname "$BIN")/tests/http_load
N=${BENCH_REPORTS:-20000}
cd "$(dirname "$0")/.."
. tests/pg.sh
. tests/serve.sh
W=$(pg_tmpdir)
SPID=
APID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; [ -n "$APID" ] && kill "$APID" 2>/dev/null; pg_stop "$W/pg"; rm -rf "$W"' EXIT
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
# the second floor: a bare COPY of the same rows into plain tables, durable
copyfloor=$("$TOOL" copy "$DB" "$@" | cut -d' ' -f2)
t0=$(date +%s.%N)
"$BIN" -c "$W/bench.conf" ingest "$@" >"$W/ingest.out"
t1=$(date +%s.%N)
stored=$(grep -c '^stored ' "$W/ingest.out" || true)
rows=$(psql -XAtq "$DB" -c "SELECT (SELECT count(*) FROM policy) || ' policies, ' || (SELECT count(*) FROM failure_detail) || ' failure details'")
settings=$(psql -XAtq "$DB" -c "SELECT 'fsync=' || current_setting('fsync') || ' synchronous_commit=' || current_setting('synchronous_commit')")
awk -v n="$N" -v s="$stored" -v f="$floor" -v c="$copyfloor" -v t0="$t0" \
    -v t1="$t1" -v rows="$rows" -v set="$settings" 'BEGIN {
	t = t1 - t0
	printf "reports:            %d generated, %d stored (%s)\n", n, s, rows
	printf "postgresql:         %s\n", set
	printf "floor (parse only): %8.0f reports/s  (%.2f s)\n", n / f, f
	printf "floor (bare COPY):  %8.0f reports/s  (%.2f s: the same rows, three plain tables, one transaction)\n", n / c, c
	printf "ingest (stored):    %8.0f reports/s  (%.2f s)\n", s / t, t
	printf "ratio ingest/parse floor: %8.3f\n", (s / t) / (n / f)
	printf "ratio ingest/COPY floor:  %8.3f\n", (s / t) / (n / c)
}'

# --- 100,000 configured domains ------------------------------------------
# A hosting provider lists every customer domain: "tlsrpt ingest" of the
# same corpus into two fresh databases, once with one configured domain
# ("example": every d<N>.example below it, found by the parent walk) and
# once with 100,000 (d99999.example down to d0.example: the corpus's 50
# last, where a scan of the list would find them latest), so both store
# the same reports.  The ratio shows what the
# lookup (and loading the list) costs; the configuration alone is timed
# with "tlsrpt -n".
domains_run() {	# NAME DOMAINS-LINES... ; prints seconds
	pg_createdb "$W/pg" "$1" >/dev/null
	{ printf 'database = %s\n' "$(pg_conninfo "$W/pg" "$1")"; cat "$W/$1.domains"; } >"$W/$1.conf"
	"$BIN" -c "$W/$1.conf" db migrate >/dev/null
	a=$(date +%s.%N)
	"$BIN" -c "$W/$1.conf" ingest "$W"/corpus/* >/dev/null
	b=$(date +%s.%N)
	echo "$a $b" | awk '{ printf "%.3f", $2 - $1 }'
}
echo 'domains = example' >"$W/dom1.domains"
seq 99999 -1 0 | sed 's/^/domains = d/; s/$/.example/' >"$W/dom100k.domains"
d1=$(domains_run dom1)
d100k=$(domains_run dom100k)
a=$(date +%s.%N); "$BIN" -c "$W/dom100k.conf" -n >/dev/null; b=$(date +%s.%N)
awk -v n="$N" -v d1="$d1" -v d2="$d100k" -v a="$a" -v b="$b" 'BEGIN {
	printf "ingest, 1 configured domain:        %8.0f reports/s  (%.2f s)\n", n / d1, d1
	printf "ingest, 100,000 configured domains: %8.0f reports/s  (%.2f s; loading the list: %.0f ms)\n", n / d2, d2, (b - a) * 1000
	printf "ratio 100,000 / 1 domain:  %8.3f\n", d1 / d2
}'

# --- the mail intake ------------------------------------------------------
# The same 20,000 reports as signed mails (tests/bench/mailgen.c: d=example.net,
# RSA-2048, keys from a file): "tlsrpt ingest-maildir" of all of them into a
# fresh database, against the bulk ingest just measured.  Then one
# "tlsrpt ingest-mail" process per mail, as Postfix's pipe(8) runs it
# (tests/bench/pipe_load.c), 2 and 8 at once, on BENCH_MAILS of them, each
# with its database connection and durable commit, against the floor of
# the same processes with --check (MIME, decode, DKIM; nothing stored).
MG=$(dirname "$BIN")/tests/mailgen
PL=$(dirname "$BIN")/tests/pipe_load
M=${BENCH_MAILS:-2000}
openssl genrsa -traditional -out "$W/mail.pem" 2048 2>/dev/null
echo "bench._domainkey.example.net v=DKIM1; k=rsa; p=$(openssl rsa -in "$W/mail.pem" -pubout -outform DER 2>/dev/null | base64 -w0)" >"$W/mailkeys.txt"
"$MG" "$W/mail.pem" "$W/Maildir" "$W"/corpus/*
cat "$W"/Maildir/new/* >/dev/null
pg_createdb "$W/pg" maildir >/dev/null
printf 'database = %s
dkim_keys_file = %s
' "$(pg_conninfo "$W/pg" maildir)" "$W/mailkeys.txt" >"$W/maildir.conf"
"$BIN" -c "$W/maildir.conf" db migrate >/dev/null
t2=$(date +%s.%N)
"$BIN" -c "$W/maildir.conf" ingest-maildir "$W/Maildir" >"$W/maildir.out"
t3=$(date +%s.%N)
mstored=$(grep -c '^stored ' "$W/maildir.out" || true)
pg_createdb "$W/pg" pipe >/dev/null
printf 'database = %s
dkim_keys_file = %s
' "$(pg_conninfo "$W/pg" pipe)" "$W/mailkeys.txt" >"$W/pipe.conf"
"$BIN" -c "$W/pipe.conf" db migrate >/dev/null
mails=$(ls "$W"/Maildir/new/* | head -n "$M")
first2=$(echo "$mails" | head -n $((M / 2)))
last2=$(echo "$mails" | tail -n +$((M / 2 + 1)))
f2=$("$PL" 2 $mails -- "$BIN" -c "$W/pipe.conf" ingest-mail --check)
f8=$("$PL" 8 $mails -- "$BIN" -c "$W/pipe.conf" ingest-mail --check)
p2=$("$PL" 2 $first2 -- "$BIN" -c "$W/pipe.conf" ingest-mail)
p8=$("$PL" 8 $last2 -- "$BIN" -c "$W/pipe.conf" ingest-mail)
pstored=$(psql -XAtq "$(pg_conninfo "$W/pg" pipe)" -c "SELECT count(*) FROM report WHERE proof = 'example.net'")
# what a process is made of, 2 at once: exec alone, the binary started
# (dynamic linking of its libraries), started and connected to PostgreSQL
e2=$("$PL" 2 $mails -- /bin/true)
n2=$("$PL" 2 $mails -- "$BIN" -c "$W/pipe.conf" -n)
c2=$("$PL" 2 $mails -- "$BIN" -c "$W/pipe.conf" db migrate)
nlibs=$(ldd "$BIN" | wc -l)
awk -v n="$N" -v ms="$mstored" -v s="$stored" -v t0="$t0" -v t1="$t1" \
    -v t2="$t2" -v t3="$t3" -v f2="$f2" -v f8="$f8" -v p2="$p2" -v p8="$p8" \
    -v ps="$pstored" -v e2="$e2" -v n2="$n2" -v c2="$c2" -v nlibs="$nlibs" 'BEGIN {
	ri = s / (t1 - t0); rm = ms / (t3 - t2)
	printf "\nmail intake (RSA-2048 DKIM, keys from a file, durable commits):\n"
	printf "ingest-maildir of %d signed mails: %8.0f reports/s  (%d stored in %.2f s)\n", n, rm, ms, t3 - t2
	printf "ratio ingest-maildir / ingest of the same reports as files: %.3f\n", rm / ri
	split(f2, F2, " "); split(f8, F8, " "); split(p2, P2, " "); split(p8, P8, " ")
	printf "one ingest-mail process per mail      mails/s   floor (--check)   ratio\n"
	printf "  2 at once                         %8.0f   %8.0f          %5.3f  (%d ok, %d other)\n", P2[2] / P2[6], F2[2] / F2[6], (P2[2] / P2[6]) / (F2[2] / F2[6]), P2[2], P2[4]
	printf "  8 at once                         %8.0f   %8.0f          %5.3f  (%d ok, %d other)\n", P8[2] / P8[6], F8[2] / F8[6], (P8[2] / P8[6]) / (F8[2] / F8[6]), P8[2], P8[4]
	printf "  stored, proven by example.net: %d\n", ps
	split(e2, E, " "); split(n2, N2, " "); split(c2, C, " ")
	printf "what one process costs, 2 at once (processes/s; ms of wall time each):\n"
	printf "  exec of /bin/true                 %8.0f   %6.1f\n", E[2] / E[6], 2000 * E[6] / E[2]
	printf "  tlsrpt -n (%d shared libraries)   %8.0f   %6.1f\n", nlibs, N2[2] / N2[6], 2000 * N2[6] / N2[2]
	printf "  + connect to PostgreSQL (db migrate, nothing to do) %8.0f   %6.1f\n", C[2] / C[6], 2000 * C[6] / C[2]
	printf "  + judge a mail (--check)          %8.0f   %6.1f\n", F2[2] / F2[6], 2000 * F2[6] / F2[2]
	printf "  + store it (ingest-mail)          %8.0f   %6.1f\n", P2[2] / P2[6], 2000 * P2[6] / P2[2]
}'

# --- serve over HTTPS ----------------------------------------------------
C=${BENCH_CLIENTS:-64}		# (a), (b): senders opening connections at once
K=${BENCH_KA_CLIENTS:-256}	# (c): keep-alive connections
NB=$((N / 7))			# (b): new connections are slow; a slice
case ${BENCH_KEY:-ec} in
rsa)	KEYARGS="-newkey rsa:2048"; KEYNAME="RSA-2048" ;;
*)	KEYARGS="-newkey ec -pkeyopt ec_paramgen_curve:P-256"; KEYNAME="ECDSA P-256" ;;
esac
openssl req -x509 $KEYARGS -nodes \
    -keyout "$W/key.pem" -out "$W/cert.pem" -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
pg_createdb "$W/pg" http >/dev/null
printf 'database = %s\nlisten = 127.0.0.1:0\ntls_cert = %s\ntls_key = %s\nspool_dir = %s\n%s' \
    "$(pg_conninfo "$W/pg" http)" "$W/cert.pem" "$W/key.pem" "$W/spool" \
    "${BENCH_THREADS:+threads = $BENCH_THREADS
}" >"$W/limits.conf"
# the load generator is many clients on one address
{ cat "$W/limits.conf"
  printf 'rate_limit_per_minute = 0\nmax_connections = 1000\nmax_connections_per_ip = 1000\nmax_connections_per_network = 1000\n'
} >"$W/serve.conf"
SCONF=$W/serve.conf
"$BIN" -c "$W/serve.conf" db migrate >/dev/null
# serve [ARGS] - start the server, set port and URL
serve() {
	"$BIN" -c "$SCONF" serve "$@" 2>"$W/serve.log" &
	SPID=$!
	port=$(serve_port "$W/serve.log")
	URL=https://127.0.0.1:$port/tlsrpt
}
stop() { kill -TERM "$SPID"; wait "$SPID"; SPID=; }
# CPU time in clock ticks: the machine (user, nice, system, irq,
# softirq), one process, and every postgres process (with the children
# the postmaster reaped, so exited backends still count)
cpu_all() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
cpu_pid() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_pg() {
	cat /proc/[0-9]*/stat 2>/dev/null |
	    awk '$2 == "(postgres)" {t += $14 + $15 + $16 + $17} END {print t + 0}'
}
HZ=$(getconf CLK_TCK)
# load ARGS... - run http_load; print "OK SECONDS TOTAL CLIENT SERVER PG"
# (CPU in seconds) for the server started last
load() {
	g0=$(cpu_pg); s0=$(cpu_pid "$SPID"); m0=$(cpu_all)
	out=$("$LOAD" "$@")
	m1=$(cpu_all); g1=$(cpu_pg); s1=$(cpu_pid "$SPID")
	echo "$out" | awk -v hz="$HZ" -v m=$((m1 - m0)) -v g=$((g1 - g0)) \
	    -v s=$((s1 - s0)) '
	    / ok: / { ok = $4; secs = $6 }
	    /^cpu: / { cl = $2 }
	    END { print ok, secs, m / hz, cl, s / hz, g / hz }'
}
NT=$((N / 2))
mkdir -p "$W/typical"
"$TOOL" gen "$W/typical" "$NT" typical
set -- "$W"/typical/*
first=$(printf '%s\n' "$@" | head -n "$NB")
rest=$(printf '%s\n' "$@" | tail -n +"$((NB + 1))")

serve --bench-null
a=$(load -c "$C" -n "$NB" --cacert "$W/cert.pem" "$URL" $first)
stop
serve
b=$(load -c "$C" -n "$NB" --cacert "$W/cert.pem" "$URL" $first)
c=$(load -k -c "$K" -n "$((NT - NB))" --cacert "$W/cert.pem" "$URL" $rest)
stop
rows=$(psql -XAtq "$(pg_conninfo "$W/pg" http)" -c "SELECT count(*) FROM report")
echo
awk -v a="$a" -v b="$b" -v c="$c" -v C="$C" -v K="$K" -v rows="$rows" \
    -v key="$KEYNAME" 'BEGIN {
	split(a, A, " "); split(b, B, " "); split(c, X, " ")
	ra = A[1] / A[2]; rb = B[1] / B[2]; rc = X[1] / X[2]
	printf "serve, %s certificate, loopback, durable commits (%d reports stored):\n", key, rows
	printf "(a) floor, 204, new TLS per request: %8.0f requests/s (%d in %.2f s, %d clients)\n", ra, A[1], A[2], C
	printf "(b) ingest, new TLS per report:      %8.0f reports/s  (%d in %.2f s, %d clients)\n", rb, B[1], B[2], C
	printf "(c) ingest, keep-alive:              %8.0f reports/s  (%d in %.2f s, %d connections)\n", rc, X[1], X[2], K
	printf "ratio (b)/(a):                       %8.3f\n", rb / ra
	printf "CPU ms per request    all   load generator   server   postgresql\n"
	printf "(a) floor           %5.3f   %5.3f            %5.3f    %5.3f\n", A[3] * 1e3 / A[1], A[4] * 1e3 / A[1], A[5] * 1e3 / A[1], A[6] * 1e3 / A[1]
	printf "(b) ingest          %5.3f   %5.3f            %5.3f    %5.3f\n", B[3] * 1e3 / B[1], B[4] * 1e3 / B[1], B[5] * 1e3 / B[1], B[6] * 1e3 / B[1]
}'

# --- serve's memory, and a real sender under attack -----------------------
# every limit at its default (limits.conf), a fresh database
pg_createdb "$W/pg" limits >/dev/null
sed "s|dbname=http|dbname=limits|" "$W/limits.conf" >"$W/l.conf"
SCONF=$W/l.conf
"$BIN" -c "$SCONF" db migrate >/dev/null
{ printf '{"x":['; yes '{},' | head -n 4999999 | tr -d '\n'; printf '{}]}'; } |
    gzip -9 >"$W/bomb.gz"
bombsize=$(wc -c <"$W/bomb.gz")
bombjson=$(gzip -dc "$W/bomb.gz" | wc -c)
serve
answers=$("$LOAD" -c 16 -n 16 --cacert "$W/cert.pem" "$URL" "$W/bomb.gz" |
    awk '/^status / { sub(":", "", $2); printf "%s%d x %s", sep, $3, $2; sep = ", " }')
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SPID/status")
sleep 3
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SPID/status")
stop
ingestrss=
if [ -x /usr/bin/time ]; then
	/usr/bin/time -o "$W/time" -f '%M' "$BIN" -c "$SCONF" ingest \
	    "$W/bomb.gz" >"$W/bomb.out" 2>&1 || true
	ingestrss=$(tail -n 1 "$W/time")
	ingestans=$(cat "$W/bomb.out")
fi
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -o "$W/slowloris" tests/bench/slowloris.c \
    -lssl -lcrypto
ls "$W"/typical/* | tail -n 60 >"$W/senders"
# latency FIRST - reports FIRST to FIRST+19 of the list posted from
# 127.0.0.2, one after the other (30 s each at most); print "ANSWERED MIN
# MEDIAN MAX" (ms)
latency() {
	for f in $(sed -n "$1,$(($1 + 19))p" "$W/senders"); do
		curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
		    --cacert "$W/cert.pem" --interface 127.0.0.2 --max-time 30 \
		    -H 'Content-Type: application/tlsrpt+gzip' --data-binary @"$f" "$URL"
	done >"$W/latency"
	ok=$(grep -c '^2' "$W/latency" || true)
	awk '{ print $2 * 1000 }' "$W/latency" | sort -n | awk -v ok="$ok" '
	    { t[NR] = $1 } END { printf "%d %.0f %.0f %.0f\n", ok, t[1], t[int((NR + 1) / 2)], t[NR] }'
}
# attacked FIRST ARGS... - the latency while slowloris ARGS runs
attacked() {
	first=$1; shift
	"$W/slowloris" "$@" -t 600 127.0.0.1 "$port" >"$W/attack.out" 2>&1 &
	APID=$!
	sleep 4
	latency "$first"
	kill -TERM "$APID"; wait "$APID" || true; APID=
}
serve
latency 1 >"$W/quiet"
attacked 21 -n 1500 --nets 1500 -m headers >"$W/many"
attacked 41 -n 256 --nets 1 --hosts 250 -m body >"$W/one"
stop
echo
awk -v ans="$answers" -v hwm="$hwm" -v rss="$rss" -v irss="$ingestrss" \
    -v ians="$(printf '%s' "${ingestans:-}" | sed 's|^rejected [^ ]* |rejected: |')" \
    -v size="$bombsize" -v json="$bombjson" -v q="$(cat "$W/quiet")" \
    -v m="$(cat "$W/many")" -v o="$(cat "$W/one")" 'BEGIN {
	printf "serve, every limit at its default:\n"
	printf "16 gzip bombs at once (%d bytes, %d inflated): %s\n", size, json, ans
	printf "  serve peak RSS: %.1f MiB (VmHWM), %.1f MiB 3 s later\n", hwm / 1024, rss / 1024
	if (irss != "")
		printf "tlsrpt ingest of one bomb: peak RSS %.1f MiB (%s)\n", irss / 1024, ians
	else
		printf "tlsrpt ingest of one bomb: peak RSS not measured (no /usr/bin/time)\n"
	printf "a real sender from 127.0.0.2, 20 reports:   answered  min / median / max ms\n"
	split(q, Q, " "); split(m, M, " "); split(o, O, " ")
	printf "  no attack                                   %2d/20   %5d / %5d / %5d\n", Q[1], Q[2], Q[3], Q[4]
	printf "  1500 slow headers from 1500 /24s            %2d/20   %5d / %5d / %5d\n", M[1], M[2], M[3], M[4]
	printf "  256 slow bodies from one /24                %2d/20   %5d / %5d / %5d\n", O[1], O[2], O[3], O[4]
}'

# --- render and digest over a year of BENCH_YEAR_DOMAINS (1,000) domains ---
# One report a day per domain for the 365 days up to yesterday, shaped like
# the real ones, stored through the intake (bench_tool load); then the
# digest of yesterday, a full render of the default 31 days (index, every
# domain page, every report page), the same again (nothing changed), and
# one domain's page.  Each is timed three times where it is cheap enough.
YD=${BENCH_YEAR_DOMAINS:-1000}
pg_createdb "$W/pg" year >/dev/null
printf 'database = %s\n' "$(pg_conninfo "$W/pg" year)" >"$W/year.conf"
"$BIN" -c "$W/year.conf" db migrate >/dev/null
now() { date +%s.%N; }
t0=$(now)
loaded=$("$TOOL" load "$W/year.conf" "$YD" "$(date -u -d yesterday +%F)")
t1=$(now)
# what autovacuum does after a bulk load, done now so the timing is fair
psql -XAtq "$(pg_conninfo "$W/pg" year)" -c "VACUUM ANALYZE"
timed() { a=$(now); "$@" >/dev/null; b=$(now); awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b - a }'; }
dg=""; for _ in 1 2 3; do dg="$dg $(timed "$BIN" -c "$W/year.conf" digest)"; done
full=$(timed "$BIN" -c "$W/year.conf" render --out "$W/site")
again=$(timed "$BIN" -c "$W/year.conf" render --out "$W/site")
one=""; for _ in 1 2 3; do one="$one $(timed "$BIN" -c "$W/year.conf" render --out "$W/site" --domain d7.example)"; done
pages=$(find "$W/site" -name '*.html' | wc -l)
echo
awk -v yd="$YD" -v n="$loaded" -v t0="$t0" -v t1="$t1" -v dg="$dg" \
    -v full="$full" -v again="$again" -v one="$one" -v pages="$pages" 'BEGIN {
	printf "a year of %d domains: %d reports stored in %.1f s (%.0f reports/s)\n", yd, n, t1 - t0, n / (t1 - t0)
	printf "digest of yesterday:          %s s   (target < 2 s)\n", dg
	printf "one domain page:              %s s   (target < 0.2 s)\n", one
	printf "full render, 31 days:         %s s (%d pages; target < 60 s)\n", full, pages
	printf "render again, nothing new:    %s s\n", again
}'

# --- many senders at once, and a replay storm (tests/bench/load.sh) -------
echo
bash tests/bench/load.sh "$BIN"
