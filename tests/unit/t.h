/*
 * t.h - the unit-test harness: got/want tables, one line per failure
 *
 * Each tests/unit/test_*.c is its own program: it runs its tables through
 * t_ok()/t_str()/t_int() and ends main() with "return t_done();", which
 * prints "N passed, N failed" (summed over all programs by tests/run.sh)
 * and returns non-zero when anything failed.  The corpus directory
 * (../shared/corpus/real) is in the environment as TLSRPT_CORPUS.
 */
#ifndef TLSRPT_T_H
#define TLSRPT_T_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t_passed, t_failed;

__attribute__((unused)) static int
t_ok(const char *name, int cond, const char *what)
{
	if (cond) {
		t_passed++;
		return 1;
	}
	t_failed++;
	printf("FAIL %s: %s\n", name, what ? what : "condition false");
	return 0;
}

__attribute__((unused)) static int
t_str(const char *name, const char *got, const char *want)
{
	if ((got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0)) {
		t_passed++;
		return 1;
	}
	t_failed++;
	printf("FAIL %s: got \"%s\", want \"%s\"\n", name,
	    got ? got : "(null)", want ? want : "(null)");
	return 0;
}

__attribute__((unused)) static int
t_int(const char *name, int64_t got, int64_t want)
{
	if (got == want) {
		t_passed++;
		return 1;
	}
	t_failed++;
	printf("FAIL %s: got %" PRId64 ", want %" PRId64 "\n", name, got, want);
	return 0;
}

__attribute__((unused)) static int
t_done(void)
{
	printf("%d passed, %d failed\n", t_passed, t_failed);
	return t_failed != 0;
}

#endif
