/*
 * tgz.h - gzip inputs made by the tests themselves (zlib's deflate), for
 * the gunzip and report tests.  Static functions: include once per test.
 */
#ifndef TLSRPT_TGZ_H
#define TLSRPT_TGZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"

/* gz_member - append one gzip member of p/len to b, optionally with FNAME */
__attribute__((unused)) static void
gz_member(struct buf *b, const void *p, size_t len, const char *fname)
{
	z_stream	 s;
	gz_header	 h;
	unsigned char	 tmp[4096];
	int		 rc;

	memset(&s, 0, sizeof(s));
	if (deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	if (fname != NULL) {
		memset(&h, 0, sizeof(h));
		h.name = (Bytef *)(uintptr_t)fname;
		deflateSetHeader(&s, &h);
	}
	s.next_in = (Bytef *)(uintptr_t)p;
	s.avail_in = (uInt)len;
	do {
		s.next_out = tmp;
		s.avail_out = sizeof(tmp);
		rc = deflate(&s, Z_FINISH);
		buf_append(b, tmp, sizeof(tmp) - s.avail_out);
	} while (rc == Z_OK);
	if (rc != Z_STREAM_END)
		abort();
	deflateEnd(&s);
}

/* gz_bomb - a gzip member of n zero bytes, deflated in a stream */
__attribute__((unused)) static void
gz_bomb(struct buf *b, size_t n)
{
	static const unsigned char zeros[64 * 1024];
	unsigned char	 tmp[16 * 1024];
	z_stream	 s;
	size_t		 fed = 0;
	int		 rc, flush;

	memset(&s, 0, sizeof(s));
	if (deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	do {
		if (s.avail_in == 0 && fed < n) {
			s.next_in = (Bytef *)(uintptr_t)zeros;
			s.avail_in = (uInt)(n - fed < sizeof(zeros) ?
			    n - fed : sizeof(zeros));
			fed += s.avail_in;
		}
		flush = fed == n ? Z_FINISH : Z_NO_FLUSH;
		s.next_out = tmp;
		s.avail_out = sizeof(tmp);
		rc = deflate(&s, flush);
		buf_append(b, tmp, sizeof(tmp) - s.avail_out);
	} while (rc != Z_STREAM_END);
	deflateEnd(&s);
}

#endif
