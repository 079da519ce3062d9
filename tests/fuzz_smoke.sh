#!/bin/bash
# fuzz_smoke.sh - a short run of every fuzz target, and a replay of every
# input that once made one crash
#
#   bash tests/fuzz_smoke.sh FUZZ_BUILD_DIR
#
# FUZZ_BUILD_DIR is where "make fuzz-targets" built the libFuzzer targets
# (build-fuzz/fuzz/fuzz_*) and their seeds (build-fuzz/seeds/, dict/).
# Checks, each a pass or a failure:
#   - every target runs FUZZ_SMOKE_SECONDS (default 20) from its seeds,
#     into a throwaway corpus, without a crash, a leak, a timeout or an
#     out-of-memory, and gets through at least 1000 executions (a target
#     that stopped early or did nothing is a failure too);
#   - the DKIM seeds reach the verification: at least one of them is
#     proven by the gate with the fixed keys (fuzz/dkim/), one is refused
#     for its key's s=;
#   - every file of fuzz/regress/TARGET/ (a crash found once, fixed since)
#     runs through its target cleanly.
# When the targets are not built it says so and counts nothing, unless
# FUZZ_SMOKE_REQUIRED=1 ("make test" sets it): then that is a failure.
# Prints "FAIL ..." lines and ends with "N passed, N failed".
set -u
B=${1:?usage: fuzz_smoke.sh FUZZ_BUILD_DIR}
SECS=${FUZZ_SMOKE_SECONDS:-20}
cd "$(dirname "$0")/.." || exit 1
. tests/check.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=16}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
TARGETS="json gunzip mime dkim conf http"

if [ ! -x "$B/fuzz/fuzz_json" ]; then
	echo "fuzz_smoke: no targets in $B (make fuzz-targets)"
	[ "${FUZZ_SMOKE_REQUIRED:-0}" = 1 ] && fail=1
	echo "$pass passed, $fail failed"
	exit 0
fi

for t in $TARGETS; do
	bin=$B/fuzz/fuzz_$t
	mkdir -p "$T/corpus-$t" "$T/art"
	dict=""
	[ -f "$B/dict/$t.dict" ] && dict="-dict=$B/dict/$t.dict"
	# shellcheck disable=SC2086
	nice -n 10 "$bin" -max_total_time="$SECS" $dict -max_len=32768 \
	    -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$T/art/$t-" "$T/corpus-$t" "$B/seeds/$t" \
	    >"$T/$t.out" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$t.out")
	check "fuzz_$t: ${SECS}s without a crash (exit status)" "$rc" 0
	if [ "$rc" != 0 ]; then
		# keep what it wrote, and libFuzzer's output, past the cleanup
		mkdir -p "$B/crashes"
		cp "$T"/art/"$t"-* "$B/crashes/" 2>/dev/null
		cp "$T/$t.out" "$B/crashes/$t-smoke-$(date +%s).out"
		grep -m 8 -E 'ERROR|CHECK failed|runtime error|SUMMARY|#[0-9]+ .* in |written to' "$T/$t.out"
		echo "fuzz_$t: input and output kept in $B/crashes/"
	fi
	if [ "${execs:-0}" -ge 1000 ]; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL fuzz_$t: ${execs:-no} executions"; fi
	echo "fuzz_$t: ${execs:-?} executions in ${SECS}s"
done

# the DKIM seeds verify with the fixed keys (else the target would only
# ever see unsigned mail)
out=$(FUZZ_DKIM_VERBOSE=1 "$B/fuzz/fuzz_dkim" "$B"/seeds/dkim/* 2>&1)
check_has "fuzz_dkim seeds: one is proven" "$out" "fuzz_dkim: outcome 0 sigs 1 lookups 1 dkim d=example.net s=fuzz"
check_has "fuzz_dkim seeds: an s=email key is refused" "$out" "the key's s= allows neither * nor tlsrpt"

# the inputs that once crashed a target
n=0
for t in $TARGETS; do
	for f in fuzz/regress/"$t"/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		"$B/fuzz/fuzz_$t" "$f" >"$T/regress.out" 2>&1
		rc=$?
		check "regression $f" "$rc" 0
		[ "$rc" = 0 ] || grep -m 5 -E 'ERROR|runtime error|SUMMARY' "$T/regress.out"
	done
done
echo "fuzz_smoke: $n regression inputs replayed"
echo "$pass passed, $fail failed"
