#!/bin/sh
# run.sh - run the fuzz targets one after another; print and log the
# executions and crashes of each
#
#   sh fuzz/run.sh [-s SECONDS | -n RUNS [-d DKIM_RUNS] [-D SECONDS]]
#	BUILD_DIR [TARGET...]
#
# "make fuzz FUZZ_SECONDS=N" runs it with -s N; -n gives each target a
# number of executions instead of a time (-d another for dkim, whose RSA
# verification is two orders of magnitude slower), and -D a deadline for
# the whole run: each target stops at its executions or at its share of
# the time left (divided by the targets left), whichever comes first, so
# a target that ends early leaves its time to the next.  TARGETs default
# to all: json gunzip mime dkim conf http (BUILD_DIR/fuzz/fuzz_TARGET).
#
# One target at a time, one process, no -jobs/-workers: the machine's
# other cores belong to others; each runs under nice (FUZZ_NICE, 10).
# The corpus grows in BUILD_DIR/corpus/TARGET and is kept between runs;
# the seeds (BUILD_DIR/seeds/TARGET, fuzz/seeds.py) and the dictionary
# (BUILD_DIR/dict/TARGET.dict) are read.  A crash, leak, timeout (25 s
# for one input) or out-of-memory (2 GiB) is written to
# BUILD_DIR/crashes/TARGET-KIND-SHA1: copy it to fuzz/regress/TARGET/
# once it is fixed, and "make test" replays it from then on.
#
# The log, BUILD_DIR/fuzz.log, names the commit and whether the tree had
# changes (git status).  Per target: executions, exec/s over the wall
# clock (libFuzzer's figure), seconds of wall clock and of CPU (on a
# shared machine the ratio says how much of a core the target had), the
# corpus's size, crashes.  libFuzzer's own output of each target is in
# BUILD_DIR/fuzz-out/TARGET.txt.  Exits 1 when a target crashed or did
# not run, else 0.
set -u
cd "$(dirname "$0")/.." || exit 1

usage() {
	echo "usage: sh fuzz/run.sh [-s SECONDS | -n RUNS [-d DKIM_RUNS]" \
	    "[-D SECONDS]] BUILD_DIR [TARGET...]" >&2
	exit 2
}

secs=60 runs="" druns="" total=""
while getopts s:n:d:D: o; do
	case $o in
	s) secs=$OPTARG ;;
	n) runs=$OPTARG ;;
	d) druns=$OPTARG ;;
	D) total=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
B=$1
shift
targets=${*:-json gunzip mime dkim conf http}

# maxlen TARGET - the largest input tried: above the largest seed (a real
# mail is up to 15 KB), small enough to keep the executions fast
maxlen() {
	case $1 in
	mime|dkim) echo 32768 ;;
	conf) echo 8192 ;;
	*) echo 16384 ;;
	esac
}

log=$B/fuzz.log
mkdir -p "$B/fuzz-out" "$B/crashes"
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
changes=$(git status --porcelain 2>/dev/null | wc -l)
tree=clean
if [ "$changes" != 0 ]; then
	tree="dirty ($changes paths changed or untracked: $(git status \
	    --porcelain | head -n 5 | awk '{print $2}' | tr '\n' ' ' |
	    sed 's/ $//'))"
fi
{
	echo "tlsrpt make fuzz - $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit: $commit, tree $tree"
	echo "compiler: $(clang-14 --version 2>/dev/null | head -n 1)"
	echo "flags: -fsanitize=fuzzer,address,undefined" \
	    "-fno-sanitize-recover=all, -O1; one process, nice ${FUZZ_NICE:-10}"
	if [ -n "$runs" ]; then
		echo "budget: $runs executions per target${druns:+ ($druns for dkim)}${total:+, or a share of $total s for the whole run}"
	else
		echo "budget: $secs seconds per target"
	fi
	if [ -f "$B/opendkim/lib/libopendkim.so.11" ]; then
		echo "libopendkim (dkim): ASan + UBSan build of Debian's" \
		    "source $(cat "$B/opendkim/lib/VERSION") (fuzz/opendkim-asan.sh)"
	else
		echo "libopendkim (dkim): Debian's, not instrumented"
	fi
	echo "host: $(uname -srm), $(nproc) CPUs, load $(cut -d' ' -f1-3 \
	    /proc/loadavg) at the start"
	echo "ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}"
	echo
	printf '%-8s %14s %9s %8s %8s %8s %8s\n' target executions exec/s \
	    seconds cpu-s corpus crashes
} >"$log"
cat "$log"

