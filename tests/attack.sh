#!/bin/bash
# attack.sh - "tlsrpt serve" under slow-connection attacks (slowloris),
# over real TLS against a real PostgreSQL
#
#   bash tests/attack.sh BINARY PGDIR DBPREFIX
#
# The attacker is tests/bench/slowloris.c (built here with cc): hundreds
# of connections from many loopback addresses (127.0.0.0/8 is all
# loopback), each sending its TLS handshake, its headers or its body one
# byte at a time.  While an attack runs, a real sender from another
# address posts reports with a generous deadline (curl --max-time) and
# must be answered every time.  Checks: the per-listener limit with slow
# connections from many /24s, the per-network limit with many addresses
# of one /24, the per-address limit, and the header and body deadlines
# of each kind of slow connection.  Ends with "N passed, N failed".
set -u
BIN=$(realpath "$1") PGDIR=$2 P=$3
cd "$(dirname "$0")/.." || exit 1
. tests/pg.sh
T=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
. tests/check.sh
. tests/serve.sh
serve_certs
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -o "$T/slowloris" \
    tests/bench/slowloris.c -lssl -lcrypto || { echo "0 passed, 1 failed"; exit 1; }

pg_createdb "$PGDIR" "${P}_attack" >/dev/null
DB=$(pg_conninfo "$PGDIR" "${P}_attack")
"$BIN" --db "$DB" db migrate >/dev/null
f1=tests/fixtures/summary/r1-google-example.com.json

# slow OUT ARGS... - run the attacker in the background, its line into OUT
slow() {
	out=$1; shift
	"$T/slowloris" "$@" 127.0.0.1 "$PORT" >"$out" 2>&1 &
	pids+=($!)
}
# field NAME FILE - one value of the attacker's line
field() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" "$2"; }
# senders NAME N - N distinct reports posted one after the other from
# 127.0.0.2, each allowed 20 s; print their status codes
n=0
senders() {
	codes=()
	for _ in $(seq "$2"); do
		n=$((n + 1))
		sed "s/_example.com\"/_$1$n.example.com\"/" $f1 >"$T/r$n.json"
		codes+=("$(post "$T/r$n.json" --interface 127.0.0.2 --max-time 20 -o /dev/null)")
	done
	tally "${codes[@]}"
}
# sums LOG - the counts of every "connections:" line of LOG, added up
sums() {
	awk '/ connections: / { sub(/.* connections: /, ""); n = split($0, w, ", ")
	    for (i = 1; i <= n; i++) { k = w[i]; sub(/^[0-9]+ /, "", k)
	        v[i] += w[i] + 0; name[i] = k } }
	    END { for (i = 1; name[i] != ""; i++)
	        printf "%s%d %s", (i > 1 ? ", " : ""), v[i], name[i]; print "" }' "$1"
}
# le A B - "yes" when the number A <= B
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && a + 0 <= b + 0) ? "yes" : "no" }'; }

# --- slow connections from 240 /24s against max_connections 96 ------------
# The header deadline is long here: only the eviction of the connections
# that have waited longest for their headers lets the sender in.
start_server many 'max_connections = 96\nthreads = 2\nheader_timeout_seconds = 60\n'
slow "$T/many.out" -n 240 --nets 240 -m headers -t 300; attacker=$!
sleep 3
check "240 slow connections from 240 /24s, max_connections 96: a sender from 127.0.0.2 answered, 3 of 3" \
    "$(senders many 3)" " 3 201;"
kill -TERM "$attacker"; wait "$attacker"
check "240 slow connections from 240 /24s: the attacker's are closed to make room" \
    "$([ "$(field cut "$T/many.out")" -gt 0 ] || [ "$(field refused "$T/many.out")" -gt 0 ] && echo yes)" yes
stop_server many
check "240 slow connections from 240 /24s: the log counts them" \
    "$(sums "$T/many.log" | sed -n 's/.*, \([0-9]*\) made room.*/\1/p' | awk '{ print ($1 > 0) ? "yes" : "no" }')" yes

# --- 200 addresses of one /24 against max_connections_per_network ---------
# Slow bodies: a connection sending its body never makes room for
# another, so only the network's limit keeps the listener's free.
start_server net 'max_connections = 96\nmax_connections_per_network = 16\nthreads = 2\nrequest_timeout_seconds = 60\n'
slow "$T/net.out" -n 200 --nets 1 --hosts 200 -m body -t 300; attacker=$!
sleep 3
check "200 slow bodies from one /24, max_connections_per_network 16: a sender from 127.0.0.2 answered, 3 of 3" \
    "$(senders net 3)" " 3 201;"
kill -TERM "$attacker"; wait "$attacker"
stop_server net

# --- deadlines: handshake, headers, body, and nothing at all -------------
# 10 connections of each kind, never reopened; each must be closed by its
# deadline (the watchdog looks every 0.2 s), not by timeout_seconds.
start_server late 'header_timeout_seconds = 2\nrequest_timeout_seconds = 3\ntimeout_seconds = 30\n'
b=110
for m in hello headers idle body; do
	b=$((b + 1))
	slow "$T/late-$m.out" -n 10 --once -m "$m" -t 7.5 --base $b
done
check "while 40 slow connections wait: a sender answered" "$(senders late 1)" " 1 201;"
wait "${pids[@]: -4}"
for m in hello headers idle; do
	check "ClientHello/headers/nothing sent slowly ($m): all 10 closed" "$(field cut "$T/late-$m.out")" 10
	check "$m: closed at header_timeout_seconds (2 s), not timeout_seconds" \
	    "$(le "$(field lifetime_max "$T/late-$m.out")" 3.5)" yes
done
check "body sent slowly: all 10 closed" "$(field cut "$T/late-body.out")" 10
check "body: closed at request_timeout_seconds after the headers (3 s)" \
    "$(le "$(field lifetime_max "$T/late-body.out")" 4.5)" yes
check "body: not before request_timeout_seconds" \
    "$(le 2.9 "$(field lifetime_max "$T/late-body.out")")" yes
stop_server late
check_has "deadlines: the log counts them" "$(sums "$T/late.log")" \
    "30 past the header deadline, 10 past the body deadline, "
check_has "deadlines: a request cut at its deadline is logged" "$(cat "$T/late.log")" \
    'status=0 org="-" report-id="-" verdict=deadline'

# --- per address: who waits for headers makes room, who sends does not ----
start_server ip 'max_connections_per_ip = 4\nheader_timeout_seconds = 60\nrequest_timeout_seconds = 60\n'
slow "$T/ip-body.out" -n 4 --once -m body --base 121 --hosts 1 -t 6
slow "$T/ip-head.out" -n 4 --once -m headers --base 122 --hosts 1 -t 6
sleep 1
check "4 bodies in flight from 127.121.0.1 (max_connections_per_ip 4): a fifth refused" \
    "$(post $f1 --interface 127.121.0.1 --max-time 10 -o /dev/null)" 000
check "4 connections from 127.122.0.1 waiting for headers: a fifth takes the oldest's place" \
    "$(post $f1 --interface 127.122.0.1 --max-time 10 -o /dev/null)" 201
wait "${pids[@]: -2}"
check "the bodies were left alone" "$(field cut "$T/ip-body.out")" 0
check "one connection waiting for headers made room" "$(field cut "$T/ip-head.out")" 1
stop_server ip

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
