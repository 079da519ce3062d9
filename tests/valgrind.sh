#!/bin/bash
# valgrind.sh - one ingest of the real corpus through every door, under valgrind
#
#   bash tests/valgrind.sh BINARY PGDIR DBPREFIX
#
# The corpus's report files with "tlsrpt ingest", the same reports posted
# to "tlsrpt serve" over HTTPS (then SIGTERM), every corpus mail through
# "tlsrpt ingest-mail" with the real DKIM keys, the mails again as one
# mbox, then summary and render: each process under valgrind, which must
# report no invalid access and no leak (definite or indirect; exit 99
# otherwise).  "make valgrind" runs it after the unit tests.  Ends with
# "N passed, N failed".
set -u
BIN=$1 PGDIR=$2 P=$3
cd "$(dirname "$0")/.." || exit 1
. tests/pg.sh
CORPUS=${TLSRPT_CORPUS:?}
T=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
. tests/check.sh
. tests/serve.sh

VG="valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
pg_createdb "$PGDIR" "${P}_vg" >/dev/null
DB=$(pg_conninfo "$PGDIR" "${P}_vg")
"$BIN" --db "$DB" db migrate >/dev/null
printf 'database = %s\ndkim_keys_file = %s\n' "$DB" "$CORPUS/dkim-keys.txt" >"$T/vg.conf"
vg() { $VG "$BIN" -c "$T/vg.conf" "$@"; }

# files: every report of the corpus (JSON and gzip)
mapfile -t files < <(find "$CORPUS" -type f \( -name '*.json' -o -name '*.gz' \) | sort)
vg ingest "${files[@]}" >"$T/ingest.out" 2>"$T/ingest.err"; rc=$?
check "ingest of ${#files[@]} corpus files: no valgrind error" "$([ $rc = 99 ] && cat "$T/ingest.err" || echo clean)" clean
check "ingest: stored some" "$(grep -c '^stored ' "$T/ingest.out" | awk '$1 > 0 {print "yes"}')" yes

# HTTPS: a fresh database, the same files posted, SIGTERM
pg_createdb "$PGDIR" "${P}_vgs" >/dev/null
DB=$(pg_conninfo "$PGDIR" "${P}_vgs")
"$BIN" --db "$DB" db migrate >/dev/null
serve_certs
printf 'database = %s\nlisten = 127.0.0.1:0\ntls_cert = %s\ntls_key = %s\nspool_dir = %s/spool\n' \
    "$DB" "$T/server.pem" "$T/server.key" "$T" >"$T/serve.conf"
$VG "$BIN" -c "$T/serve.conf" serve 2>"$T/serve.log" &
SPID=$!; pids+=("$SPID")
PORT=$(serve_port "$T/serve.log" 600)
codes=
for f in "${files[@]}"; do
	case $f in *.gz) ct=application/tlsrpt+gzip ;; *) ct=application/tlsrpt+json ;; esac
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.pem" \
	    --resolve "localhost:$PORT:127.0.0.1" -H "Content-Type: $ct" \
	    --data-binary @"$f" "https://localhost:$PORT/tlsrpt")"
done
check "serve: every post answered 2xx or 400" "$(tr ' ' '\n' <<<"$codes" | grep -v '^$' | grep -cv '^\(20[0-9]\|400\)$')" 0
kill -TERM "$SPID"; wait "$SPID"; rc=$?
check "serve under valgrind: exit 0, no error" "$([ $rc = 0 ] && echo clean || { echo "exit $rc"; cat "$T/serve.log"; })" clean

# mail: every corpus mail on its own, then all as one mbox
bad=0
for f in "$CORPUS"/*/*.eml; do
	vg ingest-mail <"$f" >/dev/null 2>"$T/mail.err"; rc=$?
	if [ "$rc" != 0 ]; then bad=$((bad + 1)); echo "$f: exit $rc"; cat "$T/mail.err"; fi
done
check "ingest-mail of every corpus mail: exit 0, no valgrind error" "$bad" 0
for f in "$CORPUS"/*/*.eml; do
	printf 'From MAILER-DAEMON Tue Dec  1 10:00:00 2026\n'
	sed 's/\r$//; s/^\(>*From \)/>\1/' "$f"; printf '\n'
done >"$T/corpus.mbox"
vg ingest-mbox "$T/corpus.mbox" >/dev/null 2>"$T/mbox.err"; rc=$?
check "ingest-mbox of the corpus: no valgrind error" "$([ $rc = 99 ] && cat "$T/mbox.err" || echo clean)" clean

# what reads: summary and render of everything stored
vg summary --from 2019-01-01 >/dev/null 2>"$T/sum.err"; rc=$?
check "summary: exit 0, no valgrind error" "$([ $rc = 0 ] && echo clean || { echo "exit $rc"; cat "$T/sum.err"; })" clean
vg render --out "$T/site" --from 2019-01-01 >/dev/null 2>"$T/render.err"; rc=$?
check "render: exit 0, no valgrind error" "$([ $rc = 0 ] && echo clean || { echo "exit $rc"; cat "$T/render.err"; })" clean

echo "$pass passed, $fail failed"
