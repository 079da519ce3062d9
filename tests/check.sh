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
