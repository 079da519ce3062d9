/*
 * fuzz_mime.c - libFuzzer target: the MIME walker that finds the report
 * in a message (ingest/mime.h)
 *
 * DESCRIPTION
 *	Each input is one whole message, walked with the default
 *	mime_limits.  Checked beyond the sanitizers: a success has its
 *	candidates in rank order, each NUL-terminated past its length, no
 *	longer than max_decoded, with a part number within the parts
 *	walked; a failure leaves no message and says why.  (What the mail
 *	door then does with the best candidate is fuzz_json's part: here
 *	it would only slow the walk down.)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mime.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mime_limits	 lim;
	static int			 ready;
	struct mime_message		*m = NULL;
	char				 err[ERRLEN] = "";
	size_t				 i;

	if (!ready) {
		mime_limits_default(&lim);
		ready = 1;
	}
	if (mime_parse(data, size, &lim, &m, err, sizeof err) != 0) {
		if (m != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	if (m == NULL || m->n_parts == 0 || m->n_parts > lim.max_parts ||
	    (m->n_cand > 0 && m->cand == NULL))
		abort();
	for (i = 0; i < m->n_cand; i++) {
		const struct mime_candidate *cd = &m->cand[i];

		if (cd->data == NULL || cd->data[cd->len] != '\0' ||
		    cd->len > lim.max_decoded || cd->rank < MIME_RANK_TYPE ||
		    cd->rank > MIME_RANK_SNIFF || cd->part < 1 ||
		    cd->part > m->n_parts ||
		    (i > 0 && cd->rank < m->cand[i - 1].rank))
			abort();
	}
	mime_free(m);
	return 0;
}