# cpu_children - CPU seconds (user + system) of this shell's finished
# children so far, from the file "times" wrote (times runs in this shell:
# in a subshell it would count the subshell's children only)
cpu_children() {
	awk 'function sec(x, a) { sub(/s$/, "", x); split(x, a, "m");
	    return a[1] * 60 + a[2] }
	    NR == 2 { printf "%d\n", sec($1) + sec($2) }' "$1"
}

# ASan's quarantine of freed memory (256 MiB by default) makes every
# input touch fresh pages: 16 MiB keeps use-after-free detection for
# what one input frees and runs the targets a third faster (measured on
# fuzz_mime); UBSan prints where
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=16}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

failed=0
start=$(date +%s)
left=$(echo $targets | wc -w)
for t in $targets; do
	bin=$B/fuzz/fuzz_$t
	out=$B/fuzz-out/$t.txt
	mkdir -p "$B/corpus/$t" "$B/seeds/$t"
	if [ ! -x "$bin" ]; then
		printf '%-8s not built (%s)\n' "$t" "$bin" | tee -a "$log"
		failed=1
		continue
	fi
	if [ -n "$runs" ]; then
		budget="-runs=$runs"
		[ "$t" = dkim ] && [ -n "$druns" ] && budget="-runs=$druns"
		if [ -n "$total" ]; then
			share=$(( (total - ($(date +%s) - start)) / left ))
			[ "$share" -ge 1 ] || share=1
			budget="$budget -max_total_time=$share"
		fi
	else
		budget="-max_total_time=$secs"
	fi
	dict=""
	[ -f "$B/dict/$t.dict" ] && dict="-dict=$B/dict/$t.dict"
	t0=$(date +%s)
	times >"$B/.times"
	c0=$(cpu_children "$B/.times")
	# fuzz_dkim against the instrumented libopendkim when it is built
	ldp=${LD_LIBRARY_PATH:-}
	[ "$t" = dkim ] && [ -f "$B/opendkim/lib/libopendkim.so.11" ] &&
	    ldp=$B/opendkim/lib${ldp:+:$ldp}
	# shellcheck disable=SC2086
	LD_LIBRARY_PATH=$ldp nice -n "${FUZZ_NICE:-10}" "$bin" $budget $dict \
	    -max_len="$(maxlen "$t")" -timeout=25 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$B/crashes/$t-" \
	    "$B/corpus/$t" "$B/seeds/$t" >"$out" 2>&1
	rc=$?
	t1=$(date +%s)
	times >"$B/.times"
	c1=$(cpu_children "$B/.times")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" |
	    tail -n 1)
	[ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$out" | tail -n 1 |
	    tr -d '#')
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out" |
	    tail -n 1)
	ncorp=$(find "$B/corpus/$t" -type f | wc -l)
	arts=$(sed -n 's/^Test unit written to //p' "$out" |
	    grep -v '/[a-z]*-slow-unit-' || true)
	ncrash=0
	[ -n "$arts" ] && ncrash=$(echo "$arts" | wc -l)
	[ "$rc" != 0 ] && [ "$ncrash" = 0 ] && ncrash=1	# died unwritten
	left=$((left - 1))
	printf '%-8s %14s %9s %8s %8s %8s %8s\n' "$t" "${execs:-?}" \
	    "${rate:-?}" $((t1 - t0)) $((c1 - c0)) "$ncorp" "$ncrash" |
	    tee -a "$log"
	if [ "$ncrash" != 0 ]; then
		failed=1
		{
			grep -m 3 -E '^(SUMMARY|==[0-9]+==ERROR|.*runtime error)' \
			    "$out" | sed 's/^/    /'
			[ -n "$arts" ] && echo "$arts" | sed 's/^/    input: /'
			[ -z "$arts" ] && echo "    exit $rc, no input written:" \
			    "see $out"
		} | tee -a "$log"
	fi
done
echo | tee -a "$log" >/dev/null
if [ "$failed" = 0 ]; then
	echo "result: no crashes" | tee -a "$log"
else
	echo "result: CRASHES (inputs under $B/crashes/)" | tee -a "$log"
fi
echo "log: $log"
exit "$failed"
