#!/bin/sh
# opendkim-asan.sh - build Debian's libopendkim from its source with ASan
# and UBSan, for fuzz_dkim to run against
#
#   sh fuzz/opendkim-asan.sh BUILD_DIR
#
# Why: Debian's libopendkim is not instrumented, so a bad write inside it
# shows up (if at all) long after, as a corrupted heap in some later
# free().  That is how fuzz_dkim first met the library's errors that
# ingest/dkim_guard.h now guards against; against this build each shows
# where it happens.  "make fuzz" uses it for fuzz_dkim when it exists
# (fuzz/run.sh: LD_LIBRARY_PATH, named in the log); "make fuzz-opendkim"
# runs this script.
#
# The source is the installed package's version (dpkg-query), fetched by
# apt-get source from deb.debian.org with a private sources list and
# private package lists under BUILD_DIR/opendkim/apt, so the machine's own
# apt lists are left as they are.  Debian's patches are applied in the
# order of debian/patches/series; the library alone is built (configure
# --disable-filter; the Debian build's other options concern the filter
# and its databases) into BUILD_DIR/opendkim/lib/libopendkim.so.11.
# Needs root for apt-get (the Makefile's deps step installs autoconf,
# automake, libtool, libbsd-dev and clang-14).
set -eu
B=${1:?usage: sh fuzz/opendkim-asan.sh BUILD_DIR}
D=$(cd "$B" && pwd)/opendkim
ver=$(dpkg-query -W -f '${Version}' libopendkim11)
if [ -f "$D/lib/libopendkim.so.11" ] &&
    [ "$(cat "$D/lib/VERSION" 2>/dev/null)" = "$ver" ]; then
	echo "opendkim-asan: $D/lib has $ver already"
	exit 0
fi
rm -rf "$D"
mkdir -p "$D/apt/lists/partial" "$D/apt/cache/archives/partial" "$D/src" \
    "$D/lib"
cat >"$D/apt/sources.list" <<EOF
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian-security bookworm-security main
EOF
apt() {
	apt-get -q -o Dir::Etc::sourcelist="$D/apt/sources.list" \
	    -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$D/apt/lists" \
	    -o Dir::Cache="$D/apt/cache" -o APT::Sandbox::User=root "$@"
}
apt update >"$D/apt/update.log" 2>&1 ||
    { cat "$D/apt/update.log" >&2; exit 1; }
(cd "$D/src" && apt source --download-only "opendkim=$ver") \
    >"$D/apt/source.log" 2>&1 || { cat "$D/apt/source.log" >&2; exit 1; }
cd "$D/src"
tar xzf opendkim_*.orig.tar.gz
top=$(find . -mindepth 1 -maxdepth 1 -type d | head -n 1)
cd "$top"
tar xJf ../opendkim_*.debian.tar.xz
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	patch -s -p1 <"debian/patches/$p"
done <debian/patches/series
san="-fsanitize=address,undefined -fno-omit-frame-pointer"
{
	autoreconf -fi
	CC=clang-14 CFLAGS="-O1 -g $san" LDFLAGS="-fsanitize=address,undefined" \
	    ./configure --disable-filter --enable-atps --disable-live-testing \
	    --enable-shared --disable-static
	make -C libopendkim
} >"$D/build.log" 2>&1 || { tail -n 30 "$D/build.log" >&2; exit 1; }
cp -P libopendkim/.libs/libopendkim.so* "$D/lib/"
echo "$ver" >"$D/lib/VERSION"
echo "opendkim-asan: $D/lib/libopendkim.so.11 ($ver, ASan + UBSan)"
