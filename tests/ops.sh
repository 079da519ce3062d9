#!/bin/bash
# ops.sh - operating "tlsrpt serve": /metrics and /healthz, trusted
# proxies, SIGHUP reloads, 100,000 configured domains
#
#   bash tests/ops.sh BINARY PGDIR DBPREFIX
#
# A real server over real TLS (curl, openssl s_client) against a real
# PostgreSQL (stopped and started again for /healthz).  Ends with
# "N passed, N failed".
set -u
BIN=$(realpath "$1") PGDIR=$2 P=$3
cd "$(dirname "$0")/.." || exit 1
. tests/pg.sh
T=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	pg_start "$PGDIR" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
. tests/check.sh
. tests/serve.sh
serve_certs

pg_createdb "$PGDIR" "${P}_ops" >/dev/null
DB=$(pg_conninfo "$PGDIR" "${P}_ops")
sql() { psql -XAtq "$DB" -c "$1"; }
"$BIN" --db "$DB" db migrate >/dev/null
F1=tests/fixtures/summary/r1-google-example.com.json
# report N - a distinct report of example.com in $T/rN.json
report() {
	sed "s/2026-03-01T00:00:00Z_example.com/ops-$1_example.com/" $F1 >"$T/r$1.json"
	echo "$T/r$1.json"
}
# ports NAME - the metrics port and the plain HTTP port of server NAME
mport() { sed -n 's|.*metrics listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$T/$1.log"; }
hport() { sed -n 's|.*tlsrpt: listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$T/$1.log"; }
fingerprint() {
	openssl s_client -connect "127.0.0.1:$PORT" -servername localhost </dev/null 2>/dev/null |
	    openssl x509 -noout -fingerprint -sha256 2>/dev/null
}

# --- /metrics and /healthz ----------------------------------------------
# a report by file before the first scrape: the database's figures count
# every door, not only this process
"$BIN" --db "$DB" ingest "$(report file1)" >/dev/null
start_server m "listen_metrics = 127.0.0.1:0\n"
MP=$(mport m)
check "metrics: listening" "$([ -n "$MP" ] && echo yes)" yes
M=http://127.0.0.1:$MP
check "POST: 201" "$(post "$(report 1)")" 201
check "POST again: 200" "$(post "$T/r1.json")" 200
sed 's/"total-successful-session-count":100/"total-successful-session-count":-1/' $F1 >"$T/bad.json"
check "POST invalid: 400" "$(post "$T/bad.json")" 400
printf hello >"$T/hello.txt"
check "POST neither gzip nor JSON: 415" "$(post "$T/hello.txt")" 415
curl -s -o "$T/metrics" -D "$T/mh" "$M/metrics"
met=$(cat "$T/metrics")
check_has "metrics: Prometheus content type" "$(cat "$T/mh")" "text/plain; version=0.0.4"
check_has "metrics: 201 counted" "$met" 'tlsrpt_http_requests_total{status="201"} 1'
check_has "metrics: 200 counted" "$met" 'tlsrpt_http_requests_total{status="200"} 1'
check_has "metrics: 400 counted" "$met" 'tlsrpt_http_requests_total{status="400"} 1'
check_has "metrics: 415 counted" "$met" 'tlsrpt_http_requests_total{status="415"} 1'
check_has "metrics: stored" "$met" 'tlsrpt_reports_total{transport="https",verdict="stored"} 1'
check_has "metrics: duplicate" "$met" 'tlsrpt_reports_total{transport="https",verdict="duplicate"} 1'
check_has "metrics: rejected (400 and 415)" "$met" 'tlsrpt_reports_total{transport="https",verdict="rejected"} 2'
check_has "metrics: commit batches counted" "$met" 'tlsrpt_commit_batch_reports_count 3'
check_has "metrics: build info" "$met" 'tlsrpt_build_info{version="'
check_has "metrics: spool empty" "$met" 'tlsrpt_spool_entries 0'
check_has "metrics: database figures, https" "$met" 'tlsrpt_db_reports{transport="https",verdict="accepted"} 1'
check_has "metrics: database figures, file (another process)" "$met" 'tlsrpt_db_reports{transport="file",verdict="accepted"} 1'
check_has "metrics: quarantine from the database (the 400 body; a 415 is not kept)" "$met" 'tlsrpt_db_quarantine_entries 1'
check_has "metrics: last report per reporter" "$met" 'tlsrpt_db_reporter_last_report_timestamp_seconds{organization="Google Inc."} '
# the text format, as a scraper reads it
check_py "metrics: exposition format" python3 - "$T/metrics" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
ok = bad = 0
def check(name, cond):
    global ok, bad
    if cond: ok += 1
    else: bad += 1; print("FAIL", name)
types, helps, seen, series = {}, set(), [], set()
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\\n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\\n])*")*)\})? (-?[0-9.e+]+|\+Inf|NaN)$')
for line in text.splitlines():
    if line.startswith('# HELP '): helps.add(line.split()[2]); continue
    if line.startswith('# TYPE '):
        _, _, n, t = line.split(); types[n] = t; continue
    m = sample.match(line)
    check("sample line: " + line, m is not None)
    if not m: continue
    name = m.group(1)
    fam = re.sub(r'_(bucket|sum|count)$', '', name) if re.sub(r'_(bucket|sum|count)$', '', name) in types and types[re.sub(r'_(bucket|sum|count)$', '', name)] == 'histogram' else name
    check("TYPE before " + name, fam in types)
    check("HELP for " + name, fam in helps)
    if types.get(fam) == 'counter': check("counter ends in _total: " + name, name.endswith('_total'))
    key = line.rsplit(' ', 1)[0]
    check("one series once: " + key, key not in series); series.add(key)
