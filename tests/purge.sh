#!/bin/bash
# purge.sh - retention: "tlsrpt db purge" against a real PostgreSQL
#
#   bash tests/purge.sh BINARY PGDIR DBPREFIX
#
# Reports 400, 365 (the cutoff day itself: kept), 31 and 2 days old (with policies, failure details, a
# conflicting copy, a kept mail) and quarantine entries of several ages;
# then --dry-run, purge with retention_days, --days, --batch; what is left
# must be exactly the young reports with all their rows.  Ends with
# "N passed, N failed".
set -u
BIN=$1 PGDIR=$2 P=$3
cd "$(dirname "$0")/.." || exit 1
. tests/pg.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/check.sh

pg_createdb "$PGDIR" "${P}_purge" >/dev/null
DB=$(pg_conninfo "$PGDIR" "${P}_purge")
CONF=$T/p.conf
printf 'database = %s\ndomains = example.com\ndkim = off\n' "$DB" >"$CONF"
sql() { psql -XAtq "$DB" -c "$1"; }
tl() { "$BIN" -c "$CONF" "$@"; }
tl db migrate >/dev/null

# report AGE_DAYS ID [TOTAL] - a report AGE_DAYS before today (UTC) with
# one policy and two failure details, into $T/ID.json
report() {
	python3 - "$1" "$2" "${3:-100}" >"$T/$2.json" <<'EOF'
import datetime, json, sys
age, rid, total = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
d = datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=age)
print(json.dumps({
    "organization-name": "Purge Test", "report-id": rid,
    "contact-info": "tls@example.net",
    "date-range": {"start-datetime": d.isoformat() + "T00:00:00Z",
                   "end-datetime": d.isoformat() + "T23:59:59Z"},
    "policies": [{"policy": {"policy-type": "sts", "policy-domain": "example.com",
                             "policy-string": ["version: STSv1", "mode: enforce"]},
                  "summary": {"total-successful-session-count": total,
                              "total-failure-session-count": 3},
                  "failure-details": [
                      {"result-type": "certificate-expired", "failed-session-count": 2},
                      {"result-type": "starttls-not-supported", "failed-session-count": 1}]}]}))
EOF
}
for r in old1:400 old2:400 old3:400 keep365:365 edge:31 young1:2 young2:2; do
	report "${r#*:}" "${r%%:*}"
done
tl ingest "$T"/old1.json "$T"/old2.json "$T"/keep365.json "$T"/edge.json \
    "$T"/young1.json "$T"/young2.json >/dev/null 2>&1
check "setup: six reports stored" "$(sql 'SELECT count(*) FROM report')" 6
# old3 arrives by mail (kept message); old1 gets a conflicting copy
python3 tests/mail/mkmail.py "$T/old3.eml" "$T/old3.json" >/dev/null
tl ingest-mail <"$T/old3.eml" >/dev/null 2>&1
check "setup: the mailed report kept its message" \
    "$(sql "SELECT count(*) FROM report_message m JOIN report r ON r.id = m.report_id WHERE r.report_id = 'old3'")" 1
report 400 old1 999
tl ingest "$T/old1.json" >/dev/null 2>&1
check "setup: a conflicting copy of old1" \
    "$(sql 'SELECT count(*) FROM report_conflict')" 1
sql "INSERT INTO quarantine (received_at, transport, source, reason, raw, raw_sha256)
     SELECT now() - (a || ' days')::interval, 'https', '192.0.2.1', 'test', convert_to(a::text, 'UTF8'), sha256(convert_to(a::text, 'UTF8'))
     FROM unnest(ARRAY[500, 400, 1]) a" >/dev/null
young_rows() {
	sql "SELECT (SELECT count(*) FROM report WHERE report_id LIKE 'young%'),
	    (SELECT count(*) FROM policy p JOIN report r ON r.id = p.report_id WHERE r.report_id LIKE 'young%'),
	    (SELECT count(*) FROM failure_detail f JOIN report r ON r.id = f.report_id WHERE r.report_id LIKE 'young%')"
}
all_rows() {
	sql "SELECT (SELECT count(*) FROM report), (SELECT count(*) FROM policy),
	    (SELECT count(*) FROM failure_detail), (SELECT count(*) FROM report_conflict),
	    (SELECT count(*) FROM report_message), (SELECT count(*) FROM quarantine)"
}
check "setup: rows" "$(all_rows)" "7|7|14|1|1|3"

