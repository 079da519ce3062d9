/*
 * http.c - "tlsrpt serve": the HTTPS rua endpoint (RFC 8460 §3, §5.4)
 *
 * SYNOPSIS
 *	tlsrpt serve
 *
 * DESCRIPTION
 *	Senders POST one report per request (application/tlsrpt+gzip or
 *	+json; the body is sniffed, since senders mislabel: R10) to a
 *	report_path on every "listen" address (TLS) and "listen_http" address
 *	(plain, for a reverse proxy).  Answers (R11):
 *	  201 stored (or spooled durably while PostgreSQL is away)
 *	  200 duplicate, 202 foreign (not one of our domains)
 *	  400 undecodable or invalid (the body is kept in quarantine)
 *	  404 other paths, 405 other methods (Allow: POST), 413 too large,
 *	  415 neither gzip nor JSON, 429 over rate_limit_per_minute, 431
 *	  headers over max_header_bytes (libmicrohttpd),
 *	  503 + Retry-After only when neither PostgreSQL nor the spool took it.
 *	Postfix's reporter treats ANY answer as delivered, so 503 is the last
 *	resort and every 400 body is kept for a later "tlsrpt reparse".
 *
 *	Start-up order (STYLE.md rule 7): bind every socket and read the
 *	certificate and key, then drop to "user", then start the daemons on
 *	the bound sockets.  SIGTERM/SIGINT stop accepting, let requests in
 *	flight finish, and exit 0.  The main thread drains the spool into
 *	PostgreSQL whenever entries wait and the database answers.
 *
 *	Worker threads (libmicrohttpd's pool) read and decode; a finished
 *	request is suspended and queued for the committer thread, which
 *	stores whatever waits in one transaction on its own connection and
 *	resumes the requests to be answered (see committer()).  After the
 *	database failed, requests go straight to the spool for a few seconds
 *	instead of each waiting for a connection attempt.
 *
 * DIAGNOSTICS
 *	One log line per request: client, status, organisation, report-id,
 *	verdict, bytes, milliseconds.  Exit 78 on configuration errors, 71
 *	when a socket cannot be bound or privileges cannot be dropped.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "buf.h"
#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "report.h"
#include "spool.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define RETRY_AFTER_503		"300"
#define RETRY_AFTER_429		"60"
#define DB_BACKOFF_SECONDS	2
/* A database that hangs rather than fails would hold every request
 * waiting for the committer: past this, the statement is cancelled and
 * the reports go to the spool. */
#define DB_STATEMENT_SECONDS	30
#define RATE_SLOTS		4096

/* One listening socket and the daemon serving it. */
struct listener {
	char			*spec;		/* as configured */
	int			 fd;
	int			 tls;
	struct MHD_Daemon	*daemon;
};

/* Per-client token bucket for rate_limit_per_minute. */
struct rate_slot {
	char		 ip[INET6_ADDRSTRLEN];
	double		 tokens;
	double		 last;
};

struct server {
	struct conf		*conf;
	struct listener		*ls;
	size_t			 nls;
	char			*cert_pem;
	char			*key_pem;
	int			 null_mode;	/* bench floor: 204, no work */
	pthread_mutex_t		 rate_lock;
	struct rate_slot	*rate;

	/* The committer (see committer()): requests waiting to be stored. */
	pthread_mutex_t		 job_lock;
	pthread_cond_t		 job_cond;
	struct request		*jobs;		/* FIFO of suspended requests */
	struct request	       **jobs_tail;
	size_t			 njobs;
	unsigned		 idle;		/* committers waiting for a job */
	unsigned		 gathering;	/* ... for GATHER_MIN jobs */
	int			 stopping;
	struct committer	*committers;
	double			 db_down_until;	/* monotonic; spool until then;
						 * under job_lock */
};

/* One committer thread and its own database connection. */
struct committer {
	struct server		*s;
	struct store		*store;
	pthread_t		 tid;
};

