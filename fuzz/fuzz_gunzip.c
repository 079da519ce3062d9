/*
 * fuzz_gunzip.c - libFuzzer target: gzip inflation with the cap
 * (ingest/gunzip.h)
 *
 * DESCRIPTION
 *	Each input is inflated with a cap of 64 KiB (small, so that bombs
 *	reach it in a few steps and the run stays fast; the cap's code is
 *	the same at any size).  Checked beyond the sanitizers: the result
 *	agrees with its return code, the output never passes the cap and is
 *	NUL-terminated, and inflating it again with the cap one byte below
 *	its size fails with -2: the cap is exact.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gunzip.h"
#include "util.h"

#define CAP	(64 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*out = NULL, *out2 = NULL;
	size_t		 len = 0, len2 = 0;
	unsigned	 flags = 0, flags2 = 0;
	char		 err[ERRLEN] = "";
	int		 rc, rc2;

	(void)gunzip_magic(data, size);
	rc = gunzip(data, size, CAP, &out, &len, &flags, err, sizeof err);
	if (rc != 0) {
		if ((rc != -1 && rc != -2) || out != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	if (out == NULL || len > CAP || out[len] != '\0' ||
	    (flags & ~(unsigned)(GUNZIP_MULTI_MEMBER | GUNZIP_TRAILING_JUNK)))
		abort();
	if (len > 0) {
		rc2 = gunzip(data, size, len - 1, &out2, &len2, &flags2, err,
		    sizeof err);
		if (rc2 != -2 || out2 != NULL)
			abort();
	}
	free(out);
	return 0;
}
