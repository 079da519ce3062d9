/*
 * mailout.h - a complete RFC 5322 message with a text and an HTML part, and
 * handing bytes to a program's standard input
 *
 * Ownership: the functions append to the caller's struct buf and keep
 * nothing.
 */
#ifndef TLSRPT_RENDER_MAILOUT_H
#define TLSRPT_RENDER_MAILOUT_H

#include <stddef.h>

#include "buf.h"

/* mailout_qp - text (UTF-8, lines ending in \n) as quoted-printable
 * (RFC 2045 6.7): lines of at most 76 characters, '=' and every byte
 * outside printable ASCII encoded, a blank before a line end encoded,
 * and a '.' or "From " at a line start encoded, so that no transport
 * takes the line for an end of input or an mbox separator */
void	mailout_qp(struct buf *out, const char *text, size_t len);

/* mailout_header - "Name: value\n": value as it is when it is printable
 * ASCII, else as RFC 2047 encoded-words (UTF-8, Q) folded to lines of
 * at most 76 characters */
void	mailout_header(struct buf *out, const char *name, const char *value);

/* mailout_message - the whole message: Date, Message-ID (made from
 * msgid_left and the host name), From, To, Subject, MIME-Version,
 * Auto-Submitted, then multipart/alternative with text and html, both
 * UTF-8 quoted-printable.  Lines end in \n (a local submission: sendmail
 * adds the CRs). */
void	mailout_message(struct buf *out, const char *from, const char *to,
	    const char *subject, const char *msgid_left,
	    const struct buf *text, const struct buf *html);

/* mailout_addr_ok - 1 when s may stand in an address header: printable
 * ASCII and blanks, no line break, not empty */
int	mailout_addr_ok(const char *s);

/*
 * mailout_pipe - run path with argv (no shell), write data to its standard
 * input, wait.  Returns its exit status (0..255), 69 when it could not
 * be started, 75 when it died of a signal or the pipe broke.
 */
int	mailout_pipe(const char *path, char *const argv[], const void *data,
	    size_t len);

#endif