/*
 * One committer, and it waits up to GATHER_USEC for more requests when
 * fewer than GATHER_MIN are queued: fewer, larger transactions.  A
 * transaction costs PostgreSQL about 1 ms of CPU whatever its size, a
 * report about 0.1 ms more, so under load the batch size decides the
 * database's share.  Measured with make bench (new TLS connection per
 * report, 2 cores, 4 worker threads, (b)/(a) over three rounds): two
 * committers 0.55, one 0.66, gathering 1 ms 0.67-0.69, 4 ms 0.71-0.73,
 * 10 ms 0.74-0.77, 20 ms 0.73 (then too few of the 64 senders are left
 * handshaking).  A lone
 * report waits those 10 ms; its sender, which allows minutes, never sees
 * the difference.
 */
#define NCOMMITTERS	1
#define GATHER_USEC	10000L
#define GATHER_MIN	32

/* Where a request stands once its body is complete. */
enum job_state {
	JOB_NONE = 0,		/* not handed to the committer */
	JOB_QUEUED,		/* suspended, waiting for its commit */
	JOB_DONE,		/* result below; resumed */
};

/* What one request carries between the handler's calls. */
struct request {
	struct buf		 body;
	int			 too_large;
	char			 client[INET6_ADDRSTRLEN];
	struct timespec		 t0;
	/* storage, done by the committer thread */
	struct MHD_Connection	*conn;
	struct report		*report;	/* decoded; owned */
	char			*invalid;	/* reason: quarantine, not store */
	int			 invalid_status;/* 400 or 413 for those */
	enum job_state		 state;
	unsigned		 status;	/* the answer */
	const char		*verdict;	/* for the log */
	char			 text[ERRLEN + 64];	/* answer body */
	struct request		*next;
};

/* now_mono - monotonic seconds */
static double
now_mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* safe_text - a report's string made fit for one log line: printable
 * ASCII only, quotes and backslashes escaped, at most 200 bytes */
