# check.sh - assertions for the bash test scripts (sourced)
#
# Each counts into $pass / $fail and prints "FAIL ..." with what it got;
# the script ends with: echo "$pass passed, $fail failed".
pass=0 fail=0

# check NAME GOT WANT - exact comparison
check() {
	if [ "$2" == "$3" ]; then pass=$((pass + 1)); else
		fail=$((fail + 1)); printf 'FAIL %s:\n  got:  %s\n  want: %s\n' "$1" "$2" "$3"; fi
}

# check_has NAME TEXT NEEDLE - TEXT contains NEEDLE
check_has() {
	case "$2" in *"$3"*) pass=$((pass + 1)) ;;
	*) fail=$((fail + 1)); printf 'FAIL %s: "%s" not in:\n%s\n' "$1" "$3" "$2" ;; esac
}

# check_py NAME CMD... - run a checker that prints "FAIL ..." lines and
# "N passed, N failed" last (tests/render/pages.py); add its counts
check_py() {
	local name=$1 out line p f
	shift
	out=$("$@" 2>&1)
	line=$(tail -n 1 <<<"$out")
	case $line in
	*" passed, "*" failed") p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*} ;;
	*) p=0; f=1 ;;
	esac
	pass=$((pass + p)); fail=$((fail + f))
	[ "$f" = 0 ] || printf 'FAIL %s:\n%s\n' "$name" "$out"
}
