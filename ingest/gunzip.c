/*
 * gunzip.c - inflate untrusted gzip data into memory with a hard cap
 *
 * SYNOPSIS
 *	#include "gunzip.h"
 *
 *	int gunzip_magic(buf, len)
 *	int gunzip(in, inlen, cap, &out, &outlen, &flags, err, errlen)
 *
 * DESCRIPTION
 *	gunzip() decodes one or more concatenated gzip members (RFC 1952,
 *	R41) into a single buffer.  zlib verifies each member's CRC-32 and
 *	ISIZE.  The output cap is checked before every append, so a gzip
 *	bomb is stopped after at most one 16 KiB chunk of work past the
 *	cap and never grows the buffer beyond it (R38).  The member header
 *	fields FNAME and FCOMMENT are skipped by zlib and never looked at
 *	(R40): everything stays in memory.
 *
 *	After the last member, bytes that are all NUL or blanks (a stray
 *	CRLF, padding) are accepted and reported as GUNZIP_TRAILING_JUNK;
 *	anything else is an error, because it means the input is not what
 *	the sender thinks it sent (R41).
 *
 * DIAGNOSTICS
 *	-1 with "gzip data is truncated", "gzip data is corrupt (zlib
 *	message)" or "trailing garbage after gzip data"; -2 with "report is
 *	larger than N bytes when inflated".  Out of memory is fatal (xmalloc).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST		/* next_in is const: the input is borrowed */
#include <zlib.h>

#include "buf.h"
#include "gunzip.h"
#include "util.h"
#include "xmalloc.h"

#define GUNZIP_CHUNK	(16 * 1024)

/* gunzip_magic - 1 when buf starts with the gzip magic 1f 8b (R39) */
int
gunzip_magic(const unsigned char *buf, size_t len)
{
	return len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
}

/* gunzip_zalloc - zlib allocator: out of memory is fatal, as everywhere */
static voidpf
gunzip_zalloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return xcalloc(items, size);
}

/* gunzip_zfree - zlib deallocator matching gunzip_zalloc */
static void
gunzip_zfree(voidpf opaque, voidpf p)
{
	(void)opaque;
	free(p);
}

/* gunzip_blank - 1 when every byte of p/len is NUL, space, tab, CR or LF */
static int
gunzip_blank(const unsigned char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (p[i] != '\0' && p[i] != ' ' && p[i] != '\t' &&
		    p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

/* gunzip - inflate in/inlen into a new buffer of at most cap bytes */
int
gunzip(const unsigned char *in, size_t inlen, size_t cap,
    unsigned char **out, size_t *outlen, unsigned *flags,
    char *err, size_t errlen)
{
	z_stream	 s;
	struct buf	 b = BUF_INIT;
	unsigned char	 tmp[GUNZIP_CHUNK];
	const unsigned char *rest;	/* input not yet handed to zlib */
	size_t		 restlen;
	size_t		 got, left;
	unsigned	 fl = 0;
	int		 rc, ret = -1;

	*out = NULL;
	*outlen = 0;
	*flags = 0;

	memset(&s, 0, sizeof(s));
	s.zalloc = gunzip_zalloc;
	s.zfree = gunzip_zfree;
	/* 15+16: gzip wrapper only.  Auto-detect (+32) would also take a
	 * zlib stream, which no TLS-RPT sender produces. */
	if (inflateInit2(&s, 15 + 16) != Z_OK)
		return seterr(err, errlen, "cannot initialise zlib: %s",
		    s.msg ? s.msg : "unknown error");

	rest = in;
	restlen = inlen;
	for (;;) {
		/* avail_in is a uInt: feed very large inputs in slices. */
		if (s.avail_in == 0 && restlen > 0) {
			s.next_in = rest;
			s.avail_in = restlen > UINT_MAX ? UINT_MAX :
			    (uInt)restlen;
			rest += s.avail_in;
			restlen -= s.avail_in;
		}
		s.next_out = tmp;
		s.avail_out = sizeof(tmp);
		rc = inflate(&s, Z_NO_FLUSH);
		switch (rc) {
		case Z_OK:
		case Z_STREAM_END:
			break;
		case Z_BUF_ERROR:
			/* No progress with a fresh output buffer: the input
			 * ran out in the middle of a member. */
			if (s.avail_in == 0 && restlen == 0) {
				seterr(err, errlen, "gzip data is truncated");
				goto out;
			}
			/* Not reachable with a fresh tmp and input left;
			 * treat like corruption rather than loop. */
			/* FALLTHROUGH */
		default:
			seterr(err, errlen, "gzip data is corrupt (%s)",
			    s.msg ? s.msg : zError(rc));
			goto out;
		}

		got = sizeof(tmp) - s.avail_out;
		/* The cap is checked before appending: the buffer never grows
		 * past it, whatever the compression ratio (R38). */
		if (got > cap - b.len) {
			seterr(err, errlen, "report is larger than %zu "
			    "bytes when inflated", cap);
			ret = -2;
			goto out;
		}
		if (got > 0)
			buf_append(&b, tmp, got);

		if (rc == Z_OK)
			continue;

		/* Z_STREAM_END: one member done (CRC and ISIZE verified). */
		left = s.avail_in + restlen;
		if (left == 0)
			break;
		/* Another member follows (RFC 1952 2.2)?  The unread input is
		 * contiguous: next_in + avail_in == rest, both inside in[]. */
		if (gunzip_magic(s.next_in, left)) {
			fl |= GUNZIP_MULTI_MEMBER;
			if (inflateReset(&s) != Z_OK) {
				seterr(err, errlen, "cannot reset zlib");
				goto out;
			}
			continue;
		}
		if (gunzip_blank(s.next_in, left)) {
			/* A stray CRLF or NUL padding: harmless, but record it
			 * (R41, parsedmarc#429). */
			fl |= GUNZIP_TRAILING_JUNK;
			break;
		}
		seterr(err, errlen, "trailing garbage after gzip data");
		goto out;
	}

	/* A member may legitimately inflate to nothing: still hand back a
	 * NUL-terminated allocation, as the header promises. */
	*out = buf_steal(&b, outlen);
	if (*out == NULL)
		*out = xcalloc(1, 1);
	*flags = fl;
	ret = 0;
out:
	inflateEnd(&s);
	buf_free(&b);
	return ret;
}