for fam, t in types.items():
    if t != 'histogram': continue
    b = [(l, float(v)) for l, v in re.findall(r'^' + fam + r'_bucket\{le="([^"]+)"\} (\S+)$', text, re.M)]
    cnt = float(re.search(r'^' + fam + r'_count (\S+)$', text, re.M).group(1))
    check(fam + " buckets cumulative", all(b[i][1] <= b[i+1][1] for i in range(len(b)-1)))
    check(fam + " +Inf last and equal to _count", b[-1][0] == '+Inf' and b[-1][1] == cnt)
    re.search(r'^' + fam + r'_sum \S+$', text, re.M) or check(fam + " _sum", False)
print(f"{ok} passed, {bad} failed")
PY
# the database's figures are kept a while: a new report is counted at
# once in this process's counters, not yet in the database's
check "POST another: 201" "$(post "$(report 2)")" 201
met=$(curl -s "$M/metrics")
check_has "metrics: counters move at once" "$met" 'tlsrpt_reports_total{transport="https",verdict="stored"} 2'
check_has "metrics: database figures cached" "$met" 'tlsrpt_db_reports{transport="https",verdict="accepted"} 1'
check "metrics: other path 404" "$(curl -s -o /dev/null -w '%{http_code}' "$M/other")" 404
check "metrics: POST 405" "$(curl -s -o /dev/null -w '%{http_code}' -d x "$M/metrics")" 405
check "metrics: not on the report listener" "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.pem" --resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/metrics")" 404

check "healthz: 200" "$(curl -s -o "$T/hz" -w '%{http_code}' "$M/healthz")" 200
check "healthz: ok" "$(cat "$T/hz")" ok
pg_stop "$PGDIR"
check "healthz, PostgreSQL stopped: 503" "$(curl -s -o "$T/hz" -w '%{http_code}' "$M/healthz")" 503
check_has "healthz, PostgreSQL stopped: the reason" "$(cat "$T/hz")" "database: "
check "POST while PostgreSQL is stopped: 201 (spooled)" "$(post "$(report 3)")" 201
check_has "metrics: the spool entry" "$(curl -s "$M/metrics")" 'tlsrpt_spool_entries 1'
pg_start "$PGDIR"
check "healthz, PostgreSQL back: 200" "$(curl -s -o /dev/null -w '%{http_code}' "$M/healthz")" 200
# an unwritable spool (root ignores permission bits: tmp/ is made a file)
rm -rf "$T/spool-m/tmp" && touch "$T/spool-m/tmp"
check "healthz, spool unwritable: 503" "$(curl -s -o "$T/hz" -w '%{http_code}' "$M/healthz")" 503
check_has "healthz, spool unwritable: the reason" "$(cat "$T/hz")" "spool: "
check "healthz, spool unwritable: the database is fine" "$(grep -c '^database' "$T/hz")" 0
rm -f "$T/spool-m/tmp" && mkdir "$T/spool-m/tmp"
check "healthz, spool writable again: 200" "$(curl -s -o /dev/null -w '%{http_code}' "$M/healthz")" 200
for _ in $(seq 50); do
	[ "$(sql "SELECT count(*) FROM report WHERE report_id = 'ops-3_example.com'")" = 1 ] && break; sleep 0.2
