/*
 * escape.c - report strings and file names made safe for one output kind
 *
 * SYNOPSIS
 *	#include "escape.h"
 *
 *	int escape_utf8_valid(const char *s)
 *	size_t escape_text(struct buf *b, const char *s)
 *	void escape_csv(struct buf *b, const char *s)
 *	size_t escape_log(char *dst, size_t dstlen, const char *s)
 *	void escape_html(struct buf *b, const char *s)
 *
 * DESCRIPTION
 *	One scanner decides, character by character, what every output kind
 *	must not show raw (escape.h lists it and the notation); a context
 *	adds only the characters that mean something in its own syntax (the
 *	CSV quote, the quote around a log value, HTML's & < > " ').  A new
 *	output kind is a new context in escape_special() and a new public
 *	function.
 *
 *	The input is decoded as strict UTF-8 even where the parser already
 *	guaranteed it (report strings), because file names are arbitrary
 *	bytes: a byte that does not start a valid sequence is written \xNN
 *	and the scan goes on at the next byte, so no sequence is ever cut
 *	and nothing is ever dropped.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "escape.h"

enum escape_ctx { ESCAPE_CTX_TEXT, ESCAPE_CTX_CSV, ESCAPE_CTX_LOG,
	ESCAPE_CTX_HTML };

/* The longest unit: "\u{10FFFF}" and its NUL. */
#define ESCAPE_UNIT_MAX	16

/* Code points no output shows raw.  Terminals obey C0 and C1 controls (ESC
 * and CSI start commands); a newline or a line separator forges a line;
 * the bidi controls reorder what follows, so that a name can show other
 * text than it holds (CVE-2021-42574). */
static const struct {
	uint32_t	 lo, hi;
} escape_ranges[] = {
	{ 0x0000, 0x001f },	/* C0 controls */
	{ 0x007f, 0x009f },	/* DEL, C1 controls */
	{ 0x061c, 0x061c },	/* ARABIC LETTER MARK */
	{ 0x200e, 0x200f },	/* LEFT-TO-RIGHT, RIGHT-TO-LEFT MARK */
	{ 0x2028, 0x202e },	/* LINE, PARAGRAPH SEPARATOR, LRE..RLO */
	{ 0x2066, 0x2069 },	/* LRI, RLI, FSI, PDI */
};

/* escape_needed - cp is one no output shows raw */
static int
escape_needed(uint32_t cp)
{
	size_t	 i;

	for (i = 0; i < sizeof escape_ranges / sizeof escape_ranges[0]; i++)
		if (cp >= escape_ranges[i].lo && cp <= escape_ranges[i].hi)
			return 1;
	return 0;
}

/* escape_utf8 - the code point s starts with into *cp; returns its length
 * in bytes, or 0 when s does not start with a valid sequence.  Stops at
 * the first byte that is no continuation byte (the NUL included), so it
 * never reads past the end of s. */
static size_t
escape_utf8(const unsigned char *s, uint32_t *cp)
{
	uint32_t	 c, min;
	size_t		 len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, c = s[0] & 0x1fu, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, c = s[0] & 0x0fu, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, c = s[0] & 0x07u, min = 0x10000;
	} else
		return 0;	/* continuation, C0/C1 (overlong), F5.. */
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3fu);
	}
	/* overlong forms, surrogates and past U+10FFFF are not UTF-8 */
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* escape_special - how ctx writes an ASCII character that means something
 * in its syntax, or NULL */
static const char *
escape_special(enum escape_ctx ctx, unsigned char c)
{
	/* in every context: a backslash of the input must not pass for the
	 * start of an escape */
	if (c == '\\')
		return "\\\\";
	/* HTML: the five characters that can end a text or an attribute
	 * value, or start a tag or a reference */
	if (ctx == ESCAPE_CTX_HTML)
		switch (c) {
		case '&':
			return "&amp;";
		case '<':
			return "&lt;";
		case '>':
			return "&gt;";
		case '"':
			return "&quot;";
		case '\'':
			return "&#39;";
		default:
			return NULL;
		}
	if (c != '"')
		return NULL;
	switch (ctx) {
	case ESCAPE_CTX_CSV:
		return "\"\"";
	case ESCAPE_CTX_LOG:
		return "\\\"";
	case ESCAPE_CTX_TEXT:
	case ESCAPE_CTX_HTML:
		break;
	}
	return NULL;
}

