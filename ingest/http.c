/*
 * http.c - the HTTPS rua endpoint's HTTP side (RFC 8460 §3, §5.4)
 *
 * SYNOPSIS
 *	#include "serve.h"
 *
 *	int http_start(s, l, err, errlen)
 *	unsigned http_connections(s)
 *	const struct committer_ops http_committer_ops
 *
 * DESCRIPTION
 *	Senders POST one report per request (application/tlsrpt+gzip or
 *	+json; the body is sniffed, since senders mislabel: R10) to a
 *	report_path on every "listen" address (TLS) and "listen_http" address
 *	(plain, for a reverse proxy).  This file is the door: it speaks
 *	HTTP, hands complete bodies to the intake (decoded here, in the
 *	worker thread, stored by the committer) and turns each verdict into
 *	an answer (R11):
 *	  201 stored, or spooled durably while PostgreSQL is away, or a
 *	      copy that differs from the stored report (kept beside it,
 *	      never counted: a conflict)
 *	  200 duplicate, 202 foreign (not one of our domains)
 *	  400 undecodable or invalid (the body is kept in quarantine), or
 *	  framed two ways (below)
 *	  404 other paths, 405 other methods (Allow: POST), 413 too large,
 *	  415 neither gzip nor JSON, 429 over rate_limit_per_minute, 431
 *	  headers over max_header_bytes (libmicrohttpd),
 *	  503 + Retry-After when neither PostgreSQL nor the spool took it,
 *	  or when its body would pass max_inflight_bytes (http_request.c).
 *	Postfix's reporter treats ANY answer as delivered, so 503 is the last
 *	resort and every 400 body is kept for a later "tlsrpt reparse".
 *	Each request reports its phase to connlimit.c, which holds it to the
 *	phase's deadline.
 *
 *	Worker threads (libmicrohttpd's pool) read and decode; a finished
 *	request is suspended and queued for the committer (committer.c) and
 *	answered once it is resumed with its verdict.
 *
 *	Strictness (RFC 9112 §6.1, §6.3; §5.1): a request whose body could
 *	be framed two ways is refused with 400 before its body is read, since
 *	a proxy in front of us might frame it the other way (request
 *	smuggling): Content-Length together with Transfer-Encoding, a
 *	Transfer-Encoding other than chunked, Content-Length headers that
 *	differ or are not numbers, whitespace before a header's colon.  TLS
 *	offers what tls_priorities allows (by default TLS 1.2 and 1.3, AEAD
 *	ciphers and forward-secret key exchange only).
 *
 * DIAGNOSTICS
 *	One log line per answered request, written when libmicrohttpd is
 *	done with it: client, status, organisation, report-id, verdict,
 *	bytes, milliseconds.  Also for the answers libmicrohttpd gives by
 *	itself once it has read a request line (431, 400 for a header it
 *	cannot read, 413 for a Content-Length it cannot hold: verdict
 *	"protocol"), and for requests that end without an answer (status 0:
 *	verdict "aborted", "idle-timeout", "shutdown" or "error").  A
 *	request line it cannot read is answered (400, 505) before any
 *	request exists, and libmicrohttpd 0.9.75 shows that answer to no
 *	callback: those get no line.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "buf.h"
#include "conf.h"
#include "intake.h"
#include "log.h"
#include "metrics.h"
#include "decode.h"
#include "http_request.h"
#include "serve.h"
#include "util.h"
#include "xmalloc.h"

#define RETRY_AFTER_503		"300"
#define RETRY_AFTER_429		"60"

/* log_request - the one line per request */
static void
log_request(const struct request *rq, unsigned status, const char *verdict)
{
	const struct report	*r = rq->item.report;
	struct timespec		 t1;
	char			 org[256], rid[256];
	double			 ms;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - rq->t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - rq->t0.tv_nsec) / 1e6;
	text_printable(org, sizeof org, r ? r->organization_name : NULL);
	text_printable(rid, sizeof rid, r ? r->report_id : NULL);
	log_info("client=%s status=%u org=\"%s\" report-id=\"%s\" "
	    "verdict=%s bytes=%zu ms=%.1f", rq->client, status, org, rid,
	    verdict, rq->body.len, ms);
}

/* reply - queue a short text answer (MHD 0.9.75 has no _static/_copy
 * constructors: this is the one place to change for 1.x) */
