/*
 * mime_decode.c - undo a Content-Transfer-Encoding, with a cap
 *
 * SYNOPSIS
 *	#include "mime_int.h"
 *
 *	int mime_decode(p, len, cte, cap, out, &flags)
 *	int mime_base64(p, len, cap, out, &flags)
 *	int mime_sniff(p, len)
 *	int mime_hexval(c)
 *
 * DESCRIPTION
 *	mime_decode() handles base64, quoted-printable, 7bit, 8bit and
 *	binary (RFC 2045 §6); an unknown encoding keeps the bytes as they
 *	are and sets MIME_F_UNKNOWN_CTE, because a sniff may still find a
 *	report in them (R42).  The output never grows past the cap: a part
 *	as large as the whole message costs at most cap bytes.
 *
 *	base64 goes through OpenSSL's EVP_DecodeUpdate() (API-NOTES §2g),
 *	fed only alphabet bytes in groups of four: EVP_DecodeUpdate() fails
 *	on any stray byte and EVP_DecodeFinal() on a missing pad, and mail
 *	brings both.  The data ends at the first of: the padding '=', a line
 *	that holds a byte outside the alphabet, an empty line after the data
 *	began.  The last two are where mailing-list footers, scanner banners
 *	and "Sent from" lines start; RFC 2045 would have a decoder skip only
 *	the stray bytes and decode the letters of such text as data, which
 *	corrupts the gzip member at its end.  Non-blank bytes after the end
 *	set MIME_F_BAD_ENCODING; a last group of fewer than four letters with
 *	no padding sets MIME_F_TRUNCATED (a lone letter is dropped, two or
 *	three are padded and decoded).
 *
 *	quoted-printable: "=XX" in either case, soft line breaks "=" before
 *	the line end (blanks between them allowed, RFC 2045 §6.7 rule 3),
 *	trailing blanks of a line removed; a broken "=" escape is kept as it
 *	is (rule 1, "robust" handling) and sets MIME_F_BAD_ENCODING.  Hard
 *	line breaks keep their form, CRLF or LF.
 */
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "buf.h"
#include "gunzip.h"
#include "log.h"
#include "mime.h"
#include "mime_int.h"

/* Alphabet letters handed to EVP_DecodeUpdate() at a time (a multiple of
 * four, so only the last call can hold a partial group). */
#define B64_CHUNK	4096

/* mime_hexval - 0..15 for a hex digit, -1 otherwise */
int
mime_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* put - append p/n to out unless that passes cap bytes past base; then
 * append what still fits and return 1 */
static int
put(struct buf *out, size_t base, size_t cap, const void *p, size_t n)
{
	size_t	 room = cap - (out->len - base);

	if (n > room) {
		buf_append(out, p, room);
		return 1;
	}
	buf_append(out, p, n);
	return 0;
}