done
check "the spooled report moved in" "$(sql "SELECT count(*) FROM report WHERE report_id = 'ops-3_example.com'")" 1
check_has "metrics: replayed counted" "$(curl -s "$M/metrics")" 'tlsrpt_spool_replayed_total 1'
stop_server m

# --- trusted proxies -----------------------------------------------------
# a trusted peer: the forwarded address is rate limited, logged, stored
start_server tp "listen_http = 127.0.0.1:0\ntrusted_proxies = 127.0.0.1, 10.0.0.0/8\nrate_limit_per_minute = 3\nmax_connections_per_ip = 100\n"
H=http://127.0.0.1:$(hport tp)/tlsrpt
hp() { U=$H post "$@"; }
codes=()
for i in 1 2 3 4; do codes+=("$(hp "$(report tp$i)" -H 'X-Forwarded-For: 203.0.113.7')"); done
check "trusted proxy: 203.0.113.7 limited after 3" "$(tally "${codes[@]}")" " 3 201; 1 429;"
check "trusted proxy: another forwarded client is not limited" "$(hp "$(report tp5)" -H 'X-Forwarded-For: 203.0.113.8')" 201
check "trusted proxy: stored source is the forwarded client" "$(sql "SELECT source FROM report WHERE report_id = 'ops-tp1_example.com'")" 203.0.113.7
check "trusted proxy: logged as the forwarded client" "$(grep -c 'client=203.0.113.7 status=201' "$T/tp.log")" 3
check "trusted proxy: the 429 logged as the forwarded client" "$(grep -c 'client=203.0.113.7 status=429' "$T/tp.log")" 1
check "trusted proxy: a chain, trusted hops passed over" "$(hp "$(report tp6)" -H 'X-Forwarded-For: 198.51.100.9, 10.1.1.1')" 201
check "trusted proxy: the chain's client stored" "$(sql "SELECT source FROM report WHERE report_id = 'ops-tp6_example.com'")" 198.51.100.9
check "trusted proxy: two headers joined" "$(hp "$(report tp7)" -H 'X-Forwarded-For: 198.51.100.10' -H 'X-Forwarded-For: 198.51.100.11')" 201
check "trusted proxy: the right-most of the two" "$(sql "SELECT source FROM report WHERE report_id = 'ops-tp7_example.com'")" 198.51.100.11
check "trusted proxy: IPv6 with brackets and port" "$(hp "$(report tp8)" -H 'X-Forwarded-For: [2001:db8::7]:443')" 201
check "trusted proxy: IPv6 stored" "$(sql "SELECT source FROM report WHERE report_id = 'ops-tp8_example.com'")" 2001:db8::7
# malformed: ignored, the peer used (and the peer's own bucket)
check "trusted proxy, malformed header: 201" "$(hp "$(report tp9)" -H 'X-Forwarded-For: unknown')" 201
check "trusted proxy, malformed header: the peer stored" "$(sql "SELECT source FROM report WHERE report_id = 'ops-tp9_example.com'")" 127.0.0.1
check "trusted proxy, malformed right-most: the peer" "$(hp "$(report tp10)" -H 'X-Forwarded-For: 203.0.113.20, 999.1.1.1')" 201
check "trusted proxy, malformed right-most: stored" "$(sql "SELECT source FROM report WHERE report_id = 'ops-tp10_example.com'")" 127.0.0.1
check "trusted proxy, garbage left of the client: not read" "$(hp "$(report tp11)" -H 'X-Forwarded-For: <x>, 203.0.113.21')" 201
check "trusted proxy, garbage left: the client stored" "$(sql "SELECT source FROM report WHERE report_id = 'ops-tp11_example.com'")" 203.0.113.21
check "trusted proxy, over TLS too" "$(post "$(report tp12)" -H 'X-Forwarded-For: 203.0.113.22')" 201
check "trusted proxy, over TLS: stored" "$(sql "SELECT source FROM report WHERE report_id = 'ops-tp12_example.com'")" 203.0.113.22
stop_server tp
# an untrusted peer: the header changes nothing
start_server up "listen_http = 127.0.0.1:0\ntrusted_proxies = 192.0.2.0/24\nrate_limit_per_minute = 3\nmax_connections_per_ip = 100\n"
H=http://127.0.0.1:$(hport up)/tlsrpt
codes=()
for i in 1 2 3 4; do codes+=("$(hp "$(report up$i)" -H "X-Forwarded-For: 203.0.113.$((30 + i))")"); done
check "untrusted peer: a new X-Forwarded-For each time, still limited after 3" "$(tally "${codes[@]}")" " 3 201; 1 429;"
check "untrusted peer: the peer stored" "$(sql "SELECT string_agg(DISTINCT source, ',') FROM report WHERE report_id LIKE 'ops-up%'")" 127.0.0.1
check "untrusted peer: the peer logged" "$(grep -c 'client=203.0.113' "$T/up.log")" 0
stop_server up
# without trusted_proxies at all
start_server np "rate_limit_per_minute = 100\n"
check "no trusted_proxies: 201" "$(post "$(report np1)" -H 'X-Forwarded-For: 203.0.113.40')" 201
check "no trusted_proxies: the peer stored" "$(sql "SELECT source FROM report WHERE report_id = 'ops-np1_example.com'")" 127.0.0.1
stop_server np
printf 'trusted_proxies = proxy.example\n' >"$T/badproxy.conf"
"$BIN" -c "$T/badproxy.conf" -n >/dev/null 2>"$T/badproxy.err"
check "trusted_proxies not an address: exit 78" "$?" 78
check_has "trusted_proxies not an address: says which" "$(cat "$T/badproxy.err")" proxy.example