static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *text,
    const char *hname, const char *hvalue)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;
	char			 body[512];
	size_t			 len;

	len = (size_t)snprintf(body, sizeof body, "%s\n", text);
	if (len >= sizeof body)
		len = sizeof body - 1;
	if (status == MHD_HTTP_NO_CONTENT)
		len = 0;		/* a 204 has no body */
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	if (hname != NULL)
		MHD_add_response_header(r, hname, hvalue);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* answer - queue a short answer, its verdict kept for the log line
 * (completed); 503 and 429 say when to retry, 405 what is allowed */
static enum MHD_Result
answer(struct MHD_Connection *c, struct request *rq, unsigned status,
    const char *verdict, const char *text)
{
	const char	*hname = MHD_HTTP_HEADER_RETRY_AFTER, *hvalue;

	switch (status) {
	case MHD_HTTP_SERVICE_UNAVAILABLE:
		hvalue = RETRY_AFTER_503;
		break;
	case MHD_HTTP_TOO_MANY_REQUESTS:
		hvalue = RETRY_AFTER_429;
		break;
	case MHD_HTTP_METHOD_NOT_ALLOWED:
		hname = MHD_HTTP_HEADER_ALLOW;
		hvalue = "POST";
		break;
	default:
		hname = hvalue = NULL;
	}
	rq->verdict = verdict;
	connlimit_phase(rq->server->limits, c, CONN_REPLY);
	return reply(c, status, text, hname, hvalue);
}

/* answer_verdict - the intake's verdict as an HTTP answer (R11) */
static enum MHD_Result
answer_verdict(struct MHD_Connection *c, struct request *rq)
{
	const struct intake_item	*it = &rq->item;
	char				 text[ERRLEN + 64];

	switch (it->verdict) {
	case INTAKE_STORED:
	case INTAKE_SUPERSEDED:
		return answer(c, rq, MHD_HTTP_CREATED, "stored", "stored");
	case INTAKE_CONFLICT:
		/* kept (or counted) beside the report it differs from: the
		 * sender delivered, a retry would change nothing */
		return answer(c, rq, MHD_HTTP_CREATED, "conflict",
		    it->kept == INTAKE_KEPT_CONFLICT ? "conflict: kept" :
		    "conflict: counted, not kept");
	case INTAKE_DUPLICATE:
		return answer(c, rq, MHD_HTTP_OK, "duplicate", "duplicate");
	case INTAKE_FOREIGN:
		return answer(c, rq, MHD_HTTP_ACCEPTED, "foreign",
		    "accepted, not one of our domains");
	case INTAKE_SPOOLED:
		return answer(c, rq, MHD_HTTP_CREATED, "spooled",
		    "accepted (spooled)");
	case INTAKE_REJECTED:
		if (it->kept == INTAKE_KEPT_NONE)
			log_warnx("invalid report from %s not kept",
			    rq->client);
		snprintf(text, sizeof text, "invalid report: %s", it->reason);
		return answer(c, rq, it->error == REPORT_ERR_TOO_BIG ?
		    MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST,
		    "invalid", text);
	default:
		log_warnx("report from %s not stored: %s", rq->client,
		    it->reason);
		return answer(c, rq, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "unavailable", "cannot store the report now, retry later");
	}
}

/* client_addr - the peer's address, or NULL */
static const struct sockaddr *
client_addr(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo	*ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	return ci != NULL ? ci->client_addr : NULL;
}

/* xff_value - MHD_KeyValueIterator: every X-Forwarded-For header, joined
 * by commas in the order received (RFC 9110 §5.3) */
static enum MHD_Result
xff_value(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct buf	*b = cls;

	(void)kind;
	if (strcasecmp(key, "X-Forwarded-For") == 0 && value != NULL) {
		if (b->len > 0)
			buf_putc(b, ',');
		buf_puts(b, value);
	}
	return MHD_YES;
}

/* forwarded - from a trusted proxy, the client its X-Forwarded-For
 * names becomes rq's client (rate limit, log line, stored source); from
 * any other peer, or when the header does not parse, the peer stays */
