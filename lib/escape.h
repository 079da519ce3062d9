/*
 * escape.h - report strings and file names made safe for one output kind
 *
 * Every string a report carries comes from whoever sent it, and a file
 * name from whoever named the file: both may hold characters that a
 * terminal obeys (ESC, the C1 CSI U+009B), that forge a line (newline,
 * U+2028), that reorder what is shown (bidi controls) or that a
 * spreadsheet runs (a formula).  Each output kind has its own function
 * here, and every output uses this module, so one rule decides what is
 * escaped and how it looks.
 *
 * The escapes are visible and unambiguous: a backslash in the output
 * always starts one (a backslash of the input is written "\\").
 *	\xNN	  one byte (two lower-case hex digits): an ASCII control
 *		  (U+0000..U+001F, DEL) or a byte that is not valid UTF-8
 *		  (overlong forms, surrogates, past U+10FFFF, cut sequences)
 *	\u{XXXX}  one code point (upper-case hex, at least four digits):
 *		  C1 controls U+0080..U+009F, the bidi controls U+061C,
 *		  U+200E, U+200F, U+202A..U+202E, U+2066..U+2069, and the line
 *		  and paragraph separators U+2028, U+2029
 * Every other character, UTF-8 included, is written as it is.
 *
 * Ownership: the functions append to the caller's struct buf (or write
 * into its array) and keep nothing; s is only read.
 */
#ifndef TLSRPT_ESCAPE_H
#define TLSRPT_ESCAPE_H

#include <stddef.h>

struct buf;

/* escape_utf8_valid - 1 when s is valid UTF-8 (what escape_text would
 * not have to write as \xNN bytes) */
int	escape_utf8_valid(const char *s);

/* escape_text - append s for a terminal or a plain-text file; returns the
 * number of characters appended (an escape counts as its length), for
 * padding columns */
size_t	escape_text(struct buf *b, const char *s);

/* escape_csv - append s as one RFC 4180 cell: in double quotes, a quote
 * doubled, escaped as escape_text(), and with a ' in front when s starts
 * with = + - or @, so that a spreadsheet takes it as text, never as a
 * formula.  NULL or "" append nothing (an empty cell). */
void	escape_csv(struct buf *b, const char *s);

/* escape_html - append s for HTML text or a double- or single-quoted
 * attribute value: & < > " ' as character references, and the
 * characters above escaped as escape_text() does, so that a report's
 * control or bidi character shows visibly on a page or in a mail, never
 * raw.  NULL appends nothing. */
void	escape_html(struct buf *b, const char *s);

/* escape_log - s for one log line, inside double quotes: printable ASCII
 * only (every other byte as \xNN, so that syslog and log tools see plain
 * ASCII), '"' as \" and '\' as \\.  Writes whole escapes only, at most
 * dstlen - 1 bytes, always NUL-terminated (dstlen > 0); returns the
 * bytes written. */
size_t	escape_log(char *dst, size_t dstlen, const char *s);

#endif