/* b64_letter - 1 for a byte of the base64 alphabet (not the pad) */
static int
b64_letter(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* b64_flush - decode the n letters of in (a multiple of four but for the
 * last call) into out; 1 when the cap is reached */
static int
b64_flush(EVP_ENCODE_CTX *ctx, const unsigned char *in, size_t n,
    struct buf *out, size_t base, size_t cap)
{
	unsigned char	 dec[B64_CHUNK / 4 * 3 + 3];
	int		 outl = 0;

	/* Only letters and pads reach here, so it cannot fail; if it did,
	 * nothing is added and the gzip or JSON layer says what is wrong. */
	if (n > 0 && EVP_DecodeUpdate(ctx, dec, &outl, in, (int)n) < 0)
		outl = 0;
	return put(out, base, cap, dec, (size_t)outl);
}

/* b64_line_ok - 1 when line p/n holds only letters, pads and blanks */
static int
b64_line_ok(const unsigned char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!b64_letter(p[i]) && p[i] != '=' && p[i] != ' ' &&
		    p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

/* mime_base64 - decode base64 p/len into out, at most cap bytes */
int
mime_base64(const unsigned char *p, size_t len, size_t cap, struct buf *out,
    unsigned *flags)
{
	EVP_ENCODE_CTX	*ctx;
	const unsigned char *end = p + len, *eol, *q = p;
	unsigned char	 in[B64_CHUNK + 4], dec[8];
	size_t		 n = 0, letters = 0, base = out->len;
	int		 padded = 0, over = 0, outl = 0;

	if ((ctx = EVP_ENCODE_CTX_new()) == NULL)
		fatalx("EVP_ENCODE_CTX_new: out of memory");
	EVP_DecodeInit(ctx);
	while (p < end && !padded && !over) {
		size_t	 before = letters;

		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (!b64_line_ok(p, (size_t)(eol - p)))
			break;
		for (q = p; q < eol && !over; q++) {
			if (*q == '=') {
				padded = 1;
				break;
			}
			if (!b64_letter(*q))
				continue;
			in[n++] = *q;
			letters++;
			if (n == B64_CHUNK) {
				over = b64_flush(ctx, in, n, out, base, cap);
				n = 0;
			}
		}
		if (letters == before && letters > 0 && !padded)
			break;		/* an empty line after the data */
		p = eol < end ? eol + 1 : end;
	}
	/* Whatever follows the end must be pads and blanks. */
	if (padded)
		p = q;
	for (; p < end && !over; p++)
		if (*p != '=' && *p != ' ' && *p != '\t' && *p != '\r' &&
		    *p != '\n') {
			*flags |= MIME_F_BAD_ENCODING;
			break;
		}
	if (!over && letters % 4 != 0) {
		if (!padded)
			*flags |= MIME_F_TRUNCATED;
		if (letters % 4 == 1)
			n--;		/* six bits make no byte */
		else
			while (letters % 4 != 0) {
				in[n++] = '=';
				letters++;
			}
	}
	if (!over)
		over = b64_flush(ctx, in, n, out, base, cap);
	if (!over && EVP_DecodeFinal(ctx, dec, &outl) == 1)
		over = put(out, base, cap, dec, (size_t)outl);
	EVP_ENCODE_CTX_free(ctx);
	return over;
}

/* qp_line - decode one quoted-printable line p/n (no line end) */
static int
qp_line(const unsigned char *p, size_t n, struct buf *out, size_t base,
    size_t cap, unsigned *flags)
{
	const unsigned char *run = p, *end = p + n;
	unsigned char	 c;
	int		 hi, lo;

	while (p < end) {
		if (*p != '=') {
			p++;
			continue;
		}
		if (put(out, base, cap, run, (size_t)(p - run)))
			return 1;
		if (end - p >= 3 && (hi = mime_hexval(p[1])) >= 0 &&
		    (lo = mime_hexval(p[2])) >= 0) {
			c = (unsigned char)(hi << 4 | lo);
			if (put(out, base, cap, &c, 1))
				return 1;
			p += 3;
		} else {
			/* rule 1: keep what is not an escape as it is */
			*flags |= MIME_F_BAD_ENCODING;
			if (put(out, base, cap, p, 1))
				return 1;
			p++;
		}
		run = p;
	}
	return put(out, base, cap, run, (size_t)(p - run));
}

/* qp_decode - quoted-printable p/len into out, at most cap bytes */
static int
qp_decode(const unsigned char *p, size_t len, size_t cap, struct buf *out,
    unsigned *flags)
{
	const unsigned char *end = p + len, *eol, *te;
	size_t		 base = out->len;
	int		 soft, crlf;

	while (p < end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		crlf = eol > p && eol < end && eol[-1] == '\r';
		/* rule 3: trailing blanks may be transport padding */
		for (te = eol; te > p && (te[-1] == ' ' || te[-1] == '\t' ||
		    te[-1] == '\r'); te--)
			;
		soft = te > p && te[-1] == '=';
		if (soft)
			te--;
		if (qp_line(p, (size_t)(te - p), out, base, cap, flags))
			return 1;
		if (eol < end && !soft &&
		    put(out, base, cap, crlf ? "\r\n" : "\n", crlf ? 2 : 1))
			return 1;
		p = eol < end ? eol + 1 : end;
	}
	return 0;
}

/* cte_is - 1 when the first token of cte is name (case-insensitive) */
static int
cte_is(const char *cte, const char *name)
{
	size_t	 n = strlen(name);

	return strncasecmp(cte, name, n) == 0 &&
	    (cte[n] == '\0' || cte[n] == ' ' || cte[n] == '\t' ||
	    cte[n] == ';' || cte[n] == '(');
}

/* mime_decode - undo the transfer encoding cte of p/len into out */
int
mime_decode(const unsigned char *p, size_t len, const char *cte, size_t cap,
    struct buf *out, unsigned *flags)
{
	if (cte != NULL && cte_is(cte, "base64"))
		return mime_base64(p, len, cap, out, flags);
	if (cte != NULL && cte_is(cte, "quoted-printable"))
		return qp_decode(p, len, cap, out, flags);
	if (cte != NULL && *cte != '\0' && !cte_is(cte, "7bit") &&
	    !cte_is(cte, "8bit") && !cte_is(cte, "binary"))
		*flags |= MIME_F_UNKNOWN_CTE;
	return put(out, out->len, cap, p, len);
}

/* mime_sniff - 1 when p/len starts as gzip or as a JSON object */
int
mime_sniff(const unsigned char *p, size_t len)
{
	size_t	 i = 0;

	if (gunzip_magic(p, len))
		return 1;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	return i < len && p[i] == '{';
}