static void
forwarded(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	struct sockaddr_storage	 ss;
	struct buf		 xff = BUF_INIT;

	if (s->conf->n_proxies == 0 ||
	    !listen_trusted(s->conf, (struct sockaddr *)&rq->addr))
		return;
	MHD_get_connection_values(c, MHD_HEADER_KIND, xff_value, &xff);
	buf_putc(&xff, '\0');
	if (listen_forwarded(s->conf, xff.len > 1 ? (char *)xff.data : NULL,
	    &ss) == 0) {
		rq->addr = ss;
		listen_addrtext((struct sockaddr *)&rq->addr, rq->client,
		    sizeof rq->client);
	}
	buf_free(&xff);
}

/* finish - the whole body is here: answer at once, or decode and queue
 * for the committer (the connection is suspended until it is done) */
static enum MHD_Result
finish(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	const char	*verdict, *text;
	unsigned	 status;

	if (rq->state == JOB_DONE)
		return answer_verdict(c, rq);
	connlimit_phase(s->limits, c, CONN_WORK);
	if ((status = http_body_ready(s, rq, &verdict, &text)) != 0)
		return answer(c, rq, status, verdict, text);
	rq->conn = c;
	if (committer_enqueue(s->committer, rq))
		return MHD_YES;
	/* shutting down: the committer spooled it in this thread */
	return answer_verdict(c, rq);
}

/* suspend, resume - the committer's hold on a request's connection */
static void
suspend(struct request *rq)
{
	MHD_suspend_connection(rq->conn);
}

static void
resume(struct request *rq)
{
	MHD_resume_connection(rq->conn);
}

const struct committer_ops http_committer_ops = { suspend, resume };

/* too_large_now - decided from Content-Length, before reading
 * (http_too_large: 1 answer now, 0 not too large, -1 too large, answer
 * once the body has been read and discarded) */
static int
too_large_now(const struct conf *conf, struct MHD_Connection *c)
{
	return http_too_large(conf, MHD_lookup_connection_value(c,
	    MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH),
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_EXPECT));
}

/* framing_header - MHD_KeyValueIterator over the request headers */
static enum MHD_Result
framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	(void)kind;
	http_framing_add(cls, key, value);
	return MHD_YES;
}

/* headers_in - the request's first call: its headers are complete.
 * Answer at once (wrong path or method, ambiguous framing, over the
 * rate limit, far too large) or get ready for the body. */
static enum MHD_Result
headers_in(struct server *s, struct MHD_Connection *c, struct request *rq,
    const char *url, const char *method)
{
	struct http_framing	 f;
	const char		*verdict;
	char			 text[128];
	unsigned		 status;
	int			 big;

	rq->started = 1;
	connlimit_phase(s->limits, c, CONN_BODY);
	forwarded(s, c, rq);
	memset(&f, 0, sizeof f);
	MHD_get_connection_values(c, MHD_HEADER_KIND, framing_header, &f);
	/* ambiguous framing is answered before the body: MHD then closes
	 * the connection, so nothing of the body is ever read as a next
	 * request */
	if ((status = http_head_check(s->conf, url, method, &f, &verdict,
	    text, sizeof text)) != 0)
		return answer(c, rq, status, verdict, text);
	if (!ratelimit_take(s->rate, (struct sockaddr *)&rq->addr, mono_now()))
		return answer(c, rq, MHD_HTTP_TOO_MANY_REQUESTS,
		    "rate-limited", "too many requests");
	if ((big = too_large_now(s->conf, c)) == 1)
		return answer(c, rq, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
		    "report body too large");
	rq->too_large = big == -1;
	return MHD_YES;
}

/* handler - MHD access handler: headers, then body chunks, then the end */
static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *size, void **con_cls)
{
	struct server	*s = cls;
	struct request	*rq = *con_cls;

	(void)version;
	if (rq == NULL)		/* request_begin always sets it */
		return MHD_NO;
	if (!rq->started)
		return headers_in(s, c, rq, url, method);
	if (*size > 0) {
		http_body_chunk(s, rq, data, *size);
		*size = 0;
		return MHD_YES;
	}
	return finish(s, c, rq);
}

/* request_begin - MHD_OPTION_URI_LOG_CALLBACK: a request line is in.  Its
 * state starts here rather than at the handler's first call (headers
 * complete), so that a request libmicrohttpd answers by itself (431 and
 * the like) still reaches completed() and gets its log line.  MHD keeps
 * it as the request's con_cls; completed() frees it. */