static void
safe_text(char *dst, size_t dstlen, const char *s)
{
	size_t	 o = 0;

	if (s == NULL)
		s = "-";
	for (; *s && o + 5 < dstlen && o < 200; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(dst + o, dstlen - o, "\\x%02x", c);
		else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
}

/* log_request - the one line per request */
static void
log_request(const struct request *rq, int status, const struct report *r,
    const char *verdict)
{
	struct timespec	 t1;
	char		 org[256], rid[256];
	double		 ms;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - rq->t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - rq->t0.tv_nsec) / 1e6;
	safe_text(org, sizeof org, r ? r->organization_name : NULL);
	safe_text(rid, sizeof rid, r ? r->report_id : NULL);
	log_info("client=%s status=%d org=\"%s\" report-id=\"%s\" "
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

/* client_ip - the peer address as text */
static void
client_ip(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo	*ci;
	const struct sockaddr		*sa;

	snprintf(buf, len, "-");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, buf, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, buf, (socklen_t)len);
}

/* rate_ok - take one token from the client's bucket (R54).  A full table
 * reuses the slot its hash points at: a flood of addresses can only make
 * the limit more lenient, never block an innocent sender. */
static int
rate_ok(struct server *s, const char *ip)
{
	struct rate_slot	*r;
	double			 t = now_mono(), cap, per_sec;
	unsigned		 h = 2166136261u;
	const char		*p;
	int			 ok;

	if (s->conf->rate_limit_per_minute == 0)
		return 1;
	for (p = ip; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	cap = (double)s->conf->rate_limit_per_minute;
	per_sec = cap / 60.0;
	pthread_mutex_lock(&s->rate_lock);
	r = &s->rate[h % RATE_SLOTS];
	if (strcmp(r->ip, ip) != 0) {
		snprintf(r->ip, sizeof r->ip, "%s", ip);
		r->tokens = cap;
		r->last = t;
	}
	r->tokens += (t - r->last) * per_sec;
	if (r->tokens > cap)
		r->tokens = cap;
	r->last = t;
	ok = r->tokens >= 1.0;
	if (ok)
		r->tokens -= 1.0;
	pthread_mutex_unlock(&s->rate_lock);
	return ok;
}

static void	db_lost(struct committer *);

/* keep_invalid - quarantine the body of a request answered 400/413, or
 * spool it when the database is away.  Never changes the answer: the
 * sender learns its report is bad either way (committer thread). */
static void
keep_invalid(struct committer *cm, struct request *rq, const char *reason)
{
	struct server	*s = cm->s;
	char		 err[ERRLEN];
	int		 temp = 0;

	if (cm->store != NULL) {
		if (store_quarantine(cm->store, "https", rq->client, reason,
		    rq->body.data, rq->body.len, s->conf->quarantine_max_bytes,
		    &temp, err, sizeof err) == 0)
			return;
		log_warnx("quarantine: %s", err);
		if (temp)
			db_lost(cm);
	}
	if (spool_put(s->conf->spool_dir, SPOOL_KIND_INVALID, "https",
	    rq->client, reason, rq->body.data, rq->body.len, err,
	    sizeof err) == -1)
		log_warnx("invalid report from %s not kept: %s", rq->client,
		    err);
}

/* db_lost - drop the committer's connection and spool for a while */
static void
db_lost(struct committer *cm)
{
	cm->store = store_close(cm->store);
	pthread_mutex_lock(&cm->s->job_lock);
	cm->s->db_down_until = now_mono() + DB_BACKOFF_SECONDS;
	pthread_mutex_unlock(&cm->s->job_lock);
}

/* db_get - the committer's connection, or NULL while the database is away */
static struct store *
db_get(struct committer *cm)
{
	char	 err[ERRLEN];
	double	 until;

	if (cm->store != NULL)
		return cm->store;
	pthread_mutex_lock(&cm->s->job_lock);
	until = cm->s->db_down_until;
	pthread_mutex_unlock(&cm->s->job_lock);
	if (now_mono() < until)
		return NULL;
	if ((cm->store = store_open(cm->s->conf->database, "tlsrpt-serve",
	    err, sizeof err)) == NULL ||
	    store_set_timeout(cm->store, DB_STATEMENT_SECONDS, err,
	    sizeof err) == -1) {
		log_warnx("database unreachable, spooling: %s", err);
		db_lost(cm);
	}
	return cm->store;
}

/* set_result - the answer the handler will queue once resumed */
static void
set_result(struct request *rq, unsigned status, const char *verdict,
    const char *text)
{
	rq->status = status;
	rq->verdict = verdict;
	snprintf(rq->text, sizeof rq->text, "%s", text);
}

/* commit_jobs - store one batch of requests; every one gets a result */
static void
commit_jobs(struct committer *cm, struct request *list)
{
	struct server		*s = cm->s;
	struct store_item	*items;
	struct request		*rq, **byitem;
	char			 err[ERRLEN];
	size_t			 n = 0, i;
	int			 temp = 0, stored = 0;

	for (rq = list; rq != NULL; rq = rq->next)
		n++;
	items = xcalloc(n, sizeof *items);
	byitem = xcalloc(n, sizeof *byitem);
	n = 0;
	for (rq = list; rq != NULL; rq = rq->next) {
		if (rq->invalid != NULL)
			continue;
		items[n].report = rq->report;
		items[n].raw = rq->body.data;
		items[n].rawlen = rq->body.len;
		items[n].transport = "https";
		items[n].source = rq->client;
		byitem[n++] = rq;
	}

	if (n > 0 && db_get(cm) != NULL) {
		if (store_batch(cm->store, items, n, s->conf->domains,
		    s->conf->n_domains, &temp, err, sizeof err) == 0)
			stored = 1;
		else {
			log_warnx("database: %s", err);
			db_lost(cm);
		}
	}
	for (i = 0; i < n; i++) {
		rq = byitem[i];
		if (!stored) {
			/* Durable in the spool, or the very last resort. */
			if (spool_put(s->conf->spool_dir, SPOOL_KIND_REPORT,
			    "https", rq->client, NULL, rq->body.data,
			    rq->body.len, err, sizeof err) == 0)
				set_result(rq, MHD_HTTP_CREATED, "spooled",
				    "accepted (spooled)");
			else {
				log_warnx("%s", err);
				set_result(rq, MHD_HTTP_SERVICE_UNAVAILABLE,
				    "unavailable", "cannot store the report "
				    "now, retry later");
			}
			continue;
		}
		switch (items[i].verdict) {
		case STORE_STORED:
			set_result(rq, MHD_HTTP_CREATED, "stored", "stored");
			break;
		case STORE_DUPLICATE:
			set_result(rq, MHD_HTTP_OK, "duplicate", "duplicate");
			break;
		case STORE_FOREIGN:
			set_result(rq, MHD_HTTP_ACCEPTED, "foreign",
			    "accepted, not one of our domains");
			break;
		default:
			/* PostgreSQL refused this one report's data. */
			rq->invalid = xstrdup(items[i].err);
			rq->invalid_status = MHD_HTTP_BAD_REQUEST;
			break;
		}
	}
	for (rq = list; rq != NULL; rq = rq->next)
		if (rq->invalid != NULL) {
			char text[ERRLEN + 64];

			if (cm->store == NULL)
				(void)db_get(cm);
			keep_invalid(cm, rq, rq->invalid);
			snprintf(text, sizeof text, "invalid report: %s",
			    rq->invalid);
			set_result(rq, (unsigned)rq->invalid_status, "invalid",
			    text);
		}
	free(items);
	free(byitem);
}

/* gather - with job_lock held: when few requests wait, give others up to
 * GATHER_USEC to join them in the same transaction */
static void
gather(struct server *s)
{
	struct timespec	 dl;

	if (s->njobs >= GATHER_MIN || s->stopping)
		return;
	s->gathering++;
	clock_gettime(CLOCK_MONOTONIC, &dl);	/* job_cond's clock */
	dl.tv_nsec += GATHER_USEC * 1000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	while (s->njobs < GATHER_MIN && !s->stopping &&
	    pthread_cond_timedwait(&s->job_cond, &s->job_lock, &dl) == 0)
		;
	s->gathering--;
}

/*
 * committer - a thread that stores for every worker (group commit)
 *
 * A request whose body is complete is decoded by its worker, suspended
 * (MHD_suspend_connection) and queued here.  The committer takes all that
 * wait, stores them with one store_batch() (one transaction, one fsync,
 * each report still all-or-nothing) and resumes them; their handlers then
 * queue the answers.  Under load the batches grow by themselves, so the
 * disk's fsync rate no longer bounds the request rate, and no worker
 * thread ever blocks on the database.
 */
static void *
committer(void *arg)
{
	struct committer *cm = arg;
	struct server	*s = cm->s;
	struct request	*list, *rq, *next;
	size_t		 n;

	for (;;) {
		pthread_mutex_lock(&s->job_lock);
		s->idle++;
		while (s->jobs == NULL && !s->stopping)
			pthread_cond_wait(&s->job_cond, &s->job_lock);
		s->idle--;
		if (s->jobs == NULL && s->stopping) {
			pthread_mutex_unlock(&s->job_lock);
			break;
		}
		gather(s);
		if (s->jobs == NULL) {		/* another committer took them */
			pthread_mutex_unlock(&s->job_lock);
			continue;
		}
		/* Take at most batch_reports; the rest wait for the next. */
		list = s->jobs;
		for (rq = list, n = 1; rq->next != NULL &&
		    n < s->conf->batch_reports; rq = rq->next, n++)
			;
		s->jobs = rq->next;
		rq->next = NULL;
		s->njobs -= n;
		if (s->jobs == NULL)
			s->jobs_tail = &s->jobs;
		pthread_mutex_unlock(&s->job_lock);

		log_debug("committer: batch of %zu", n);
		commit_jobs(cm, list);
		for (rq = list; rq != NULL; rq = next) {
			next = rq->next;
			rq->next = NULL;
			rq->state = JOB_DONE;
			MHD_resume_connection(rq->conn);
		}
	}
	cm->store = store_close(cm->store);
	return NULL;
}

/* enqueue - suspend the request and hand it to the committer; 0 when the
 * committer is stopping (then the caller stores it itself) */
static int
enqueue(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	pthread_mutex_lock(&s->job_lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->job_lock);
		return 0;
	}
	rq->conn = c;
	rq->state = JOB_QUEUED;
	rq->next = NULL;
	MHD_suspend_connection(c);
	*s->jobs_tail = rq;
	s->jobs_tail = &rq->next;
	s->njobs++;
	/* Wake a committer only when one waits for this: a wake-up per
	 * request, while it gathers or commits, would cost a context switch
	 * each (about 10 µs here) for nothing. */
	if (s->idle > 0 || (s->gathering > 0 && s->njobs >= GATHER_MIN))
		pthread_cond_signal(&s->job_cond);
	pthread_mutex_unlock(&s->job_lock);
	return 1;
}

/* finish - the whole body is here: answer at once, or decode and queue
 * for the committer (the connection is suspended until it is done) */
static enum MHD_Result
finish(struct server *s, struct MHD_Connection *c, struct request *rq)
{
	enum report_error	 re;
	char			 why[ERRLEN];

	if (rq->state == JOB_DONE) {
		log_request(rq, (int)rq->status, rq->report, rq->verdict);
		return reply(c, rq->status, rq->text, rq->status ==
		    MHD_HTTP_SERVICE_UNAVAILABLE ? MHD_HTTP_HEADER_RETRY_AFTER :
		    NULL, RETRY_AFTER_503);
	}
	if (rq->too_large) {
		log_request(rq, 413, NULL, "too-large");
		return reply(c, MHD_HTTP_CONTENT_TOO_LARGE,
		    "report body too large", NULL, NULL);
	}
	if (s->null_mode) {
		log_request(rq, 204, NULL, "null");
		return reply(c, MHD_HTTP_NO_CONTENT, "", NULL, NULL);
	}
	re = report_decode(rq->body.data, rq->body.len,
	    s->conf->max_report_bytes, &rq->report, why, sizeof why);
	if (re == REPORT_ERR_FORMAT) {
		log_request(rq, 415, NULL, "unsupported");
		return reply(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "expected application/tlsrpt+gzip or application/tlsrpt+json",
		    NULL, NULL);
	}
	if (re != REPORT_OK) {
		/* Answered 400/413, but the body is kept: via the committer,
		 * which owns the database connection. */
		rq->invalid = xstrdup(why);
		rq->invalid_status = re == REPORT_ERR_TOO_BIG ?
		    MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST;
	}
	if (enqueue(s, c, rq))
		return MHD_YES;
	/* Shutting down, the committer is gone: spool it (durable, so the
	 * 201 holds) rather than make the sender retry or lose it. */
	if (rq->invalid == NULL && spool_put(s->conf->spool_dir,
	    SPOOL_KIND_REPORT, "https", rq->client, NULL, rq->body.data,
	    rq->body.len, why, sizeof why) == 0) {
		log_request(rq, 201, rq->report, "spooled");
		return reply(c, MHD_HTTP_CREATED, "accepted (spooled)", NULL,
		    NULL);
	}
	log_request(rq, 503, rq->report, "unavailable");
	return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down, retry "
	    "later", MHD_HTTP_HEADER_RETRY_AFTER, RETRY_AFTER_503);
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

/* handler - MHD access handler: headers, then body chunks, then the end */
static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *size, void **con_cls)
{
	struct server	*s = cls;
	struct request	*rq = *con_cls;
	struct request	 tmp;
	const char	*cl;
	char		*end;
	unsigned long long len;

	(void)version;
	if (rq == NULL) {
		memset(&tmp, 0, sizeof tmp);
		clock_gettime(CLOCK_MONOTONIC, &tmp.t0);
		client_ip(c, tmp.client, sizeof tmp.client);
		if (!path_ok(s->conf, url)) {
			log_request(&tmp, 404, NULL, "not-found");
			return reply(c, MHD_HTTP_NOT_FOUND, "not found", NULL,
			    NULL);
		}
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {	/* R8 */
			log_request(&tmp, 405, NULL, "method");
			return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "only POST", MHD_HTTP_HEADER_ALLOW, "POST");
		}
		if (!rate_ok(s, tmp.client)) {
			log_request(&tmp, 429, NULL, "rate-limited");
			return reply(c, MHD_HTTP_TOO_MANY_REQUESTS,
			    "too many requests", MHD_HTTP_HEADER_RETRY_AFTER,
			    RETRY_AFTER_429);
		}
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL &&
		    (len = strtoull(cl, &end, 10)) > s->conf->max_body_bytes) {
			/*
			 * Decided from Content-Length, before reading.  An
			 * answer queued now makes MHD close the connection
			 * while the client is still sending, and the client
			 * then often sees a reset instead of the 413.  So
			 * answer at once only when the client waits for it
			 * (Expect: 100-continue) or the body is absurd; else
			 * read and discard the body (bounded by
			 * timeout_seconds) and answer 413 after it.
			 */
			const char *ex = MHD_lookup_connection_value(c,
			    MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);

			if ((ex != NULL && strcasecmp(ex, "100-continue") ==
			    0) || len / 16 > s->conf->max_body_bytes) {
				log_request(&tmp, 413, NULL, "too-large");
				return reply(c, MHD_HTTP_CONTENT_TOO_LARGE,
				    "report body too large", NULL, NULL);
			}
			tmp.too_large = 1;
		}
		rq = xmalloc(sizeof *rq);
		*rq = tmp;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*size > 0) {
		if (!rq->too_large &&
		    *size <= s->conf->max_body_bytes - rq->body.len)
			buf_append(&rq->body, data, *size);
		else {
			rq->too_large = 1;	/* chunked past the cap */
			buf_free(&rq->body);
		}
		*size = 0;
		return MHD_YES;
	}
	return finish(s, c, rq);
}