# --- retention_days = 0: nothing ------------------------------------------
out=$(tl db purge 2>&1); rc=$?
check "keep everything: exit" "$rc" 0
check_has "keep everything: says so" "$out" "retention_days = 0 (keep everything)"
check "keep everything: nothing deleted" "$(all_rows)" "7|7|14|1|1|3"

# --- usage ----------------------------------------------------------------
tl db purge --days 0 >/dev/null 2>&1; check "usage: --days 0" "$?" 64
tl db purge --days x >/dev/null 2>&1; check "usage: --days x" "$?" 64
tl db purge --batch 0 --days 5 >/dev/null 2>&1; check "usage: --batch 0" "$?" 64
tl db purge --frob >/dev/null 2>&1; check "usage: unknown option" "$?" 64
printf 'retention_days = 36501\n' >"$T/bad.conf"
"$BIN" -c "$T/bad.conf" -n >/dev/null 2>&1; check "conf: retention_days bound" "$?" 78

# --- dry run --------------------------------------------------------------
printf 'retention_days = 365\n' >>"$CONF"
out=$(tl db purge --dry-run 2>&1); rc=$?
check "dry run: exit" "$rc" 0
check_has "dry run: counts old1..3 with their rows" "$out" \
    "would purge before $(date -u -d '365 days ago' +%F): 3 reports (3 policies, 6 failure details, 1 conflicting copies, 1 mail messages), 2 quarantine entries"
check "dry run: nothing deleted" "$(all_rows)" "7|7|14|1|1|3"

# --- purge in batches of 2 ------------------------------------------------
out=$(tl db purge --batch 2 2>&1); rc=$?
check "purge: exit" "$rc" 0
check_has "purge: what went, in batches" "$out" \
    "3 reports (3 policies, 6 failure details, 1 conflicting copies, 1 mail messages), 2 quarantine entries, in 3 transactions"
check "purge: left: edge + young with all rows, the young quarantine entry" \
    "$(all_rows)" "4|4|8|0|0|1"
check "purge: the reports left" \
    "$(sql "SELECT string_agg(report_id, ',' ORDER BY report_id) FROM report")" \
    "edge,keep365,young1,young2"
check "purge: young reports whole" "$(young_rows)" "2|2|4"
check "purge: no orphan failure detail" \
    "$(sql 'SELECT count(*) FROM failure_detail f WHERE NOT EXISTS (SELECT 1 FROM policy p WHERE p.report_id = f.report_id AND p.idx = f.policy_idx)')" 0
out=$(tl db purge 2>&1)
check_has "purge again: nothing" "$out" "0 reports (0 policies, 0 failure details, 0 conflicting copies, 0 mail messages), 0 quarantine entries, in 0 transactions"

# --- --days overrides retention_days ---------------------------------------
out=$(tl db purge --days 30 2>&1)
check_has "--days 30: the 365- and 31-day-old reports go" "$out" "purged before $(date -u -d '30 days ago' +%F): 2 reports"
check "--days 30: young reports stay whole" "$(young_rows)" "2|2|4"
check "--days 30: summary counts what is left" \
    "$(tl summary --from "$(date -u -d "40 days ago" +%F)" --format csv | grep ',total,' | tr -d '\r')" \
    '"example.com",total,,2,200,6,'

# --- a purge meets a report locked by another transaction: skipped ---------
report 100 locked
tl ingest "$T/locked.json" >/dev/null 2>&1
( psql -XAtq "$DB" -c "BEGIN; SELECT id FROM report WHERE report_id = 'locked' FOR UPDATE; SELECT pg_sleep(3); COMMIT;" >/dev/null ) &
sleep 1
out=$(timeout 10 "$BIN" -c "$CONF" db purge --days 30 2>&1); rc=$?
check "locked report: purge does not wait" "$rc" 0
check "locked report: left for the next run" \
    "$(sql "SELECT count(*) FROM report WHERE report_id = 'locked'")" 1
wait
out=$(tl db purge --days 30 2>&1)
check_has "locked report: next run takes it" "$out" ": 1 reports"

# --- database down: 75 ----------------------------------------------------
printf 'database = host=/nonexistent dbname=x\nretention_days = 5\n' >"$T/down.conf"
"$BIN" -c "$T/down.conf" db purge >/dev/null 2>&1; check "database unreachable: 75" "$?" 75

echo "$pass passed, $fail failed"
