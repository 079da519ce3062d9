#!/bin/bash
# units.sh - the systemd units and the Postfix entry keep their hardening
#
#   bash tests/units.sh BINARY
#
# systemd-analyze (from Debian's systemd package; no running systemd
# needed) checks every unit in etc/ with the binary's path put in, and
# rates tlsrpt.service: the sandbox must stay at exposure 2.0 or better.
# Ends with "N passed, N failed".
set -u
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/.." || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/check.sh

for f in etc/*.service etc/*.timer; do
	sed "s|/usr/local/bin/tlsrpt|$BIN|g" "$f" >"$T/$(basename "$f")"
done
out=$(cd "$T" && systemd-analyze verify --man=no ./*.service ./*.timer 2>&1)
check "units: systemd-analyze verify says nothing" "$?:$out" "0:"

out=$(systemd-analyze security --offline=true --threshold=20 \
    "$T/tlsrpt.service" 2>&1); rc=$?
check "tlsrpt.service: exposure at most 2.0" "$rc" 0
level=$(grep -o 'exposure level for tlsrpt.service: [0-9.]*' <<<"$out")
check "tlsrpt.service: the README quotes its exposure" \
    "$(grep -c "${level##* } OK" README.md)" 1
for k in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes \
    User=tlsrpt "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
    "CapabilityBoundingSet=CAP_NET_BIND_SERVICE" \
    "SystemCallFilter=@system-service"; do
	grep -qx "$k" etc/tlsrpt.service
	check "tlsrpt.service: $k" "$?" 0
done
for f in etc/tlsrpt-*.service; do
	grep -qx "User=tlsrpt" "$f"; check "$f: runs as tlsrpt" "$?" 0
	# the digest's sendmail runs Postfix's setgid postdrop: no
	# NoNewPrivileges there (its unit says so)
	[ "$f" = etc/tlsrpt-digest.service ] && continue
	grep -qx "NoNewPrivileges=yes" "$f"; check "$f: NoNewPrivileges" "$?" 0
done
# Postfix's pipe runs ingest-mail as an unprivileged user, never root
grep -q 'user=tlsrpt ' etc/postfix/master.cf.tlsrpt
check "postfix: pipe runs as tlsrpt" "$?" 0

echo "$pass passed, $fail failed"
