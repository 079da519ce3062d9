/*
 * fuzz_http.c - libFuzzer target: our HTTP request handling, without
 * sockets (ingest/http_request.h)
 *
 * DESCRIPTION
 *	Each input is one raw HTTP/1.1 request.  A small reader here stands
 *	in for libmicrohttpd (which Debian does not build instrumented): it
 *	splits the request line and the header fields, and undoes chunked
 *	transfer coding.  Everything it finds is handed to the door's own
 *	code in http.c's order: the framing count of every header
 *	(http_framing_add), the head check (path, method, framing), the
 *	size decision from Content-Length and Expect (http_too_large), the
 *	body in pieces of varying size (http_body_chunk, under
 *	max_body_bytes and max_inflight_bytes), then the decision on the
 *	whole body (http_body_ready: 413, 503, 415, or the intake's decode
 *	step).  PostgreSQL is absent: the run stops at the verdict before
 *	the committer would store it.
 *
 *	The caps are small (max_body_bytes 8 KiB, max_inflight_bytes 64
 *	KiB, max_report_bytes 1 MiB) so that short inputs reach them.  What
 *	other requests hold of max_inflight_bytes is the harness's own
 *	header "X-Fuzz-Inflight: N" (bytes, 0 when absent), and the size of
 *	the pieces the body arrives in is "X-Fuzz-Piece: N" (else 1, 7,
 *	300, 4096 and the rest, in turn): the fuzzer reaches the 503, the
 *	413 and every edge of the caps.  The door's code never sees these
 *	two headers.
 *	Checked beyond the sanitizers: a body that is kept never passes
 *	max_body_bytes (after every piece), the server's inflight count is
 *	back where it started once the request is done, and every answer is
 *	one http.c knows.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "conf.h"
#include "http_request.h"
#include "intake.h"
#include "serve.h"
#include "util.h"

#define MAX_FIELDS	64
#define MAX_LINE	8192

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct reader {
	const unsigned char	*p, *end;
};

/* next_line - the next line without its CRLF or LF into buf (NUL-
 * terminated, cut at MAX_LINE - 1 bytes); -1 at the end of the input */
static int
next_line(struct reader *rd, char *buf)
{
	const unsigned char	*start = rd->p, *nl;
	size_t			 n;

	if (rd->p >= rd->end)
		return -1;
	nl = memchr(start, '\n', (size_t)(rd->end - start));
	n = nl != NULL ? (size_t)(nl - start) : (size_t)(rd->end - start);
	rd->p = start + n + (nl != NULL);
	if (n > 0 && start[n - 1] == '\r')
		n--;
	if (n > MAX_LINE - 1)
		n = MAX_LINE - 1;
	memcpy(buf, start, n);
	buf[n] = '\0';
	return (int)n;
}

static size_t	 fixed_piece;	/* X-Fuzz-Piece, 0: the cycle */

/* feed - hand body bytes to the door in pieces, as a network would
 * deliver them: fixed_piece bytes, or 1, 7, 300, 4096 and the rest in
 * turn */
static void
feed(struct server *s, struct request *rq, const unsigned char *p, size_t n,
    unsigned *turn)
{
	static const size_t	 piece[] = { 1, 7, 300, 4096, (size_t)-1 };
	size_t			 k;

	while (n > 0) {
		k = fixed_piece ? fixed_piece : piece[(*turn)++ % 5];
		if (k > n)
			k = n;
		http_body_chunk(s, rq, (const char *)p, k);
		if (!rq->too_large && !rq->busy &&
		    rq->body.len > s->conf->max_body_bytes)
			abort();
		p += k;
		n -= k;
	}
}

/* dechunk - the chunked body at rd (RFC 9112 §7.1), fed as it is read.
 * Returns 0 at its end, or -1 when it is malformed or cut short:
 * libmicrohttpd would then close the connection, and the request never
 * ends. */
static int
dechunk(struct server *s, struct request *rq, struct reader *rd,
    char *line, unsigned *turn)
{
	unsigned long long	 len;
	char			*end;

	for (;;) {
		if (next_line(rd, line) < 0)
			return -1;
		len = strtoull(line, &end, 16);
		if (end == line || (*end != '\0' && *end != ';' &&
		    *end != ' ' && *end != '\t'))
			return -1;
		if (len == 0)
			break;
		if (len > (unsigned long long)(rd->end - rd->p))
			return -1;
		feed(s, rq, rd->p, (size_t)len, turn);
		rd->p += len;
		if (next_line(rd, line) != 0)	/* the CRLF after the data */
			return -1;
	}
	while (next_line(rd, line) > 0)		/* trailer fields */
		;
	return 0;
}

