/*
 * mailout.c - the digest as a mail: quoted-printable, RFC 2047 headers, the
 * multipart/alternative message, and a pipe into sendmail
 *
 * SYNOPSIS
 *	#include "mailout.h"
 *
 * DESCRIPTION
 *	Both parts are quoted-printable, so every line stays under the 78
 *	characters RFC 5322 asks for whatever a report string holds, and the
 *	message is 7-bit clean for any relay.  The boundary starts with
 *	"=_", which quoted-printable never writes, so no body line can end
 *	a part early.
 *
 *	mailout_pipe() runs sendmail (and alert_command) without a shell, so
 *	no configured path or argument is ever parsed as a command line,
 *	and ignores SIGPIPE while it writes, so a program that exits early
 *	is a failed status, not a killed digest.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "mailout.h"

#define QP_LINE	76

/* qp_literal - c may stand as it is in quoted-printable */
static int
qp_literal(unsigned char c)
{
	return c >= 33 && c <= 126 && c != '=';
}

/* mailout_qp - see mime.h */
void
mailout_qp(struct buf *out, const char *text, size_t len)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 i, col = 0, w;
	char			 enc[4];
	int			 lit;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n') {
			buf_putc(out, '\n');
			col = 0;
			continue;
		}
		lit = qp_literal(p[i]) || ((p[i] == ' ' || p[i] == '\t') &&
		    i + 1 < len && p[i + 1] != '\n');
		/* a line start that a transport or an mbox would read */
		if (col == 0 && (p[i] == '.' || (p[i] == 'F' && len - i >= 5 &&
		    memcmp(p + i, "From ", 5) == 0)))
			lit = 0;
		w = lit ? 1 : 3;
		/* a soft break leaves room for its own '=' */
		if (col + w > QP_LINE - 1) {
			buf_puts(out, "=\n");
			col = 0;
		}
		if (lit)
			buf_putc(out, p[i]);
		else {
			snprintf(enc, sizeof enc, "=%02X", p[i]);
			buf_puts(out, enc);
		}
		col += w;
	}
	if (col > 0)
		buf_putc(out, '\n');
}

/* ascii_ok - printable ASCII and blanks only */
static int
ascii_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* mailout_header - see mime.h */
void
mailout_header(struct buf *out, const char *name, const char *value)
{
	const unsigned char	*p = (const unsigned char *)value;
	size_t			 col, clen, k, need;
	char			 enc[4];

	buf_printf(out, "%s: ", name);
	if (ascii_ok(value)) {
		buf_printf(out, "%s\n", value);
		return;
	}
	col = strlen(name) + 2;
	buf_puts(out, "=?UTF-8?Q?");
	col += 10;
	while (*p) {
		/* a whole UTF-8 character per word, never split */
		clen = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
		for (k = 1; k < clen; k++)
			if (p[k] == '\0')
				clen = k;
		need = 0;
		for (k = 0; k < clen; k++)
			need += (p[k] == ' ' || (p[k] < 0x80 && p[k] > 0x20 &&
			    !strchr("=?_\"", p[k]))) ? 1 : 3;
		if (col + need + 2 > QP_LINE) {
			buf_puts(out, "?=\n =?UTF-8?Q?");
			col = 11;
		}
		for (k = 0; k < clen; k++) {
			if (p[k] == ' ')
				buf_putc(out, '_');
			else if (p[k] < 0x80 && p[k] > 0x20 &&
			    !strchr("=?_\"", p[k]))
				buf_putc(out, p[k]);
			else {
				snprintf(enc, sizeof enc, "=%02X", p[k]);
				buf_puts(out, enc);
			}
		}
		col += need;
		p += clen;
	}
	buf_puts(out, "?=\n");
}

/* mailout_addr_ok - see mime.h */
int
mailout_addr_ok(const char *s)
{
	return s != NULL && *s != '\0' && ascii_ok(s);
}

/* mailout_message - see mime.h */
void
mailout_message(struct buf *out, const char *from, const char *to,
    const char *subject, const char *msgid_left, const struct buf *text,
    const struct buf *html)
{
	char		 date[64], host[256], boundary[64];
	struct tm	 tm;
	time_t		 now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (gethostname(host, sizeof host) == -1 || !ascii_ok(host) ||
	    strchr(host, ' ') != NULL)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(boundary, sizeof boundary, "=_tlsrpt_%lld_%ld",
	    (long long)now, (long)getpid());
	buf_printf(out, "Date: %s\n", date);
	buf_printf(out, "Message-ID: <%s.%lld.%ld@%s>\n", msgid_left,
	    (long long)now, (long)getpid(), host);
	mailout_header(out, "From", from);
	mailout_header(out, "To", to);
	mailout_header(out, "Subject", subject);
	buf_puts(out, "MIME-Version: 1.0\nAuto-Submitted: auto-generated\n");
	buf_printf(out, "Content-Type: multipart/alternative;\n boundary=\"%s\""
	    "\n\nThis is a MIME message: a text and an HTML part.\n",
	    boundary);
	buf_printf(out, "\n--%s\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n", boundary);
	mailout_qp(out, (const char *)text->data, text->len);
	buf_printf(out, "\n--%s\nContent-Type: text/html; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n\n", boundary);
	mailout_qp(out, (const char *)html->data, html->len);
	buf_printf(out, "\n--%s--\n", boundary);
}

/* mailout_pipe - see mime.h */
int
mailout_pipe(const char *path, char *const argv[], const void *data,
    size_t len)
{
	struct sigaction	 ign, old;
	const char		*p = data;
	size_t			 off = 0;
	ssize_t			 n;
	pid_t			 pid;
	int			 fd[2], status, broke = 0;

	if (pipe(fd) == -1)
		return 69;
	if ((pid = fork()) == -1) {
		close(fd[0]);
		close(fd[1]);
		return 69;
	}
	if (pid == 0) {
		dup2(fd[0], 0);
		close(fd[0]);
		close(fd[1]);
		execv(path, argv);
		_exit(69);
	}
	close(fd[0]);
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	while (off < len) {
		if ((n = write(fd[1], p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			broke = 1;
			break;
		}
		off += (size_t)n;
	}
	close(fd[1]);
	sigaction(SIGPIPE, &old, NULL);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return 75;
	if (!WIFEXITED(status))
		return 75;
	if (WEXITSTATUS(status) == 0 && broke)
		return 75;
	return WEXITSTATUS(status);
}
