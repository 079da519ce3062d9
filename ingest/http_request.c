/*
 * http_request.c - the HTTPS door's request rules, without sockets
 *
 * SYNOPSIS
 *	#include "http_request.h"
 *
 *	void http_framing_add(f, key, value)
 *	const char *http_framing_error(f)
 *	unsigned http_head_check(conf, url, method, f, verdict, text, textlen)
 *	int http_too_large(conf, cl, expect)
 *	void http_body_chunk(s, rq, data, n)
 *	void http_body_drop(s, rq)
 *	unsigned http_body_ready(s, rq, verdict, text)
 *
 * DESCRIPTION
 *	What http.c decides about a request, apart from libmicrohttpd: it
 *	hands these functions the header values and body bytes it got from
 *	the library, and answers what they say.  Kept apart so that the
 *	fuzz target fuzz/fuzz_http.c runs exactly this code on requests
 *	that never touch a socket (Debian's libmicrohttpd is not
 *	instrumented, so fuzzing it through us would find little).
 *
 *	Strictness (RFC 9112 §6.1, §6.3; §5.1): a request whose body could
 *	be framed two ways is refused before its body is read, since a proxy
 *	in front of us might frame it the other way (request smuggling).
 *
 * DIAGNOSTICS
 *	None of its own: http.c logs the answer.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "conf.h"
#include "http_request.h"
#include "intake.h"
#include "serve.h"

/* http_framing_add - see http_request.h */
void
http_framing_add(struct http_framing *f, const char *key, const char *value)
{
	if (key[strcspn(key, " \t")] != '\0')
		f->ws_name = 1;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (value == NULL || *value == '\0' ||
		    value[strspn(value, "0123456789")] != '\0')
			f->cl_bad = 1;
		else if (f->cl_first == NULL)
			f->cl_first = value;
		else if (strcmp(f->cl_first, value) != 0)
			f->cl_differ = 1;
		f->cl++;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->te_chunked = value != NULL &&
		    strcasecmp(value, "chunked") == 0;
		f->te++;
	}
}

/* http_framing_error - see http_request.h (RFC 9112 §6.3: a server MUST
 * refuse these, since a proxy in front of it may have read the length
 * the other way; identical Content-Length values are allowed, as §6.3
 * permits) */
const char *
http_framing_error(const struct http_framing *f)
{
	if (f->ws_name)
		return "whitespace in a header name";
	if (f->te > 0 && f->cl > 0)
		return "both Content-Length and Transfer-Encoding";
	if (f->te > 1 || (f->te == 1 && !f->te_chunked))
		return "a Transfer-Encoding other than chunked";
	if (f->cl_bad)
		return "a Content-Length that is not a number";
	if (f->cl_differ)
		return "Content-Length headers that differ";
	return NULL;
}

/* path_ok - url is one of report_path */
static int
path_ok(const struct conf *conf, const char *url)
{
	size_t	 i;

	for (i = 0; i < conf->report_path.n; i++)
		if (strcmp(url, conf->report_path.v[i]) == 0)
			return 1;
	return 0;
}

/* http_head_check - see http_request.h */
unsigned
http_head_check(const struct conf *conf, const char *url, const char *method,
    const struct http_framing *f, const char **verdict, char *text,
    size_t textlen)
{
	const char	*why;

	if (!path_ok(conf, url)) {
		*verdict = "not-found";
		snprintf(text, textlen, "not found");
		return MHD_HTTP_NOT_FOUND;
	}
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {	/* R8 */
		*verdict = "method";
		snprintf(text, textlen, "only POST");
		return MHD_HTTP_METHOD_NOT_ALLOWED;
	}
	if ((why = http_framing_error(f)) != NULL) {
		*verdict = "framing";
		snprintf(text, textlen, "ambiguous request: %s", why);
		return MHD_HTTP_BAD_REQUEST;
	}
	return 0;
}

/* http_too_large - see http_request.h.  An answer queued before the body
 * makes MHD close the connection while the client is still sending, and
 * the client then often sees a reset instead of the 413: so at once only
 * when the client waits for it or the body is absurd. */
int
http_too_large(const struct conf *conf, const char *cl, const char *expect)
{
	char			*end;
	unsigned long long	 len;

	if (cl == NULL || (len = strtoull(cl, &end, 10)) <=
	    conf->max_body_bytes)
		return 0;
	if ((expect != NULL && strcasecmp(expect, "100-continue") == 0) ||
	    len / 16 > conf->max_body_bytes)
		return 1;
	return -1;
}

/* http_body_drop - see http_request.h */
void
http_body_drop(struct server *s, struct request *rq)
{
	buf_free(&rq->body);
	atomic_fetch_sub(&s->inflight, rq->held);
	rq->held = 0;
}

/* http_body_chunk - see http_request.h.  What is counted is what the
 * buffers hold (their capacity), taken when a buffer grows: many large
 * bodies arriving at once cannot make the server hold more than
 * max_inflight_bytes (past it, by at most one buffer's growth per worker
 * thread, for as long as it takes to drop it).  A request over either
 * limit drops its body, reads the rest without keeping it and is
 * answered 413 or 503 at the end. */
void
http_body_chunk(struct server *s, struct request *rq, const char *data,
    size_t n)
{
	size_t	 grow, cur;

	if (rq->too_large || rq->busy)
		return;
	if (n > s->conf->max_body_bytes - rq->body.len) {
		rq->too_large = 1;	/* chunked past the cap */
		http_body_drop(s, rq);
		return;
	}
	buf_append(&rq->body, data, n);
	if ((grow = rq->body.cap - rq->held) == 0)
		return;
	cur = atomic_load(&s->inflight);
	do {
		if (grow > s->conf->max_inflight_bytes - cur) {
			rq->busy = 1;
			http_body_drop(s, rq);
			return;
		}
	} while (!atomic_compare_exchange_weak(&s->inflight, &cur,
	    cur + grow));
	rq->held += grow;
}

/* http_body_ready - see http_request.h */
unsigned
http_body_ready(struct server *s, struct request *rq, const char **verdict,
    const char **text)
{
	if (rq->too_large) {
		*verdict = "too-large";
		*text = "report body too large";
		return MHD_HTTP_CONTENT_TOO_LARGE;
	}
	if (rq->busy) {
		*verdict = "busy";
		*text = "too many reports arriving at once, retry later";
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	if (s->null_mode) {
		*verdict = "null";
		*text = "";
		return MHD_HTTP_NO_CONTENT;
	}
	rq->item.raw = rq->body.data;
	rq->item.rawlen = rq->body.len;
	rq->item.transport = "https";
	rq->item.source = rq->client;
	intake_decode(s->conf, &rq->item);
	if (rq->item.verdict == INTAKE_REJECTED &&
	    rq->item.error == REPORT_ERR_FORMAT) {
		*verdict = "unsupported";
		*text = "expected application/tlsrpt+gzip or "
		    "application/tlsrpt+json";
		return MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
	}
	return 0;
}