static void *
request_begin(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct server	*s = cls;
	struct request	*rq = xcalloc(1, sizeof *rq);
	const struct sockaddr *peer;

	(void)uri;
	rq->server = s;
	connlimit_phase(s->limits, c, CONN_HEAD);
	clock_gettime(CLOCK_MONOTONIC, &rq->t0);
	peer = client_addr(c);
	if (peer != NULL && (peer->sa_family == AF_INET ||
	    peer->sa_family == AF_INET6))
		memcpy(&rq->addr, peer, peer->sa_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	listen_addrtext(peer, rq->client, sizeof rq->client);
	return rq;
}

/* status_of - the status queued on c, 0 when none */
static unsigned
status_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo	*ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
	return ci != NULL ? ci->http_status : 0;
}

/* ended - what became of a request without a verdict of ours */
static const char *
ended(unsigned status, enum MHD_RequestTerminationCode toe)
{
	if (status != 0)
		return "protocol";	/* libmicrohttpd answered it */
	switch (toe) {
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return "idle-timeout";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		return "shutdown";
	case MHD_REQUEST_TERMINATED_READ_ERROR:
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		return "aborted";
	default:
		return "error";
	}
}

/* completed - MHD is done with a request: its log line, then free it */
static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server	*s = cls;
	struct request	*rq = *con_cls;
	unsigned	 status = status_of(c);
	const char	*fate;

	if (rq == NULL)
		return;
	if ((fate = connlimit_fate(s->limits, c)) == NULL)
		fate = ended(status, toe);
	log_request(rq, status, rq->verdict ? rq->verdict : fate);
	metrics_request(status);
	metrics_report(rq->item.verdict);
	connlimit_phase(s->limits, c, CONN_IDLE);
	intake_item_clear(&rq->item);
	http_body_drop(s, rq);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_add(&s->answered, 1);
}

/* mhd_log - route libmicrohttpd's messages to our log */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	 msg[512];
	size_t	 len;

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		msg[--len] = '\0';
	log_debug("microhttpd: %s", msg);
}

/* http_start - see serve.h: MHD on one bound socket */
int
http_start(struct server *s, struct listener *l, char *err, size_t errlen)
{
	unsigned	 flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			    MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME |
			    MHD_USE_ERROR_LOG;
	const struct conf *c = s->conf;
	long		 nthreads = (long)c->threads;

	if (nthreads == 0 && (nthreads = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		nthreads = 1;
	if (nthreads > 256)
		nthreads = 256;
	if (l->tls)
		flags |= MHD_USE_TLS;
	/* Varargs types must match exactly: unsigned int, size_t, ... */
	l->limits = s->limits;
	/* the connection limits are connlimit.c's (accept policy and
	 * notifications); MHD's own limit only bounds what it shut down */
	l->daemon = MHD_start_daemon(flags, 0, connlimit_accept, l, handler, s,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)l->fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)nthreads,
	    MHD_OPTION_CONNECTION_LIMIT, connlimit_mhd_limit(c),
	    MHD_OPTION_NOTIFY_CONNECTION, connlimit_notify, (void *)l,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->timeout_seconds,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)c->max_header_bytes,
	    MHD_OPTION_URI_LOG_CALLBACK, request_begin, (void *)s,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, (void *)s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)s,
	    l->tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, s->key_pem,
	    MHD_OPTION_HTTPS_MEM_CERT, s->cert_pem,
	    MHD_OPTION_HTTPS_PRIORITIES, s->tls_priorities != NULL ?
	    s->tls_priorities : c->tls_priorities,
	    MHD_OPTION_END);
	if (l->daemon == NULL)
		return seterr(err, errlen, "cannot start the HTTP%s daemon on "
		    "%s (check the certificate and key)", l->tls ? "S" : "",
		    l->spec);
	return 0;
}

/* http_connections - see serve.h */
unsigned
http_connections(struct server *s)
{
	const union MHD_DaemonInfo	*di;
	unsigned			 n = 0;
	size_t				 i;

	pthread_mutex_lock(&s->dlock);
	for (i = 0; i < s->nls; i++)
		if (s->ls[i].daemon != NULL && (di = MHD_get_daemon_info(
		    s->ls[i].daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS)))
			n += di->num_connections;
	/* those a reload replaced, still finishing */
	for (i = 0; i < s->nretired; i++)
		if ((di = MHD_get_daemon_info(s->retired[i],
		    MHD_DAEMON_INFO_CURRENT_CONNECTIONS)) != NULL)
			n += di->num_connections;
	pthread_mutex_unlock(&s->dlock);
	return n;
}
