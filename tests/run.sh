#!/bin/sh
# run.sh - run every test against the builds named, print "N passed, N failed"
#
#   sh tests/run.sh [--unit-only] [--valgrind] BUILD_DIR...
#
# --valgrind: at the end, the unit tests of the first build again under
# valgrind, and the corpus through every door (tests/valgrind.sh); with
# --unit-only, only that.
#
# Starts one throwaway PostgreSQL (tests/pg.sh) for the whole run and stops
# it at the end, also on failure or Ctrl-C.  Each unit program and the
# integration script print their own "N passed, N failed"; this sums them.
# The real-report corpus is read from ../shared/corpus/real (TLSRPT_CORPUS).
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/pg.sh

unit_only=0 vg=0
[ "${1:-}" = "--unit-only" ] && { unit_only=1; shift; }
[ "${1:-}" = "--valgrind" ] && { vg=1; shift; }
VGCMD="valgrind -q --leak-check=full --error-exitcode=1"
: "${TLSRPT_CORPUS:=$(cd .. && pwd)/shared/corpus/real}"
export TLSRPT_CORPUS
if [ ! -f "$TLSRPT_CORPUS/MANIFEST.tsv" ]; then
	echo "run.sh: corpus not found at $TLSRPT_CORPUS (set TLSRPT_CORPUS)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

PGTMP=$(pg_tmpdir) || exit 1
cleanup() { pg_stop "$PGTMP"; rm -rf "$PGTMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
pg_start "$PGTMP" || { echo "0 passed, 1 failed"; exit 1; }

total_p=0 total_f=0
# tally NAME OUTPUT_FILE STATUS - add a program's closing counts
tally() {
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$1: no summary line (exit $3)"; cat "$2"
		total_f=$((total_f + 1)); return
	fi
	p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then f=1; cat "$2"; fi
	[ "$f" = 0 ] || grep -v -E '^[0-9]+ passed, [0-9]+ failed' "$2" | head -n 200
	echo "$1: $p passed, $f failed"
	total_p=$((total_p + p)); total_f=$((total_f + f))
}

out=$(mktemp)
n=0
# run_script NAME BUILD DBNAME - run tests/NAME.sh against BUILD's binary
run_script() {
	bash "tests/$1.sh" "$2/tlsrpt" "$PGTMP" "$3" >"$out" 2>&1
	tally "$2/$1" "$out" $?
}
# units BUILD DBNAME [WRAPPER...] - every unit test program of BUILD,
# each run by WRAPPER (e.g. valgrind) when given
units() {
	ub=$1 udb=$2
	shift 2
	pg_createdb "$PGTMP" "$udb" >/dev/null
	for t in "$ub"/tests/test_*; do
		[ -x "$t" ] || continue
		TLSRPT_TEST_DB=$(pg_conninfo "$PGTMP" "$udb") "$@" "$t" \
		    >"$out" 2>&1
		tally "${1:+$1 }$t" "$out" $?
	done
}
# is one of the builds ASan's? (tests/fault.sh's parts, below)
asan_run=0
for b in "$@"; do ldd "$b/tlsrpt" 2>/dev/null | grep -q libasan && asan_run=1; done
for b in "$@"; do
	n=$((n + 1))
	units "$b" "unit$n"
	[ "$unit_only" = 1 ] && continue
	run_script integration "$b" "it$n"
	run_script output "$b" "out$n"
	run_script http "$b" "http$n"
	run_script mail "$b" "mail$n"
	run_script postfix "$b" "pf$n"
	run_script attack "$b" "attack$n"
	run_script ops "$b" "ops$n"
	run_script render "$b" "ren$n"
	run_script digest "$b" "dig$n"
	run_script purge "$b" "pur$n"
	# faults injected into real processes (stops PostgreSQL, kills the
	# server, mounts a tmpfs; 3-4 minutes): every part under the ASan
	# build, for the error paths they walk; under a plain build only the
	# parts that assert memory budgets (ASan's RSS means nothing), unless
	# no ASan build is in this run
	parts=all
	if [ "$asan_run" = 1 ] && ! ldd "$b/tlsrpt" | grep -q libasan; then
		parts="hostile mails slowloris"
	fi
	FAULT_PARTS=$parts bash tests/fault.sh "$b/tlsrpt" "$PGTMP" "fault$n" \
	    >"$out" 2>&1
	tally "$b/fault" "$out" $?
done
# valgrind over the first build: the unit tests, then the corpus through
# every door
if [ "$vg" = 1 ]; then
	# shellcheck disable=SC2086
	units "$1" unitvg $VGCMD
	bash tests/valgrind.sh "$1/tlsrpt" "$PGTMP" vg >"$out" 2>&1
	tally "valgrind $1/tlsrpt" "$out" $?
fi
# the browser test once (it tests the HTML, not the build): the first build
if [ "$unit_only" = 0 ]; then
	bash tests/units.sh "$1/tlsrpt" >"$out" 2>&1
	tally "units" "$out" $?
	bash tests/browser.sh "$1/tlsrpt" "$PGTMP" brw "$1/test-output/browser" \
	    >"$out" 2>&1
	tally "$1/browser" "$out" $?
	echo "screenshots for a person to look at: $1/test-output/browser/"
	bash tests/fuzz_smoke.sh build-fuzz >"$out" 2>&1; tally build-fuzz/fuzz "$out" $?
fi
rm -f "$out"
echo "$total_p passed, $total_f failed"
[ "$total_f" = 0 ]
