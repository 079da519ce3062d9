/*
 * mime_header.c - header blocks, unfolding and MIME parameters
 *
 * SYNOPSIS
 *	#include "mime_int.h"
 *
 *	int mime_header_scan(p, end, max, fields, nf, &body, &flags,
 *	    err, errlen)
 *	char *mime_unfold(field)
 *	char *mime_media_type(value)
 *	char *mime_param(value, name)
 *	char *mime_ew_decode(s)
 *
 * DESCRIPTION
 *	mime_header_scan() walks one header block (RFC 5322 §2.2) line by
 *	line, CRLF or bare LF, and remembers where the first occurrence of
 *	each field asked for starts and ends; nothing is copied until a
 *	value is wanted (mime_unfold).  A line that starts with a blank
 *	continues the field before it; a line without a colon, or whose name
 *	holds a blank (an mbox "From " line, junk), is skipped and flagged.
 *	The block ends at the first empty line.
 *
 *	mime_param() reads parameters the lenient way real senders need
 *	(R42): in any order, quoted or not, with RFC 2231 continuations and
 *	percent-encoding as Postfix's reporter sends its file names
 *	("filename*0*=us-ascii''a%21b; filename*1*=c.json.gz"), and RFC
 *	2047 encoded words inside a plain value, which some mailers use for
 *	file names although RFC 2047 §5 does not allow it there.
 *
 *	Decoded bytes are kept as sent: no charset conversion.  The results
 *	are for matching and for display through the escaping module, never
 *	paths.  NUL bytes are dropped, since a C string cannot hold them
 *	and cutting there would let "a.json%00.exe" pass for "a.json".
 *
 * DIAGNOSTICS
 *	mime_header_scan(): -1 with "header block larger than N bytes".
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"
#include "mime_int.h"
#include "util.h"
#include "xmalloc.h"

/* RFC 2231 continuations read per parameter: real names need two or three;
 * more are ignored. */
#define MIME_MAX_SEGS	64

#define IS_BLANK(c)	((c) == ' ' || (c) == '\t')

/* name_eq - 1 when the field name p/n is name, ignoring case */
static int
name_eq(const unsigned char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp((const char *)p, name, n) == 0;
}

/* mime_header_scan - find the fields f[] in the header block at p..end */
int
mime_header_scan(const unsigned char *p, const unsigned char *end,
    size_t max, struct mime_field *f, size_t nf, const unsigned char **body,
    unsigned *flags, char *err, size_t errlen)
{
	const unsigned char *start = p, *eol, *le, *next, *colon, *ne;
	struct mime_field *cur = NULL;
	size_t		 i, look, room;

	for (i = 0; i < nf; i++) {
		f[i].val = NULL;
		f[i].len = f[i].count = 0;
	}
	while (p < end) {
		/* Never look further than the cap allows: a header "line" of
		 * megabytes is refused after max bytes, not scanned. */
		look = (size_t)(end - p);
		room = max - (size_t)(p - start);
		if (look - 1 > room)
			look = room + 1;
		eol = memchr(p, '\n', look);
		next = eol != NULL ? eol + 1 : p + look;
		if ((size_t)(next - start) > max)
			return seterr(err, errlen,
			    "header block larger than %zu bytes", max);
		le = eol != NULL ? eol : next;
		if (le > p && le[-1] == '\r')
			le--;
		if (le == p) {
			*body = next;
			return 0;
		}
		if (IS_BLANK(*p)) {
			if (cur != NULL)
				cur->len = (size_t)(le - cur->val);
			p = next;
			continue;
		}
		cur = NULL;
		colon = memchr(p, ':', (size_t)(le - p));
		for (ne = colon; ne != NULL && ne > p && IS_BLANK(ne[-1]); ne--)
			;
		if (colon == NULL || ne == p ||
		    memchr(p, ' ', (size_t)(ne - p)) != NULL ||
		    memchr(p, '\t', (size_t)(ne - p)) != NULL) {
			*flags |= MIME_F_BAD_HEADER;
			p = next;
			continue;
		}
		for (i = 0; i < nf; i++) {
			if (!name_eq(p, (size_t)(ne - p), f[i].name))
				continue;
			if (f[i].count++ == 0) {
				f[i].val = colon + 1;
				f[i].len = (size_t)(le - f[i].val);
				cur = &f[i];
			} else
				*flags |= MIME_F_DUP_HEADER;
			break;
		}
		p = next;
	}
	*body = end;
	*flags |= MIME_F_TRUNCATED;
	return 0;
}

