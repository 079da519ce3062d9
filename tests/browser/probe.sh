#!/bin/bash
# probe.sh - the checks of check.mjs with Debian's chromium alone
#
#   bash tests/browser/probe.sh SHOTDIR NAME=FILE...
#
# Where playwright-core could not be installed (npm cannot reach its
# registry), tests/browser.sh runs this instead.  Each page is loaded in a
# 390 px wide iframe of a probe page of ours (--allow-file-access-from-
# files lets the probe read it), which writes what it measured into its
# own title; --dump-dom prints that: the scripts in the page, whether a
# report's payload ran (window.__pwned), scrollWidth against clientWidth.
# Console errors and failed loads come from chromium's log on stderr
# (--enable-logging), a screenshot from --screenshot at 390x844.  Prints
# "FAIL ..." lines and "N passed, N failed".
set -u
SHOTS=$1
shift
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
check() {
	if [ "$2" = "$3" ]; then pass=$((pass + 1)); else
		fail=$((fail + 1)); printf 'FAIL %s:\n  got:  %s\n  want: %s\n' "$1" "$2" "$3"; fi
}
CHROME=(chromium --headless --no-sandbox --disable-gpu --no-first-run
    --disable-background-networking --disable-component-update --disable-sync
    "--host-resolver-rules=MAP * ~NOTFOUND" --user-data-dir="$T/ud")
for spec in "$@"; do
	name=${spec%%=*} file=${spec#*=}
	cat >"$T/probe.html" <<HTML
<!DOCTYPE html><html><head><title>probe</title></head><body style="margin:0">
<iframe id="f" src="file://$file" style="width:390px;height:844px;border:0"></iframe>
<script>
var f = document.getElementById('f');
f.onload = function () {
  try {
    var d = f.contentDocument, e = d.documentElement;
    document.title = 'scripts=' + d.scripts.length + ' pwned=' +
      (f.contentWindow.__pwned === undefined ? 'no' : 'yes') +
      ' scroll=' + (e.scrollWidth > e.clientWidth ? e.scrollWidth + '>' + e.clientWidth : 'no');
  } catch (x) { document.title = 'error ' + x; }
};
</script></body></html>
HTML
	out=$(HOME=$T "${CHROME[@]}" --allow-file-access-from-files \
	    --virtual-time-budget=5000 --dump-dom "file://$T/probe.html" 2>/dev/null)
	title=$(sed -n 's|.*<title>\(.*\)</title>.*|\1|p' <<<"$out" | head -n 1)
	check "$name: no script, no payload ran, no horizontal scroll at 390 px" \
	    "$title" "scripts=0 pwned=no scroll=no"
	log=$(HOME=$T "${CHROME[@]}" --enable-logging=stderr --v=0 \
	    --virtual-time-budget=3000 --dump-dom "file://$file" 2>&1 >/dev/null |
	    grep -E 'CONSOLE|Failed to load|Uncaught|net::ERR_' | grep -v -e DBus -e dbus)
	check "$name: no console error or failed load" "$log" ""
	HOME=$T "${CHROME[@]}" --window-size=390,844 --hide-scrollbars \
	    --screenshot="$SHOTS/$name.png" "file://$file" >/dev/null 2>&1
	size=$(stat -c %s "$SHOTS/$name.png" 2>/dev/null || echo 0)
	check "$name: screenshot" "$([ "$size" -gt 5000 ] && echo yes)" yes
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
