/*
 * copy.c - COPY text encoding and the COPY protocol
 *
 * DESCRIPTION
 *	Every value goes to PostgreSQL as COPY text (or as a query
 *	parameter), never inside SQL text.  The put_* functions append one
 *	field to a buffer, escaped for COPY text format: backslash, tab,
 *	newline and CR; arrays as double-quoted elements so that commas,
 *	braces, blanks and the word NULL stay data; bytea in hex.  Other
 *	bytes, UTF-8 included, pass through (the parser guarantees UTF-8
 *	without NUL).
 *
 *	copy_start, copy_flush and copy_send_end run one COPY ... FROM
 *	STDIN; the rows are buffered and handed to libpq COPY_CHUNK bytes
 *	at a time.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

#define COPY_CHUNK	(256 * 1024)	/* bytes handed to libpq at a time */

/*
 * put_escaped - append str for COPY text format and/or as an element of
 * an array literal.  copy: escape backslash, tab, newline and CR (COPY
 * text).  elem: inside a double-quoted array element, escape '"' and
 * backslash first; with both, each array-level backslash is escaped
 * again for COPY.  Other bytes, UTF-8 included, pass through.
 */
void
put_escaped(struct buf *b, const char *str, int copy, int elem)
{
	size_t		 len = strlen(str), i;
	unsigned char	*o, c;

	if (len > (SIZE_MAX - b->len) / 4 - 1)
		fatalx("put_escaped: string too long");
	buf_reserve(b, len * 4);
	o = b->data + b->len;
	for (i = 0; i < len; i++) {
		c = (unsigned char)str[i];
		if (c == '\\' || (c == '"' && elem)) {
			if (elem) {
				*o++ = '\\';
				if (copy)
					*o++ = '\\';
			}
			if (c == '\\' && copy)
				*o++ = '\\';
			*o++ = c;
		} else if (copy && (c == '\t' || c == '\n' || c == '\r')) {
			*o++ = '\\';
			*o++ = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
		} else
			*o++ = c;
	}
	b->len = (size_t)(o - b->data);
	b->data[b->len] = '\0';
}

/* put_text - one COPY text field, \N for NULL */
void
put_text(struct buf *b, const char *str)
{
	if (str == NULL)
		buf_append(b, "\\N", 2);
	else
		put_escaped(b, str, 1, 0);
}

/* put_i64 - one integer field.  Not snprintf: a batch writes a dozen
 * integers a failure detail, and the format machinery was a visible share
 * of ingest's client time (perf). */
void
put_i64(struct buf *b, int64_t v)
{
	char		 num[INT64_TEXT], *p = num + sizeof num;
	uint64_t	 u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	buf_append(b, p, (size_t)(num + sizeof num - p));
}

/* put_bool - one boolean field */
void
put_bool(struct buf *b, int v)
{
	buf_putc(b, v ? 't' : 'f');
}

/*
 * put_array - a text[] field: every element double-quoted (so commas,
 * braces, blanks and the word NULL stay data), the literal then escaped
 * for COPY.  v == NULL with n == 0 is SQL NULL (member absent); an empty
 * but present array is {}.
 */
void
put_array(struct buf *b, char *const *v, size_t n)
{
	size_t	 i;

	if (v == NULL && n == 0) {
		buf_append(b, "\\N", 2);
		return;
	}
	buf_putc(b, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		if (v[i] == NULL) {
			buf_append(b, "NULL", 4);
			continue;
		}
		buf_putc(b, '"');
		put_escaped(b, v[i], 1, 1);
		buf_putc(b, '"');
	}
	buf_putc(b, '}');
}

/* put_flags - the flag names as a text[] field */
void
put_flags(struct buf *b, uint32_t flags)
{
	const char	*name;
	char		 unknown[32];
	unsigned	 bit;
	int		 first = 1;

	buf_putc(b, '{');
	for (bit = 0; bit < 32; bit++) {
		if ((flags & (UINT32_C(1) << bit)) == 0)
			continue;
		if ((name = report_flag_name(bit)) == NULL) {
			/* a parser newer than this list: keep the fact */
			snprintf(unknown, sizeof unknown, "bit-%u", bit);
			name = unknown;
		}
		if (!first)
			buf_putc(b, ',');
		first = 0;
		buf_putc(b, '"');
		put_escaped(b, name, 1, 1);
		buf_putc(b, '"');
	}
	buf_putc(b, '}');
}

/* put_bytea - a bytea field in hex form: \x... with the backslash
 * escaped for COPY */
void
put_bytea(struct buf *b, const unsigned char *p, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		*o;
	size_t			 i;

	if (len > (SIZE_MAX - b->len) / 2 - 4)
		fatalx("put_bytea: too long");
	buf_reserve(b, 3 + 2 * len);
	o = b->data + b->len;
	*o++ = '\\';
	*o++ = '\\';
	*o++ = 'x';
	for (i = 0; i < len; i++) {
		*o++ = (unsigned char)hex[p[i] >> 4];
		*o++ = (unsigned char)hex[p[i] & 0xf];
	}
	b->len = (size_t)(o - b->data);
	b->data[b->len] = '\0';
}

/* array_param - a text[] literal for a query parameter (not COPY) */
void
array_param(struct buf *b, char *const *v, size_t n)
{
	size_t	 i;

	buf_putc(b, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		buf_putc(b, '"');
		put_escaped(b, v[i], 0, 1);
		buf_putc(b, '"');
	}
	buf_putc(b, '}');
}

/* ids_param - a bigint[] literal of ids[0..n) for a query parameter */
void
ids_param(struct buf *b, const int64_t *ids, size_t n)
{
	size_t	 i;

	buf_putc(b, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		put_i64(b, ids[i]);
	}
	buf_putc(b, '}');
}

/* copy_start - begin a COPY ... FROM STDIN; the buffer starts empty */
int
copy_start(struct store *s, const char *sql, const char *what, char *err,
    size_t errlen)
{
	PGresult	*res;

	buf_reset(&s->copy);
	res = PQexec(s->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		return db_fail(s, res, what, err, errlen);
	PQclear(res);
	return 0;
}

/* copy_flush - hand the buffered rows to libpq (all, or once big enough) */
int
copy_flush(struct store *s, int force, char *err, size_t errlen)
{
	if (s->copy.len == 0 || (!force && s->copy.len < COPY_CHUNK))
		return 0;
	if (s->copy.len > INT32_MAX) {
		s->sqlstate[0] = '\0';
		return seterr(err, errlen, "COPY row too large");
	}
	if (PQputCopyData(s->conn, (const char *)s->copy.data,
	    (int)s->copy.len) != 1)
		return db_fail(s, NULL, "COPY", err, errlen);
	buf_reset(&s->copy);
	return 0;
}

/* copy_send_end - send the rest and end the COPY; its outcome is read by
 * the caller (copy_rows, or the pipelined batch) */
int
copy_send_end(struct store *s, char *err, size_t errlen)
{
	if (copy_flush(s, 1, err, errlen) == -1) {
		copy_abort(s);
		return -1;
	}
	if (PQputCopyEnd(s->conn, NULL) != 1)
		return db_fail(s, NULL, "COPY end", err, errlen);
	return 0;
}

/* copy_abort - leave COPY mode after a client-side failure */
void
copy_abort(struct store *s)
{
	PGresult	*res;

	buf_reset(&s->copy);
	if (PQstatus(s->conn) != CONNECTION_OK)
		return;
	if (PQputCopyEnd(s->conn, "aborted by tlsrpt") == 1)
		while ((res = PQgetResult(s->conn)) != NULL)
			PQclear(res);
}