/* body - read the body as its framing says; 0 when it is complete */
static int
body(struct server *s, struct request *rq, const struct http_framing *f,
    const char *cl, struct reader *rd, char *line)
{
	unsigned long long	 len;
	unsigned		 turn = 0;
	size_t			 avail = (size_t)(rd->end - rd->p);

	if (f->te_chunked)
		return dechunk(s, rq, rd, line, &turn);
	if (cl == NULL)
		return 0;		/* no body */
	len = strtoull(cl, NULL, 10);
	if (len > avail) {
		feed(s, rq, rd->p, avail, &turn);
		return -1;		/* waits for the rest: a timeout */
	}
	feed(s, rq, rd->p, (size_t)len, &turn);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf	 conf;
	static int		 ready;
	static char		 reqline[MAX_LINE], line[MAX_LINE];
	static char		 names[MAX_FIELDS][MAX_LINE];
	const char		*values[MAX_FIELDS];
	struct reader		 rd = { data, data + size };
	struct server		 s;
	struct request		 rq;
	struct http_framing	 f;
	const char		*verdict, *text, *cl = NULL, *expect = NULL;
	char			*method, *url, *sp, *colon, *v, *e;
	char			 answer[128];
	unsigned		 status;
	size_t			 nf = 0, i, others = 0;
	int			 n, big;

	if (!ready) {
		char	 err[ERRLEN];

		conf_init(&conf);
		if (conf_finish(&conf, err, sizeof err) == -1)
			abort();
		conf.max_body_bytes = 8 * 1024;
		conf.max_inflight_bytes = 64 * 1024;
		conf.max_report_bytes = 1024 * 1024;
		ready = 1;
	}
	fixed_piece = 0;
	/* the request line: METHOD SP URL SP VERSION */
	if (next_line(&rd, reqline) <= 0)
		return 0;
	method = reqline;
	if ((sp = strchr(method, ' ')) == NULL)
		return 0;
	*sp = '\0';
	url = sp + 1;
	if ((sp = strchr(url, ' ')) != NULL)
		*sp = '\0';
	/* header fields up to the empty line; a colon-less line is
	 * skipped; the value is trimmed, as libmicrohttpd does */
	while (nf < MAX_FIELDS && (n = next_line(&rd, names[nf])) > 0) {
		if ((colon = strchr(names[nf], ':')) == NULL ||
		    colon == names[nf])
			continue;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (e = v + strlen(v); e > v && (e[-1] == ' ' ||
		    e[-1] == '\t'); e--)
			;
		*e = '\0';
		values[nf++] = v;
	}
	/* http.c's headers_in, in its order (the rate limit aside) */
	memset(&f, 0, sizeof f);
	for (i = 0; i < nf; i++) {
		if (strcasecmp(names[i], "X-Fuzz-Inflight") == 0) {
			others = strtoul(values[i], NULL, 10) % (64 * 1024 + 1);
			continue;
		}
		if (strcasecmp(names[i], "X-Fuzz-Piece") == 0) {
			fixed_piece = strtoul(values[i], NULL, 10) % 16384;
			continue;
		}
		http_framing_add(&f, names[i], values[i]);
		if (cl == NULL && strcasecmp(names[i], "Content-Length") == 0)
			cl = values[i];
		if (expect == NULL && strcasecmp(names[i], "Expect") == 0)
			expect = values[i];
	}
	status = http_head_check(&conf, url, method, &f, &verdict, answer,
	    sizeof answer);
	if (status != 0) {
		if ((status != 404 && status != 405 && status != 400) ||
		    verdict == NULL || answer[0] == '\0')
			abort();
		return 0;
	}
	if ((big = http_too_large(&conf, cl, expect)) == 1)
		return 0;
	/* the body, then http.c's finish */
	memset(&s, 0, sizeof s);
	s.conf = &conf;
	atomic_init(&s.inflight, others);
	memset(&rq, 0, sizeof rq);
	rq.server = &s;
	rq.started = 1;
	rq.too_large = big == -1;
	memcpy(rq.client, "192.0.2.1", sizeof "192.0.2.1");
	if (body(&s, &rq, &f, cl, &rd, line) == 0) {
		if (rq.body.len > conf.max_body_bytes)
			abort();
		status = http_body_ready(&s, &rq, &verdict, &text);
		switch (status) {
		case 0:
			if (rq.item.verdict == INTAKE_PENDING ?
			    rq.item.report == NULL :
			    rq.item.verdict != INTAKE_REJECTED ||
			    rq.item.error == REPORT_ERR_FORMAT ||
			    rq.item.reason[0] == '\0')
				abort();
			break;
		case 413: case 503: case 204: case 415:
			if (verdict == NULL || text == NULL)
				abort();
			break;
		default:
			abort();
		}
	}
	intake_item_clear(&rq.item);
	http_body_drop(&s, &rq);
	if (atomic_load(&s.inflight) != others)
		abort();
	return 0;
}