/* trimmed - s with leading and trailing blanks removed, in place */
static char *
trimmed(char *s)
{
	size_t	 n;

	while (IS_BLANK(*s))
		s++;
	n = strlen(s);
	while (n > 0 && IS_BLANK(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* steal_str - the text of b as a new string, NUL bytes dropped */
static char *
steal_str(struct buf *b)
{
	size_t	 i, j, n;
	char	*s = (char *)buf_steal(b, &n);

	for (i = j = 0; i < n; i++)
		if (s[i] != '\0')
			s[j++] = s[i];
	s[j] = '\0';
	return s;
}

/* mime_unfold - the unfolded value of f as a new string, or NULL */
char *
mime_unfold(const struct mime_field *f)
{
	struct buf	 b = BUF_INIT;
	const unsigned char *p, *end;
	char		*s, *t;

	if (f->val == NULL)
		return NULL;
	p = f->val;
	end = p + f->len;
	while (p < end) {
		/* Every line break inside the span is a fold (the scan only
		 * extends it over lines that start with a blank). */
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))
			p++;
		else
			buf_putc(&b, *p++);
	}
	s = steal_str(&b);
	t = xstrdup(trimmed(s));
	free(s);
	return t;
}

/* mime_media_type - "type/subtype" of v in lower case, or NULL */
char *
mime_media_type(const char *v)
{
	const char	*p, *slash = NULL;
	char		*s, *q;

	if (v == NULL)
		return NULL;
	while (IS_BLANK(*v))
		v++;
	for (p = v; *p != '\0' && *p != ';' && *p != '(' && !IS_BLANK(*p);
	    p++)
		if (*p == '/' && slash == NULL)
			slash = p;
	if (slash == NULL || slash == v || slash + 1 == p)
		return NULL;
	s = xstrndup(v, (size_t)(p - v));
	for (q = s; *q != '\0'; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return s;
}

/* One parameter as written: name and value spans of the header value. */
struct param {
	const char	*name;
	size_t		 nlen;
	const char	*val;
	size_t		 vlen;
	int		 quoted;	/* val is inside quotes, escapes kept */
};

/* param_next - read the parameter at *sp (after a ';'); 0 at the end */
static int
param_next(const char **sp, struct param *pm)
{
	const char	*s = *sp, *e;

	for (;;) {
		while (*s == ';' || IS_BLANK(*s))
			s++;
		if (*s == '\0')
			return 0;
		pm->name = s;
		while (*s != '\0' && *s != '=' && *s != ';')
			s++;
		for (e = s; e > pm->name && IS_BLANK(e[-1]); e--)
			;
		pm->nlen = (size_t)(e - pm->name);
		if (*s == '=')
			break;
		/* a parameter without a value: skip it */
	}
	s++;
	while (IS_BLANK(*s))
		s++;
	pm->quoted = *s == '"';
	if (pm->quoted) {
		pm->val = ++s;
		while (*s != '\0' && *s != '"')
			s += s[0] == '\\' && s[1] != '\0' ? 2 : 1;
		pm->vlen = (size_t)(s - pm->val);
		/* what follows the closing quote up to ';' is ignored */
		while (*s != '\0' && *s != ';')
			s++;
	} else {
		pm->val = s;
		while (*s != '\0' && *s != ';')
			s++;
		for (e = s; e > pm->val && IS_BLANK(e[-1]); e--)
			;
		pm->vlen = (size_t)(e - pm->val);
	}
	*sp = s;
	return 1;
}

/* param_text - append the value of pm to b: quotes undone, and for an RFC
 * 2231 extended value its %XX decoded and, when lang, the charset'lang'
 * prefix dropped */
static void
param_text(struct buf *b, const struct param *pm, int ext, int lang)
{
	struct buf	 v = BUF_INIT;
	const char	*p, *end, *q;
	int		 hi, lo;

	for (p = pm->val, end = p + pm->vlen; p < end; p++) {
		if (pm->quoted && *p == '\\' && p + 1 < end)
			p++;
		buf_putc(&v, *p);
	}
	p = v.data != NULL ? (const char *)v.data : "";
	end = p + v.len;
	if (ext && lang && (q = memchr(p, '\'', v.len)) != NULL &&
	    (q = memchr(q + 1, '\'', (size_t)(end - q - 1))) != NULL)
		p = q + 1;
	for (; p < end; p++) {
		if (ext && *p == '%' && end - p >= 3 &&
		    (hi = mime_hexval(p[1])) >= 0 &&
		    (lo = mime_hexval(p[2])) >= 0) {
			buf_putc(b, hi << 4 | lo);
			p += 2;
		} else
			buf_putc(b, *p);
	}
	buf_free(&v);
}

/* mime_param - the decoded value of parameter name in v, or NULL */
char *
mime_param(const char *v, const char *name)
{
	struct param	 pm, plain, star, segs[MIME_MAX_SEGS];
	unsigned char	 seg_set[MIME_MAX_SEGS], seg_ext[MIME_MAX_SEGS];
	struct buf	 b = BUF_INIT;
	const char	*s, *r;
	size_t		 len = strlen(name), rlen, i, n;
	int		 have_plain = 0, have_star = 0;
	char		*out, *dec;

	if (v == NULL || (s = strchr(v, ';')) == NULL)
		return NULL;
	memset(&plain, 0, sizeof(plain));
	memset(&star, 0, sizeof(star));
	memset(seg_set, 0, sizeof(seg_set));
	memset(seg_ext, 0, sizeof(seg_ext));
	while (param_next(&s, &pm)) {
		if (pm.nlen < len || strncasecmp(pm.name, name, len) != 0)
			continue;
		r = pm.name + len;
		rlen = pm.nlen - len;
		if (rlen == 0) {
			if (!have_plain++)
				plain = pm;
			continue;
		}
		if (r[0] != '*')
			continue;	/* another parameter: "namex=" */
		if (rlen == 1) {
			if (!have_star++)
				star = pm;
			continue;
		}
		/* name*N or name*N*, N decimal without leading zeros */
		for (i = 1, n = 0; i < rlen && r[i] >= '0' && r[i] <= '9' &&
		    n < MIME_MAX_SEGS; i++)
			n = n * 10 + (size_t)(r[i] - '0');
		if (i == 1 || (r[1] == '0' && i > 2) || n >= MIME_MAX_SEGS ||
		    !(i == rlen || (i + 1 == rlen && r[i] == '*')))
			continue;
		if (!seg_set[n]) {
			seg_set[n] = 1;
			seg_ext[n] = i + 1 == rlen;
			segs[n] = pm;
		}
	}
	if (seg_set[0]) {
		for (n = 0; n < MIME_MAX_SEGS && seg_set[n]; n++)
			param_text(&b, &segs[n], seg_ext[n], n == 0);
	} else if (have_star)
		param_text(&b, &star, 1, 1);
	else if (have_plain) {
		param_text(&b, &plain, 0, 0);
		out = steal_str(&b);
		if (strstr(out, "=?") == NULL)
			return out;
		dec = mime_ew_decode(out);
		free(out);
		return dec;
	} else
		return NULL;
	return steal_str(&b);
}

/*
 * ew_parse - parse the RFC 2047 encoded word at s ("=?cs?E?text?="):
 * returns a pointer past it and sets *enc ('B' or 'Q') and the text span,
 * or NULL when s is not one.  Stops at the fourth '?' or a blank, so a
 * failed try costs little and the scan of a value stays linear.
 */
static const char *
ew_parse(const char *s, int *enc, const char **text, size_t *tlen)
{
	const char	*p = s + 2, *t;

	if (s[0] != '=' || s[1] != '?')
		return NULL;
	while (*p != '\0' && *p != '?' && !IS_BLANK(*p))
		p++;
	if (*p != '?' || p == s + 2)
		return NULL;
	p++;
	if ((*p != 'B' && *p != 'b' && *p != 'Q' && *p != 'q') || p[1] != '?')
		return NULL;
	*enc = *p == 'b' || *p == 'B' ? 'B' : 'Q';
	t = p += 2;
	while (*p != '\0' && *p != '?' && !IS_BLANK(*p))
		p++;
	if (p[0] != '?' || p[1] != '=')
		return NULL;
	*text = t;
	*tlen = (size_t)(p - t);
	return p + 2;
}

/* mime_ew_decode - s with its RFC 2047 encoded words decoded */
char *
mime_ew_decode(const char *s)
{
	struct buf	 b = BUF_INIT;
	const char	*text, *next, *w, *t2;
	size_t		 tlen, t2len, i;
	unsigned	 ignored = 0;
	int		 enc, e2, hi, lo;

	while (*s != '\0') {
		if ((next = ew_parse(s, &enc, &text, &tlen)) == NULL) {
			buf_putc(&b, *s++);
			continue;
		}
		if (enc == 'B')
			mime_base64((const unsigned char *)text, tlen,
			    (size_t)-1 / 2, &b, &ignored);
		else
			for (i = 0; i < tlen; i++) {
				if (text[i] == '_')
					buf_putc(&b, ' ');
				else if (text[i] == '=' && i + 2 < tlen &&
				    (hi = mime_hexval(text[i + 1])) >= 0 &&
				    (lo = mime_hexval(text[i + 2])) >= 0) {
					buf_putc(&b, hi << 4 | lo);
					i += 2;
				} else
					buf_putc(&b, text[i]);
			}
		/* RFC 2047 §6.2: blanks between two encoded words go */
		for (w = next; IS_BLANK(*w); w++)
			;
		s = w > next && ew_parse(w, &e2, &t2, &t2len) != NULL ?
		    w : next;
	}
	return steal_str(&b);
}