/* completed - MHD is done with a request: free its state */
static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request	*rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq != NULL) {
		buf_free(&rq->body);
		report_free(rq->report);
		free(rq->invalid);
		free(rq);
		*con_cls = NULL;
	}
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

/* bind_listener - "ADDRESS:PORT", "[V6]:PORT" or "*:PORT"; 0 or -1 */
static int
bind_listener(struct listener *l, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t	 sl = sizeof ss;
	char		 host[256], *colon, port[16], shown[INET6_ADDRSTRLEN];
	const char	*h;
	int		 one = 1, rc;

	snprintf(host, sizeof host, "%s", l->spec);
	if ((colon = strrchr(host, ':')) == NULL)
		return seterr(err, errlen, "listen \"%s\": expected "
		    "ADDRESS:PORT", l->spec);
	*colon = '\0';
	snprintf(port, sizeof port, "%s", colon + 1);
	h = host;
	if (host[0] == '[') {
		h = host + 1;
		if (strlen(h) > 0 && h[strlen(h) - 1] == ']')
			host[strlen(host) - 1] = '\0';
	}
	if (*h == '\0' || strcmp(h, "*") == 0)
		h = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | (h ? AI_NUMERICHOST : 0);
	if ((rc = getaddrinfo(h, port, &hints, &res)) != 0)
		return seterr(err, errlen, "listen \"%s\": %s", l->spec,
		    gai_strerror(rc));
	l->fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (l->fd == -1 ||
	    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    (res->ai_family == AF_INET6 && setsockopt(l->fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof one)) ||
	    bind(l->fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(l->fd, 1024) == -1) {
		seterr(err, errlen, "listen \"%s\": %s", l->spec,
		    strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	/* Port 0 (tests) gets a free port: say which. */
	if (getsockname(l->fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (void *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, shown,
			    sizeof shown);
			log_info("listening on %s://[%s]:%u", l->tls ? "https" :
			    "http", shown, ntohs(s6->sin6_port));
		} else {
			struct sockaddr_in *s4 = (void *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, shown, sizeof shown);
			log_info("listening on %s://%s:%u", l->tls ? "https" :
			    "http", shown, ntohs(s4->sin_port));
		}
	}
	return 0;
}

/* drop_privileges - to conf.user, in the fixed order, each step checked;
 * the spool (made by root) is handed to that user first */
static int
drop_privileges(const struct conf *conf, char *err, size_t errlen)
{
	struct passwd	*pw;
	char		 path[4096];
	int		 i;

	if (conf->user == NULL)
		return 0;
	if ((pw = getpwnam(conf->user)) == NULL)
		return seterr(err, errlen, "user \"%s\" does not exist",
		    conf->user);
	if (pw->pw_uid == 0)
		return seterr(err, errlen, "user \"%s\" is root", conf->user);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s%s", conf->spool_dir,
		    i == 0 ? "" : i == 1 ? "/tmp" : "/new");
		if (chown(path, pw->pw_uid, pw->pw_gid) == -1)
			return seterr(err, errlen, "chown %s: %s", path,
			    strerror(errno));
	}
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		return seterr(err, errlen, "cannot drop privileges to %s: %s",
		    conf->user, strerror(errno));
	if (setuid(0) != -1)
		return seterr(err, errlen, "privileges not dropped");
	return 0;
}

/* read_pem - a PEM file into a NUL-terminated string (before dropping
 * privileges: the key is usually readable by root only) */
static char *
read_pem(const char *path, char *err, size_t errlen)
{
	unsigned char	*data;
	size_t		 len;
	char		 why[ERRLEN];

	if (read_file(path, 1 << 20, &data, &len, why, sizeof why) != 0) {
		seterr(err, errlen, "%s: %s", path, why);
		return NULL;
	}
	return (char *)data;
}

/* start_daemon - MHD on one bound socket */
static int
start_daemon(struct server *s, struct listener *l, char *err, size_t errlen)
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
	l->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handler, s,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)l->fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)nthreads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)c->max_connections_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->timeout_seconds,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)c->max_header_bytes,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, (void *)s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)s,
	    l->tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, s->key_pem,
	    MHD_OPTION_HTTPS_MEM_CERT, s->cert_pem,
	    MHD_OPTION_HTTPS_PRIORITIES,
	    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
	    MHD_OPTION_END);
	if (l->daemon == NULL)
		return seterr(err, errlen, "cannot start the HTTP%s daemon on "
		    "%s (check the certificate and key)", l->tls ? "S" : "",
		    l->spec);
	return 0;
}

