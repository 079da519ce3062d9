/*
 * gunzip.h - inflate untrusted gzip data into memory with a hard cap
 *
 * RFC 8460 §5.2/§6.3 (R38-R41): one or more gzip members are one stream;
 * CRC and ISIZE are checked by zlib; NUL or blank bytes after the last
 * member are tolerated and flagged, anything else after it is an error;
 * FNAME/FCOMMENT are ignored (never used as paths).  The cap is checked
 * while inflating, before the output grows, so a bomb never allocates past
 * it.
 */
#ifndef TLSRPT_GUNZIP_H
#define TLSRPT_GUNZIP_H

#include <stddef.h>

#define GUNZIP_MULTI_MEMBER	0x1	/* more than one member */
#define GUNZIP_TRAILING_JUNK	0x2	/* NUL/whitespace after the last member */

/* gunzip_magic - 1 when buf starts with the gzip magic 1f 8b */
int	gunzip_magic(const unsigned char *buf, size_t len);

/*
 * gunzip - inflate in/inlen (borrowed).  Returns 0 with *out (new
 * allocation, caller frees, NUL-terminated past *outlen), *outlen and
 * *flags (GUNZIP_*); -1 with err on bad or truncated data; -2 with err when
 * the output would pass cap bytes.  On failure *out is NULL.
 */
int	gunzip(const unsigned char *in, size_t inlen, size_t cap,
	    unsigned char **out, size_t *outlen, unsigned *flags,
	    char *err, size_t errlen);

#endif
