/*
 * mime_int.h - what the files of the MIME parser share (mime.c walks the
 * parts, mime_header.c reads header blocks and parameters, mime_decode.c
 * undoes transfer encodings).  Not for other modules: use mime.h.
 */
#ifndef TLSRPT_MIME_INT_H
#define TLSRPT_MIME_INT_H

#include <stddef.h>

#include "buf.h"

/*
 * One header field asked for by name.  mime_header_scan() sets val/len to
 * the raw value of the first occurrence (from after the colon to the end
 * of its last line, folding line breaks included; the bytes are borrowed
 * from the message) and counts the occurrences.
 */
struct mime_field {
	const char		*name;	/* case-insensitive */
	const unsigned char	*val;	/* NULL when absent */
	size_t			 len;
	size_t			 count;
};

/*
 * mime_header_scan - read the header block at p..end
 *
 * Fills f[0..nf) and sets *body to the first byte after the empty line
 * that ends the block (end when there is none: MIME_F_TRUNCATED).
 * Returns 0, or -1 when the block is longer than max bytes (err set).
 */
int	mime_header_scan(const unsigned char *p, const unsigned char *end,
	    size_t max, struct mime_field *f, size_t nf,
	    const unsigned char **body, unsigned *flags, char *err,
	    size_t errlen);

/* mime_unfold - the unfolded, trimmed value of f as a new string (NUL
 * bytes dropped); NULL when f is absent */
char	*mime_unfold(const struct mime_field *f);

/* mime_media_type - "type/subtype" of a Content-Type value, lower case,
 * as a new string; NULL when v is NULL or holds no type/subtype */
char	*mime_media_type(const char *v);

/*
 * mime_param - the value of parameter name in a Content-Type or
 * Content-Disposition value v, as a new string (NUL bytes dropped), or
 * NULL.  Reads tokens and quoted strings in any position, RFC 2231
 * (name*=, name*0=, name*0*=, ...: charset'lang' dropped, %XX decoded;
 * preferred over a plain name=) and, in a plain value, RFC 2047
 * encoded words.
 */
char	*mime_param(const char *v, const char *name);

/* mime_ew_decode - s with its RFC 2047 encoded words decoded (bytes as
 * sent: no charset conversion), as a new string */
char	*mime_ew_decode(const char *s);

/* mime_hexval - 0..15 for a hex digit (either case), -1 otherwise */
int	mime_hexval(int c);

/*
 * mime_decode - undo the transfer encoding cte (a Content-Transfer-Encoding
 * value; NULL means 7bit) of p/len, appending to out.  Returns 0, or 1
 * when the output would pass cap bytes: out then holds the first cap bytes
 * only.  Worked-around damage is added to *flags (MIME_F_*).
 */
int	mime_decode(const unsigned char *p, size_t len, const char *cte,
	    size_t cap, struct buf *out, unsigned *flags);

/* mime_base64 - base64 p/len into out (at most cap bytes; 1 when more),
 * skipping bytes outside the alphabet (RFC 2045 §6.8) */
int	mime_base64(const unsigned char *p, size_t len, size_t cap,
	    struct buf *out, unsigned *flags);

/* mime_sniff - 1 when p/len starts as gzip (1f 8b) or, past a UTF-8 BOM
 * and blanks, as a JSON object ('{'), as report_decode() sniffs */
int	mime_sniff(const unsigned char *p, size_t len);

#endif