/* drain - move waiting spool entries into PostgreSQL (main thread) */
static void
drain(struct server *s, struct store **st)
{
	char	 err[ERRLEN];
	size_t	 done = 0;
	int	 temp = 0;

	if (spool_count(s->conf->spool_dir) <= 0)
		return;
	if (*st == NULL && (*st = store_open(s->conf->database,
	    "tlsrpt-spool", err, sizeof err)) == NULL)
		return;
	if (spool_replay(s->conf->spool_dir, *st, s->conf, &done, &temp, err,
	    sizeof err) == -1) {
		log_warnx("spool replay: %s", err);
		*st = store_close(*st);
	}
	if (done)
		log_info("spool: %zu entr%s moved into the database", done,
		    done == 1 ? "y" : "ies");
}

/* connections - requests in flight over all daemons */
static unsigned
connections(struct server *s)
{
	const union MHD_DaemonInfo	*di;
	unsigned			 n = 0;
	size_t				 i;

	for (i = 0; i < s->nls; i++)
		if (s->ls[i].daemon != NULL && (di = MHD_get_daemon_info(
		    s->ls[i].daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS)))
			n += di->num_connections;
	return n;
}

/* cmd_serve - the subcommand */
int
cmd_serve(struct conf *conf, int argc, char **argv)
{
	struct server	 s;
	struct store	*drainer = NULL;
	struct timespec	 tick = { 1, 0 };
	pthread_condattr_t ca;
	sigset_t	 sigs;
	siginfo_t	 si;
	char		 err[ERRLEN];
	size_t		 i, j;
	double		 deadline;
	int		 sig, rc = 0;

	memset(&s, 0, sizeof s);
	s.conf = conf;
	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--bench-null") == 0)
			s.null_mode = 1;
		else {
			fprintf(stderr, "usage: tlsrpt serve\n");
			return EX_USAGE_;
		}
	}
	if (strcmp(conf->log, "syslog") == 0)
		log_init("tlsrpt", 1, EX_TEMPFAIL_);
	if (conf->listen.n + conf->listen_http.n == 0) {
		log_warnx("%s: neither listen nor listen_http is set",
		    conf->path ? conf->path : "configuration");
		return EX_CONFIG_;
	}
	if (conf->listen.n > 0 && conf->tls_cert == NULL) {
		log_warnx("%s: listen needs tls_cert and tls_key",
		    conf->path ? conf->path : "configuration");
		return EX_CONFIG_;
	}
	if (conf->tls_cert != NULL &&
	    ((s.cert_pem = read_pem(conf->tls_cert, err, sizeof err)) == NULL ||
	    (s.key_pem = read_pem(conf->tls_key, err, sizeof err)) == NULL)) {
		log_warnx("%s", err);
		rc = EX_CONFIG_;
		goto out;
	}
	if (spool_init(conf->spool_dir, err, sizeof err) == -1) {
		log_warnx("%s", err);
		rc = EX_CONFIG_;
		goto out;
	}
	s.nls = conf->listen.n + conf->listen_http.n;
	s.ls = xcalloc(s.nls, sizeof *s.ls);
	for (i = 0; i < s.nls; i++) {
		s.ls[i].fd = -1;
		s.ls[i].tls = i < conf->listen.n;
		s.ls[i].spec = s.ls[i].tls ? conf->listen.v[i] :
		    conf->listen_http.v[i - conf->listen.n];
		if (bind_listener(&s.ls[i], err, sizeof err) == -1) {
			log_warnx("%s", err);
			rc = 71;	/* EX_OSERR */
			goto out;
		}
	}
	if (drop_privileges(conf, err, sizeof err) == -1) {
		log_warnx("%s", err);
		rc = 71;
		goto out;
	}

	/* Signals are taken by the main thread alone (sigtimedwait): block
	 * them before any worker thread exists, so all inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&s.rate_lock, NULL);
	s.rate = xcalloc(RATE_SLOTS, sizeof *s.rate);
	pthread_mutex_init(&s.job_lock, NULL);
	/* gather() waits against the monotonic clock: a wall clock set back
	 * must not hold requests for as long. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s.job_cond, &ca);
	pthread_condattr_destroy(&ca);
	s.jobs_tail = &s.jobs;
	s.committers = xcalloc(NCOMMITTERS, sizeof *s.committers);
	for (j = 0; j < NCOMMITTERS; j++) {
		s.committers[j].s = &s;
		if (pthread_create(&s.committers[j].tid, NULL, committer,
		    &s.committers[j]) != 0)
			fatalx("cannot start a committer thread");
	}

	for (i = 0; i < s.nls; i++)
		if (start_daemon(&s, &s.ls[i], err, sizeof err) == -1) {
			log_warnx("%s", err);
			rc = EX_CONFIG_;
			goto stop;
		}
	log_info("serving %zu listener(s), report path%s %s%s", s.nls,
	    conf->report_path.n > 1 ? "s" : "", conf->report_path.v[0],
	    conf->report_path.n > 1 ? " ..." : "");

	for (;;) {
		sig = sigtimedwait(&sigs, &si, &tick);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
			break;
		drain(&s, &drainer);
	}
	log_info("signal %d: finishing requests in flight", sig);
	for (i = 0; i < s.nls; i++)
		MHD_quiesce_daemon(s.ls[i].daemon);
	deadline = now_mono() + (double)conf->timeout_seconds;
	while (connections(&s) > 0 && now_mono() < deadline)
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
stop:
	/* Stop the committer first: it answers and resumes every request it
	 * holds, and later ones are spooled by their handlers, so no
	 * connection is suspended when the daemons stop (MHD requires it). */
	pthread_mutex_lock(&s.job_lock);
	s.stopping = 1;
	pthread_cond_broadcast(&s.job_cond);
	pthread_mutex_unlock(&s.job_lock);
	for (j = 0; j < NCOMMITTERS; j++)
		pthread_join(s.committers[j].tid, NULL);
	free(s.committers);
	for (j = 0; j < s.nls; j++)
		if (s.ls[j].daemon != NULL)
			MHD_stop_daemon(s.ls[j].daemon);
	pthread_mutex_destroy(&s.job_lock);
	pthread_cond_destroy(&s.job_cond);
	store_close(drainer);
	pthread_mutex_destroy(&s.rate_lock);
	free(s.rate);
	log_info("stopped");
out:
	for (j = 0; s.ls != NULL && j < s.nls; j++)
		if (s.ls[j].fd != -1)
			close(s.ls[j].fd);	/* after MHD_stop_daemon */
	free(s.ls);
	free(s.cert_pem);
	free(s.key_pem);
	return rc;
}
