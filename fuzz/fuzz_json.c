/*
 * fuzz_json.c - libFuzzer target: the report decoder (ingest/decode.h)
 *
 * DESCRIPTION
 *	Each input is a report body as a door receives it: report_decode()
 *	sniffs it (gzip or JSON), inflates it and parses it with the
 *	defaults' report_limits (max_report_bytes, max_report_values of
 *	conf_init), then the domain rules run on what it decoded, as the
 *	intake runs them.  Checked beyond the sanitizers: a success gives a
 *	report and an empty error, a failure gives neither a report nor an
 *	empty error, and the error code is one the doors map.
 *
 *	Run by "make fuzz" (fuzz/run.sh); seeds from fuzz/seeds.sh, keys
 *	of RFC 8460 in fuzz/json.dict.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "conf.h"
#include "decode.h"
#include "domainset.h"
#include "report.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct report_limits	 lim;
	static struct domainset		*both, *one;
	static int			 ready;
	struct report			*r = NULL;
	enum report_error		 e;
	char				 err[ERRLEN] = "";

	if (!ready) {
		struct conf	 c;

		conf_init(&c);
		lim.max_json = c.max_report_bytes;
		lim.max_values = c.max_report_values;
		conf_free(&c);
		both = domainset_new();
		domainset_add(both, "example.com");
		domainset_add(both, "krvtz.net");
		one = domainset_new();
		domainset_add(one, "example.com");
		ready = 1;
	}
	e = report_decode(data, size, &lim, &r, err, sizeof err);
	if ((e == REPORT_OK) != (r != NULL) || (e != REPORT_OK &&
	    err[0] == '\0') || e > REPORT_ERR_SCHEMA)
		abort();
	if (r != NULL) {
		(void)report_is_ours(r, both);
		report_assign_domains(r, "example.com");
		(void)report_is_ours(r, one);
		report_free(r);
	}
	return 0;
}
