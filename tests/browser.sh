#!/bin/bash
# browser.sh - the pages and the digest in Debian's headless Chromium
#
#   bash tests/browser.sh BINARY PGDIR DBPREFIX SHOTDIR
#
# Renders the example reports (etc/examples) and a hostile report whose
# strings carry <script> and onerror= payloads, writes the digest's HTML
# part, and opens the index, the domain pages, the hostile report's page
# and two digests in chromium through playwright-core (tests/browser/,
# installed by "make test"): no console error, no failed or remote load,
# no script, no payload run, no horizontal scroll at 390 px
# (tests/browser/check.mjs).  Screenshots go to SHOTDIR for a person to
# look at (NAME.png at 390 px, NAME-wide.png at 1000 px); with
# TLSRPT_DOCS=1 the index, the example.net page (wide and on a phone) and
# the digest (on a phone) are also copied to docs/ (the README's pictures).
# Prints "FAIL ..." lines and ends with "N passed, N failed".
set -u
BIN=$1 PGDIR=$2 P=$3 SHOTS=$4
cd "$(dirname "$0")/.." || exit 1
. tests/pg.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# playwright-core when "make browser-deps" could install it, else the same
# checks with chromium alone (tests/browser/probe.sh)
if [ -d tests/browser/node_modules/playwright-core ] && command -v node >/dev/null; then
	DRIVER="node tests/browser/check.mjs"
else
	echo "browser: no playwright-core; chromium alone (tests/browser/probe.sh)"
	DRIVER="bash tests/browser/probe.sh"
fi
mkdir -p "$SHOTS"
pg_createdb "$PGDIR" "${P}_br" >/dev/null
DB=$(pg_conninfo "$PGDIR" "${P}_br")
printf 'database = %s\ndomains = example.com, example.net, hostile.example\ndigest_to = hostmaster@example.com\ndigest_from = TLS reports <tlsrpt@example.com>\n' "$DB" >"$T/c.conf"
tl() { "$BIN" -c "$T/c.conf" "$@"; }
tl db migrate >/dev/null
PAY='<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">'
cat >"$T/hostile.json" <<JSON
{"organization-name":"Evil $PAY","date-range":{"start-datetime":"2026-11-18T00:00:00Z","end-datetime":"2026-11-18T23:59:59Z"},
"contact-info":"</pre>$PAY","report-id":"x$PAY","policies":[{"policy":{"policy-type":"sts",
"policy-string":["version: STSv1","mode: testing","mx: $PAY"],"policy-domain":"hostile.example","mx-host":["mx.hostile.example"]},
"summary":{"total-successful-session-count":5,"total-failure-session-count":2},
"failure-details":[{"result-type":"<b onmouseover=x>a</b>","receiving-mx-helo":"$PAY","additional-information":"javascript:window.__pwned=3",
"failure-reason-code":"$PAY","failed-session-count":2}]}]}
JSON
tl ingest etc/examples/* "$T/hostile.json" >/dev/null
tl render --out "$T/site" --from 2026-10-19 --to 2026-11-18 >/dev/null
tl digest --date 2026-11-17 >"$T/digest.eml"
tl digest --date 2026-11-18 >"$T/hostile.eml"
python3 tests/render/pages.py mail "$T/digest.eml" "html=$T/digest.html" >/dev/null
python3 tests/render/pages.py mail "$T/hostile.eml" "html=$T/digest-hostile.html" >/dev/null
hid=$(psql -XAtq "$DB" -c "SELECT id FROM report WHERE report_id LIKE 'x%'")
export HOME=$T/home
mkdir -p "$HOME"
$DRIVER "$SHOTS" "index=$T/site/index.html" \
    "domain-page=$T/site/d/example.net.html" "domain-com=$T/site/d/example.com.html" \
    "domain-hostile=$T/site/d/hostile.example.html" "report-hostile=$T/site/r/$hid.html" \
    "digest=$T/digest.html" "digest-hostile=$T/digest-hostile.html" 2>&1 |
    grep -v -e 'unexpected operator' -e DBus -e dbus
rc=${PIPESTATUS[0]}
if [ -n "${TLSRPT_DOCS:-}" ]; then
	mkdir -p docs
	cp "$SHOTS/index-wide.png" docs/index.png	# check.mjs makes the -wide ones
	cp "$SHOTS/domain-page-wide.png" docs/domain-page.png
	cp "$SHOTS/domain-page.png" docs/domain-page-phone.png
	cp "$SHOTS/digest.png" docs/digest.png
fi
exit "$rc"
