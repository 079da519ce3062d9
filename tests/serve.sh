# serve.sh - what the "tlsrpt serve" test scripts share (sourced by bash)
#
# Needs BIN (the binary), T (a temporary directory), DB (a conninfo with
# the schema) and pids (an array: every server started is added, for the
# script's cleanup).  Gives:
#   serve_certs           a throwaway CA ($T/ca.pem) and a server
#                         certificate for localhost, 127.0.0.1 and ::1
#   start_server NAME EXTRA_CONF
#                         run serve with $T/NAME.conf (log $T/NAME.log) on a
#                         free port of 127.0.0.1; sets PORT, URL and SPID
#   serve_port LOG [TENTHS]
#                         wait up to TENTHS tenths of a second (100) for
#                         the server writing LOG to listen; print its port
#                         on 127.0.0.1 (nothing if it never did)
#   stop_server NAME      SIGTERM the server started last; check that it
#                         exits 0 (under ASan: no leak, no error at exit)
#   post FILE [CURL_ARGS] POST FILE to $URL (or $U); print the status code;
#                         the answer's body is in $T/body
#   tally WORDS...        "N word; ..." counts, for comparing sets of answers

serve_certs() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/ca.key" -out "$T/ca.pem" -days 2 \
	    -subj /CN=tlsrpt-test-ca 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/server.key" -out "$T/server.csr" -subj /CN=localhost \
	    2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n' >"$T/san.ext"
	openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" \
	    -CAkey "$T/ca.key" -CAcreateserial -days 2 -extfile "$T/san.ext" \
	    -out "$T/server.pem" 2>/dev/null
}

start_server() {
	{ printf 'database = %s\ndomains = example.com, example.net, random.net, josh.scot\n' "$DB"
	  printf 'domains = foo-bar.io, domain.de, krvtz.net, karlsen.fr, fastmaildmarc.com, server.com, xxxxxxxx.xx\n'
	  printf 'domains = tlsrpt-test.example\n'
	  printf 'listen = 127.0.0.1:0\ntls_cert = %s\ntls_key = %s\n' "$T/server.pem" "$T/server.key"
	  printf 'spool_dir = %s/spool-%s\nreport_path = /tlsrpt\nreport_path = /v1/report\n' "$T" "$1"
	  printf 'max_body_bytes = 64K\nmax_report_bytes = 1M\n'
	  printf '%b' "$2"; } >"$T/$1.conf"
	"$BIN" -c "$T/$1.conf" serve 2>"$T/$1.log" &
	SPID=$!; pids+=("$SPID")
	PORT=$(serve_port "$T/$1.log")
	URL=https://localhost:$PORT/tlsrpt
}

serve_port() {
	local _ port=
	for _ in $(seq "${2:-100}"); do
		port=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\).*|\1|p' "$1")
		[ -n "$port" ] && break; sleep 0.1
	done
	echo "$port"
}

stop_server() {
	kill -TERM "$SPID"; wait "$SPID"
	check "$1: stopped by SIGTERM, exit 0" "$?" 0
}

post() {
	f=$1; shift
	curl -s -o "$T/body" -w '%{http_code}\n' --cacert "$T/ca.pem" \
	    --resolve "localhost:$PORT:127.0.0.1" -H 'Content-Type: application/tlsrpt+gzip' --data-binary @"$f" "$@" "${U:-$URL}"
}

tally() { printf '%s\n' "$@" | sort | uniq -c | tr -s ' ' | tr '\n' ';'; }