# --- SIGHUP: a new certificate without dropping connections --------------
cp "$T/server.pem" "$T/live.pem"; cp "$T/server.key" "$T/live.key"
start_server hup "listen_metrics = 127.0.0.1:0\nrate_limit_per_minute = 100\n"
sed -i "s|^tls_cert = .*|tls_cert = $T/live.pem|; s|^tls_key = .*|tls_key = $T/live.key|" "$T/hup.conf"
kill -HUP "$SPID"; sleep 0.5
check "SIGHUP: the server stays up" "$(kill -0 "$SPID" 2>/dev/null && echo up)" up
old=$(fingerprint)
check "SIGHUP: the same certificate again" "$old" "$(openssl x509 -in "$T/server.pem" -noout -fingerprint -sha256)"
# a second certificate from the same CA
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/new.key" -out "$T/new.csr" -subj /CN=localhost 2>/dev/null
openssl x509 -req -in "$T/new.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
    -CAcreateserial -days 2 -extfile "$T/san.ext" -out "$T/new.pem" 2>/dev/null
want=$(openssl x509 -in "$T/new.pem" -noout -fingerprint -sha256)
# a long upload (60 KB at 10 KB/s) in flight across the reload
sed 's/2026-03-01T00:00:00Z_example.com/ops-long_example.com/' $F1 | head -c -2 >"$T/long.json"
head -c 60000 /dev/zero | tr '\0' ' ' >>"$T/long.json"; printf '}' >>"$T/long.json"
post "$T/long.json" --limit-rate 10K >"$T/long.code" &
LPID=$!
sleep 1.5
cp "$T/new.pem" "$T/live.pem"; cp "$T/new.key" "$T/live.key"
kill -HUP "$SPID"; sleep 0.5
check "SIGHUP: a new handshake presents the new certificate" "$(fingerprint)" "$want"
check "SIGHUP: curl verifies the new certificate" "$(post "$(report hup1)")" 201
check "SIGHUP: the upload in flight is still going" "$(kill -0 $LPID 2>/dev/null && echo going)" going
wait $LPID
check "SIGHUP: the long upload in flight completed: 201" "$(cat "$T/long.code")" 201
check "SIGHUP: the long upload stored" "$(sql "SELECT count(*) FROM report WHERE report_id = 'ops-long_example.com'")" 1
for _ in $(seq 30); do grep -q 'replaced daemon finished' "$T/hup.log" && break; sleep 0.2; done
check_has "SIGHUP: the old daemon stopped after its connection" "$(cat "$T/hup.log")" "reload: a replaced daemon finished its connections"
# broken files: the old certificate stays, the server stays up
echo garbage >"$T/live.pem"
kill -HUP "$SPID"; sleep 0.5
check "broken certificate: still served the last good one" "$(fingerprint)" "$want"
check "broken certificate: server up, 201" "$(post "$(report hup2)")" 201
check_has "broken certificate: the log says why" "$(cat "$T/hup.log")" "the certificate in use stays"
cp "$T/new.pem" "$T/live.pem"; cp "$T/ca.key" "$T/live.key"	# a key of another pair
kill -HUP "$SPID"; sleep 0.5
check "mismatched key: still served the last good one" "$(fingerprint)" "$want"
check_has "mismatched key: the log says why" "$(cat "$T/hup.log")" "do not match"
rm -f "$T/live.key"
kill -HUP "$SPID"; sleep 0.5
check "missing key: still served" "$(fingerprint)" "$want"
met=$(curl -s "http://127.0.0.1:$(mport hup)/metrics")
check_has "metrics: reloads ok" "$met" 'tlsrpt_reloads_total{result="ok"} 2'
check_has "metrics: reloads failed" "$met" 'tlsrpt_reloads_total{result="failed"} 3'
# a changed key that needs a restart is named
cp "$T/new.key" "$T/live.key"; echo 'max_connections = 77' >>"$T/hup.conf"
kill -HUP "$SPID"; sleep 0.5
check_has "SIGHUP: other changed keys named" "$(cat "$T/hup.log")" "applied only by a restart: max_connections"
stop_server hup

