/*
 * fuzz_dkim.c - libFuzzer target: whole messages through the DKIM gate
 * (ingest/dkim_gate.h)
 *
 * DESCRIPTION
 *	Each input is one message, judged by gate_check() against the fixed
 *	keys file fuzz/dkim/keys.txt (libopendkim's test format; never DNS),
 *	aligned with example.net, the domain the seeds are signed for
 *	(fuzz/dkim/signer.pem, by python3-dkim in fuzz/seeds.sh), so the
 *	fuzzer reaches the key lookup, the RSA verification and the body
 *	hash.  Checked beyond the sanitizers: the outcome is one of the
 *	three, a proof names a domain, and anything not proven says why.
 *	With FUZZ_DKIM_VERBOSE set in the environment each outcome and
 *	reason is printed (to see what a corpus reaches: "make fuzz" does
 *	not set it).
 *
 *	FUZZ_KEYS is the keys file's path, set by the Makefile.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dkim_gate.h"
#include "util.h"

#ifndef FUZZ_KEYS
#define FUZZ_KEYS	"fuzz/dkim/keys.txt"
#endif

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const align[] = { "example.net", NULL, "Mail.Example.ORG." };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gate	*g;
	static int		 verbose;
	struct gate_conf	 gc = { FUZZ_KEYS, 0, NULL, 0, 0 };
	struct gate_result	 res;
	enum gate_outcome	 o;
	char			 err[ERRLEN], auth[512];

	if (g == NULL) {
		if ((g = gate_open(&gc, err, sizeof err)) == NULL) {
			fprintf(stderr, "fuzz_dkim: %s\n", err);
			abort();
		}
		verbose = getenv("FUZZ_DKIM_VERBOSE") != NULL;
	}
	o = gate_check(g, data, size, align, 3, &res);
	if (o != res.outcome || (o != GATE_PROVEN && o != GATE_UNPROVEN &&
	    o != GATE_TEMPFAIL))
		abort();
	if (o == GATE_PROVEN && (res.domain[0] == '\0' ||
	    res.proof[0] == '\0'))
		abort();
	if (o != GATE_PROVEN && res.reason[0] == '\0')
		abort();
	gate_auth(&res, auth, sizeof auth);
	if (verbose)
		fprintf(stderr, "fuzz_dkim: outcome %d sigs %d lookups %d "
		    "%s: %s\n", (int)o, res.nsigs, res.lookups, auth,
		    res.reason);
	return 0;
}