/* escape_unit - the first character of s (not at its NUL) as ctx writes
 * it, into u, NUL-terminated; returns the bytes of s it stands for */
static size_t
escape_unit(enum escape_ctx ctx, const unsigned char *s,
    char u[ESCAPE_UNIT_MAX])
{
	const char	*sp;
	uint32_t	 cp;
	size_t		 len;

	len = escape_utf8(s, &cp);
	/* not UTF-8; or a log line, which keeps to ASCII */
	if (len == 0 || (ctx == ESCAPE_CTX_LOG && s[0] >= 0x80)) {
		snprintf(u, ESCAPE_UNIT_MAX, "\\x%02x", s[0]);
		return 1;
	}
	if (len == 1 && (sp = escape_special(ctx, s[0])) != NULL)
		snprintf(u, ESCAPE_UNIT_MAX, "%s", sp);
	else if (escape_needed(cp) && cp < 0x80)
		snprintf(u, ESCAPE_UNIT_MAX, "\\x%02x", (unsigned)cp);
	else if (escape_needed(cp))
		snprintf(u, ESCAPE_UNIT_MAX, "\\u{%04X}", (unsigned)cp);
	else {
		memcpy(u, s, len);
		u[len] = '\0';
	}
	return len;
}

/* escape_append - s through escape_unit() onto b; returns the characters
 * appended (bytes that do not continue a UTF-8 sequence) */
static size_t
escape_append(struct buf *b, enum escape_ctx ctx, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			 u[ESCAPE_UNIT_MAX];
	size_t			 chars = 0, i;

	while (*p != '\0') {
		p += escape_unit(ctx, p, u);
		for (i = 0; u[i] != '\0'; i++)
			chars += ((unsigned char)u[i] & 0xc0) != 0x80;
		buf_puts(b, u);
	}
	return chars;
}

/* escape_utf8_valid - see escape.h */
int
escape_utf8_valid(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 len;

	for (; *p != '\0'; p += len)
		if ((len = escape_utf8(p, &cp)) == 0)
			return 0;
	return 1;
}

/* escape_text - see escape.h */
size_t
escape_text(struct buf *b, const char *s)
{
	return escape_append(b, ESCAPE_CTX_TEXT, s);
}

/* escape_html - see escape.h */
void
escape_html(struct buf *b, const char *s)
{
	if (s != NULL)
		escape_append(b, ESCAPE_CTX_HTML, s);
}

/* escape_csv - see escape.h */
void
escape_csv(struct buf *b, const char *s)
{
	if (s == NULL || *s == '\0')
		return;
	buf_putc(b, '"');
	/* The formula guard looks at the first input byte only: a control
	 * or a bidi mark in front of a '=' is escaped, so the cell then
	 * starts with a backslash, which no spreadsheet evaluates. */
	if (strchr("=+-@", *s) != NULL)
		buf_putc(b, '\'');
	escape_append(b, ESCAPE_CTX_CSV, s);
	buf_putc(b, '"');
}

/* escape_log - see escape.h; stops before the first escape that would not
 * fit, so a truncated value never ends in half an escape */
size_t
escape_log(char *dst, size_t dstlen, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			 u[ESCAPE_UNIT_MAX];
	size_t			 o = 0, n, ulen;

	while (*p != '\0') {
		n = escape_unit(ESCAPE_CTX_LOG, p, u);
		ulen = strlen(u);
		if (o + ulen >= dstlen)
			break;
		memcpy(dst + o, u, ulen);
		o += ulen;
		p += n;
	}
	dst[o] = '\0';
	return o;
}
