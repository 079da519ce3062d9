/*
 * fuzz_conf.c - libFuzzer target: the configuration parser (lib/conf.h)
 *
 * DESCRIPTION
 *	Each input is a whole configuration file, parsed from memory by
 *	conf_parse() (what conf_load() does with a file), then checked
 *	across keys by conf_finish() and printed by conf_dump(), as
 *	"tlsrpt config" would.  Checked beyond the sanitizers: a failure
 *	says why, and every size key stays within its table bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE	*devnull;
	struct conf	 c;
	char		 err[ERRLEN] = "";

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	conf_init(&c);
	if (conf_parse(&c, "fuzz.conf", (const char *)data, size, err,
	    sizeof err) == 0) {
		err[0] = '\0';
		if (conf_finish(&c, err, sizeof err) == -1 && err[0] == '\0')
			abort();
		/* bounds of the table (lib/conf.c) */
		if (c.max_report_bytes < 1024 || c.max_body_bytes < 1024 ||
		    c.batch_reports < 1 || c.batch_reports > 100000 ||
		    c.report_path.n == 0)
			abort();
		conf_dump(&c, devnull);
	} else if (err[0] == '\0')
		abort();
	conf_free(&c);
	return 0;
}