# --- 100,000 configured domains --------------------------------------------
{ printf 'database = %s\nspool_dir = %s/spool-big\n' "$DB" "$T"
  seq 0 99999 | sed 's/^/domains = customer/; s/$/.example/'; } >"$T/big.conf"
mk() { sed "s/2026-03-01T00:00:00Z_example.com/ops-big-$1_$2/; s/\"example.com\"/\"$2\"/g" $F1 >"$T/big-$1.json"; echo "$T/big-$1.json"; }
t0=$(date +%s%N)
out=$("$BIN" -c "$T/big.conf" ingest "$(mk a customer99999.example)" "$(mk b mx1.customer5.example)" "$(mk c Customer77.EXAMPLE)" "$(mk d customer100000.example)" 2>&1)
t1=$(date +%s%N)
check "100,000 domains: the last one is ours" "$(sql "SELECT verdict FROM report WHERE report_id = 'ops-big-a_customer99999.example'")" accepted
check "100,000 domains: a subdomain is ours" "$(sql "SELECT verdict FROM report WHERE report_id LIKE 'ops-big-b_%'")" accepted
check "100,000 domains: upper case is ours" "$(sql "SELECT verdict FROM report WHERE report_id LIKE 'ops-big-c_%'")" accepted
check "100,000 domains: one more is foreign" "$(sql "SELECT verdict FROM report WHERE report_id LIKE 'ops-big-d_%'")" foreign
echo "100,000 domains: loading them and ingesting 4 reports took $(( (t1 - t0) / 1000000 )) ms"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
