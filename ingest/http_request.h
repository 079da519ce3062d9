/*
 * http_request.h - the HTTPS door's request rules, without sockets
 *
 * http.c speaks libmicrohttpd; the decisions it takes on a request are
 * here, in functions that see header values, body bytes and the
 * configuration only, so that fuzz/fuzz_http.c can drive them without a
 * connection: the checks on the request head (path, method, framing:
 * RFC 9112 §6.1, §6.3), the size decision from Content-Length, the body
 * accumulation under max_body_bytes and max_inflight_bytes, and the
 * decision on a complete body before it goes to the committer.
 *
 * Ownership: everything is borrowed; http_body_chunk and http_body_drop
 * change rq->body and the server's inflight count only.
 */
#ifndef TLSRPT_HTTP_REQUEST_H
#define TLSRPT_HTTP_REQUEST_H

#include <stddef.h>

struct conf;
struct request;
struct server;

/* What the headers say about the body's framing; zero it, then
 * http_framing_add() every request header. */
struct http_framing {
	unsigned	 cl;		/* Content-Length headers */
	unsigned	 te;		/* Transfer-Encoding headers */
	int		 te_chunked;	/* ... and it is exactly "chunked" */
	int		 cl_bad;	/* a Content-Length not all digits */
	int		 cl_differ;	/* two that differ */
	int		 ws_name;	/* whitespace in a header name */
	const char	*cl_first;	/* borrowed: the first one's value */
};

/* http_framing_add - count one request header (value may be NULL) */
void	http_framing_add(struct http_framing *, const char *key,
	    const char *value);

/* http_framing_error - why the body's length is ambiguous (a static
 * sentence), or NULL */
const char *http_framing_error(const struct http_framing *);

/*
 * http_head_check - the request head, before its body: 0 to go on, or
 * the status to answer at once (404 another path, 405 another method,
 * 400 ambiguous framing) with *verdict (static, for the log line) and
 * text (the answer's body).  The rate limit is http.c's (it needs the
 * peer's address).
 */
unsigned http_head_check(const struct conf *, const char *url,
	    const char *method, const struct http_framing *,
	    const char **verdict, char *text, size_t textlen);

/*
 * http_too_large - the body's size from its Content-Length (cl, NULL
 * when absent) and Expect (NULL when absent): 0 not too large, 1 too
 * large and to be answered now (the client waits for 100-continue, or
 * the length is absurd), -1 too large, answered once the body has been
 * read and discarded (see http.c).
 */
int	http_too_large(const struct conf *, const char *cl,
	    const char *expect);

/* http_body_chunk - keep n more bytes of rq's body within max_body_bytes
 * and, over all requests, max_inflight_bytes; over either the body is
 * dropped and rq->too_large or rq->busy set */
void	http_body_chunk(struct server *, struct request *, const char *data,
	    size_t n);

/* http_body_drop - free what rq holds of its body and give it back */
void	http_body_drop(struct server *, struct request *);

/*
 * http_body_ready - the whole body is in: 0 when rq->item is decoded
 * (intake_decode; its verdict PENDING or REJECTED) and goes to the
 * committer, or the status to answer now (413 too large, 503 busy, 204
 * null mode, 415 neither gzip nor JSON) with *verdict and *text (static).
 */
unsigned http_body_ready(struct server *, struct request *,
	    const char **verdict, const char **text);

#endif
