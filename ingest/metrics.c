/*
 * metrics.c - serve's counters, /metrics (Prometheus text) and /healthz
 *
 * SYNOPSIS
 *	#include "metrics.h"
 *
 *	void metrics_request(status), metrics_report(verdict), ...
 *	void metrics_render(b, gauges)
 *	int metrics_start(s, l, err, errlen)
 *	void metrics_stop(s)
 *
 * DESCRIPTION
 *	Counters are C11 atomics, bumped where serve decides something:
 *	requests by the status they were answered with (http.c, when
 *	libmicrohttpd is done with the request, so its own answers such as
 *	431 count too; 0: no answer), HTTPS reports by the intake's verdict,
 *	database failures, each group commit's size and time (committer.c),
 *	reports moved out of the spool and reloads (serve.c).  A histogram
 *	keeps one counter per bucket and is written cumulatively, its
 *	_count being the sum of its buckets, so a scrape that races an
 *	update never shows a +Inf bucket different from _count.
 *
 *	The exposition (text format 0.0.4): # HELP and # TYPE before each
 *	family, counters end in _total, label values escaped (metrics_label:
 *	report senders choose their organisation names).
 *
 *	The listener is libmicrohttpd on the bound "listen_metrics" socket,
 *	plain HTTP with one internal thread, so its handler never runs
 *	twice at once and the database cache needs no lock:
 *	  GET /metrics   the counters, the spool (entries, age of the
 *	                 oldest: its file names), connections and body bytes
 *	                 in flight, and what the database knows (reports by
 *	                 transport and verdict, the quarantine, the reporting
 *	                 organisations), read at most every METRICS_DB_SECONDS
 *	  GET /healthz   200 "ok" when the database answers a query and the
 *	                 spool could take an entry; else 503 with one line
 *	                 per failed check
 *	  other paths 404, other methods 405.
 *	HEAD works as GET.  The database connection is this thread's own,
 *	with a 5 s statement timeout; a failed one is closed and opened
 *	again at the next need.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "metrics.h"
#include "query_metrics.h"
#include "serve.h"
#include "spool.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#ifndef TLSRPT_COMMIT
#define TLSRPT_COMMIT	"unknown"
#endif

#define NSTATUS		600
#define NVERDICT	(INTAKE_TEMPFAIL + 1)
#define HEALTH_DB_TIMEOUT 5

static const double batch_le[] = { 1, 2, 5, 10, 25, 50, 100, 250, 500,
	1000 };
#define NBATCH	(sizeof batch_le / sizeof batch_le[0])
static const double latency_le[] = { 0.001, 0.0025, 0.005, 0.01, 0.025,
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
#define NLATENCY (sizeof latency_le / sizeof latency_le[0])

static struct {
	atomic_ulong	 status[NSTATUS];
	atomic_ulong	 verdict[NVERDICT];
	atomic_ulong	 db_errors;
	atomic_ulong	 replayed;
	atomic_ulong	 reload_ok, reload_failed;
	atomic_ullong	 batch[NBATCH + 1];	/* the last: +Inf */
	atomic_ullong	 batch_sum;
	atomic_ullong	 latency[NLATENCY + 1];
	atomic_ullong	 latency_sum_us;
	atomic_llong	 started;		/* unix seconds */
	atomic_llong	 loaded;		/* certificate, unix seconds */
} m;

/* The listener's state (main thread starts and stops it; the rest runs
 * on its one thread). */
struct metrics_srv {
	struct server		*s;
	struct MHD_Daemon	*daemon;
	struct store		*st;
	struct db_metrics	 db;
	int			 have_db;
	int			 db_up;
	int64_t			 db_read_at;	/* unix seconds */
	double			 db_next;	/* monotonic: no query before */
};

/* metrics_request - see metrics.h */
void
metrics_request(unsigned status)
{
	atomic_fetch_add(&m.status[status < NSTATUS ? status : 0], 1);
}

/* metrics_report - see metrics.h */
void
metrics_report(enum intake_verdict v)
{
	if ((unsigned)v < NVERDICT && v != INTAKE_PENDING)
		atomic_fetch_add(&m.verdict[v], 1);
}

/* metrics_db_error - see metrics.h */
void
metrics_db_error(void)
{
	atomic_fetch_add(&m.db_errors, 1);
}

/* bucket - the first bucket whose bound holds v; n: +Inf */
static size_t
bucket(const double *le, size_t n, double v)
{
	size_t	 i;

	for (i = 0; i < n && v > le[i]; i++)
		;
	return i;
}

/* metrics_commit - see metrics.h */
void
metrics_commit(size_t reports, double seconds)
{
	if (seconds < 0)
		seconds = 0;
	atomic_fetch_add(&m.batch[bucket(batch_le, NBATCH, (double)reports)],
	    1);
	atomic_fetch_add(&m.batch_sum, reports);
	atomic_fetch_add(&m.latency[bucket(latency_le, NLATENCY, seconds)], 1);
	atomic_fetch_add(&m.latency_sum_us,
	    (unsigned long long)(seconds * 1e6 + 0.5));
}

/* metrics_replayed - see metrics.h */
void
metrics_replayed(size_t reports)
{
	atomic_fetch_add(&m.replayed, reports);
}

/* metrics_reload - see metrics.h */
void
metrics_reload(int ok)
{
	if (ok) {
		atomic_fetch_add(&m.reload_ok, 1);
		atomic_store(&m.loaded, (long long)time(NULL));
	} else
		atomic_fetch_add(&m.reload_failed, 1);
}

/* metrics_label - see metrics.h */
void
metrics_label(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; p[i] != '\0' && i < 128; i++) {
		if (p[i] == '\\' || p[i] == '"')
			buf_printf(b, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '%')
			buf_printf(b, "%%%02X", p[i]);
		else
			buf_putc(b, p[i]);
	}
}

/* family - the # HELP and # TYPE lines */
static void
family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* histogram - one histogram family from its buckets (not cumulative) */
static void
histogram(struct buf *b, const char *name, const char *help,
    const double *le, size_t n, atomic_ullong *counts, double sum)
{
	unsigned long long	 acc = 0;
	size_t			 i;

	family(b, name, "histogram", help);
	for (i = 0; i <= n; i++) {
		acc += atomic_load(&counts[i]);
		if (i < n)
			buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, le[i],
			    acc);
		else
			buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name,
			    acc);
	}
	buf_printf(b, "%s_sum %.6f\n%s_count %llu\n", name, sum, name, acc);
}

/* label_seen - the i-th escaped label in lab (at start[]) equals an
 * earlier one: two names that escape alike are one series */
static int
label_seen(const struct buf *lab, const size_t *start, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (strcmp((const char *)lab->data + start[i],
		    (const char *)lab->data + start[j]) == 0)
			return 1;
	return 0;
}

/* render_db - what the database knows */
static void
render_db(struct buf *b, const struct metrics_gauges *g)
{
	const struct db_metrics	*db = g->db;
	struct buf		 lab = BUF_INIT;
	size_t			 i, *start;

	family(b, "tlsrpt_db_up", "gauge", "1 when the last read of the "
	    "database's figures worked");
	buf_printf(b, "tlsrpt_db_up %d\n", g->db_up);
	if (db == NULL)
		return;
	family(b, "tlsrpt_db_read_timestamp_seconds", "gauge", "When the "
	    "database's figures below were read (they are kept a while)");
	buf_printf(b, "tlsrpt_db_read_timestamp_seconds %lld\n",
	    (long long)g->db_read_at);
	family(b, "tlsrpt_db_reports", "gauge", "Reports stored, by how they "
	    "arrived and verdict (every door, ingest-mail included)");
	for (i = 0; i < db->n_counts; i++) {
		buf_puts(b, "tlsrpt_db_reports{transport=\"");
		metrics_label(b, db->counts[i].transport);
		buf_puts(b, "\",verdict=\"");
		metrics_label(b, db->counts[i].verdict);
		buf_printf(b, "\"} %lld\n", (long long)db->counts[i].reports);
	}
	family(b, "tlsrpt_db_quarantine_entries", "gauge", "Bodies kept in "
	    "the quarantine");
	buf_printf(b, "tlsrpt_db_quarantine_entries %lld\n",
	    (long long)db->quarantine_entries);
	family(b, "tlsrpt_db_quarantine_bytes", "gauge", "Bytes of the bodies "
	    "kept in the quarantine");
	buf_printf(b, "tlsrpt_db_quarantine_bytes %lld\n",
	    (long long)db->quarantine_bytes);
	family(b, "tlsrpt_db_conflicting_copies", "gauge", "Differing copies "
	    "of stored reports, kept beside them");
	buf_printf(b, "tlsrpt_db_conflicting_copies %lld\n",
	    (long long)db->conflicts);
	family(b, "tlsrpt_db_reporters", "gauge", "Organisations with "
	    "accepted reports (the " METRICS_REPORTERS_TEXT " with the most "
	    "are listed below)");
	buf_printf(b, "tlsrpt_db_reporters %lld\n",
	    (long long)db->reporters_total);

	/* Two names may look alike once escaped and cut: a series given
	 * twice would make the scrape fail, so the later one is left out. */
	start = xcalloc(db->n_reporters + 1, sizeof *start);
	for (i = 0; i < db->n_reporters; i++) {
		start[i] = lab.len;
		metrics_label(&lab, db->reporters[i].organization);
		buf_putc(&lab, '\0');
	}
	family(b, "tlsrpt_db_reporter_last_report_timestamp_seconds", "gauge",
	    "When the latest accepted report of an organisation was received");
	for (i = 0; i < db->n_reporters; i++) {
		if (label_seen(&lab, start, i))
			continue;
		buf_printf(b, "tlsrpt_db_reporter_last_report_timestamp_seconds"
		    "{organization=\"%s\"} %lld\n", (char *)lab.data + start[i],
		    (long long)db->reporters[i].last);
	}
	family(b, "tlsrpt_db_reporter_reports", "gauge", "Accepted reports of "
	    "an organisation");
	for (i = 0; i < db->n_reporters; i++) {
		if (label_seen(&lab, start, i))
			continue;
		buf_printf(b, "tlsrpt_db_reporter_reports{organization=\"%s\"} "
		    "%lld\n", (char *)lab.data + start[i],
		    (long long)db->reporters[i].reports);
	}
	free(start);
	buf_free(&lab);
}

/* metrics_render - see metrics.h */
void
metrics_render(struct buf *b, const struct metrics_gauges *g)
{
	unsigned long	 n;
	size_t		 i;

	family(b, "tlsrpt_build_info", "gauge", "The running build");
	buf_puts(b, "tlsrpt_build_info{version=\"");
	metrics_label(b, TLSRPT_VERSION);
	buf_puts(b, "\",commit=\"");
	metrics_label(b, TLSRPT_COMMIT);
	buf_puts(b, "\"} 1\n");
	family(b, "tlsrpt_start_time_seconds", "gauge", "When serve started");
	buf_printf(b, "tlsrpt_start_time_seconds %lld\n",
	    (long long)atomic_load(&m.started));
	family(b, "tlsrpt_http_requests_total", "counter", "HTTP requests by "
	    "the status they were answered with (0: ended without one)");
	for (i = 0; i < NSTATUS; i++)
		if ((n = atomic_load(&m.status[i])) > 0)
			buf_printf(b, "tlsrpt_http_requests_total{status=\"%zu\"} "
			    "%lu\n", i, n);
	family(b, "tlsrpt_reports_total", "counter", "Reports received by "
	    "this process, by transport and the intake's verdict");
	for (i = 1; i < NVERDICT; i++)
		buf_printf(b, "tlsrpt_reports_total{transport=\"https\","
		    "verdict=\"%s\"} %lu\n",
		    intake_verdict_name((enum intake_verdict)i),
		    atomic_load(&m.verdict[i]));
	family(b, "tlsrpt_database_errors_total", "counter", "Batches or "
	    "spool replays the database failed (their reports were spooled "
	    "or stay spooled)");
	buf_printf(b, "tlsrpt_database_errors_total %lu\n",
	    atomic_load(&m.db_errors));
	histogram(b, "tlsrpt_commit_batch_reports", "Reports per group "
	    "commit", batch_le, NBATCH, m.batch,
	    (double)atomic_load(&m.batch_sum));
	histogram(b, "tlsrpt_commit_duration_seconds", "Time of a group "
	    "commit (or its fallback to the spool)", latency_le, NLATENCY,
	    m.latency, (double)atomic_load(&m.latency_sum_us) / 1e6);
	family(b, "tlsrpt_spool_entries", "gauge", "Entries waiting in the "
	    "spool (-1: unreadable)");
	buf_printf(b, "tlsrpt_spool_entries %ld\n", g->spool_entries);
	family(b, "tlsrpt_spool_oldest_age_seconds", "gauge", "Age of the "
	    "oldest spool entry (0: none)");
	buf_printf(b, "tlsrpt_spool_oldest_age_seconds %lld\n",
	    g->spool_oldest > 0 && g->now > g->spool_oldest ?
	    (long long)(g->now - g->spool_oldest) : 0LL);
	family(b, "tlsrpt_spool_replayed_total", "counter", "Spool entries "
	    "moved into the database");
	buf_printf(b, "tlsrpt_spool_replayed_total %lu\n",
	    atomic_load(&m.replayed));
	family(b, "tlsrpt_http_connections", "gauge", "Open HTTP(S) "
	    "connections");
	buf_printf(b, "tlsrpt_http_connections %u\n", g->connections);
	family(b, "tlsrpt_inflight_body_bytes", "gauge", "Body bytes held in "
	    "memory (max_inflight_bytes)");
	buf_printf(b, "tlsrpt_inflight_body_bytes %zu\n", g->inflight_bytes);
	family(b, "tlsrpt_reloads_total", "counter", "SIGHUP reloads of the "
	    "certificate, by result");
	buf_printf(b, "tlsrpt_reloads_total{result=\"ok\"} %lu\n"
	    "tlsrpt_reloads_total{result=\"failed\"} %lu\n",
	    atomic_load(&m.reload_ok), atomic_load(&m.reload_failed));
	family(b, "tlsrpt_certificate_loaded_timestamp_seconds", "gauge",
	    "When the certificate served now was read");
	buf_printf(b, "tlsrpt_certificate_loaded_timestamp_seconds %lld\n",
	    (long long)atomic_load(&m.loaded));
	render_db(b, g);
}

/* db_refresh - the database's figures, when they are older than
 * METRICS_DB_SECONDS (and no failure is too recent) */
static void
db_refresh(struct metrics_srv *ms)
{
	const struct conf	*conf = ms->s->conf;
	struct db_metrics	 fresh;
	char			 err[ERRLEN];
	double			 t = mono_now();

	if (t < ms->db_next)
		return;
	if ((ms->st == NULL && (ms->st = store_open(conf->database,
	    "tlsrpt-metrics", err, sizeof err)) == NULL) ||
	    store_set_timeout(ms->st, HEALTH_DB_TIMEOUT, err,
	    sizeof err) == -1 ||
	    query_metrics(ms->st, METRICS_REPORTERS, &fresh, err,
	    sizeof err) == -1) {
		log_warnx("metrics: %s", err);
		ms->st = store_close(ms->st);
		ms->db_up = 0;
		ms->db_next = t + METRICS_DB_RETRY;
		return;
	}
	query_metrics_free(&ms->db);
	ms->db = fresh;
	ms->have_db = 1;
	ms->db_up = 1;
	ms->db_read_at = (int64_t)time(NULL);
	ms->db_next = t + METRICS_DB_SECONDS;
}

/* page_metrics - the text of /metrics */
static void
page_metrics(struct metrics_srv *ms, struct buf *b)
{
	struct metrics_gauges	 g;

	db_refresh(ms);
	memset(&g, 0, sizeof g);
	g.now = (int64_t)time(NULL);
	if (spool_stat(ms->s->conf->spool_dir, &g.spool_entries,
	    &g.spool_oldest) == -1)
		g.spool_entries = -1;
	g.connections = http_connections(ms->s);
	g.inflight_bytes = atomic_load(&ms->s->inflight);
	g.db = ms->have_db ? &ms->db : NULL;
	g.db_up = ms->db_up;
	g.db_read_at = ms->db_read_at;
	metrics_render(b, &g);
}

/* page_health - the text of /healthz; its status */
static unsigned
page_health(struct metrics_srv *ms, struct buf *b)
{
	const struct conf	*conf = ms->s->conf;
	char			 err[ERRLEN];
	unsigned		 status = MHD_HTTP_OK;

	if ((ms->st == NULL && (ms->st = store_open(conf->database,
	    "tlsrpt-metrics", err, sizeof err)) == NULL) ||
	    store_set_timeout(ms->st, HEALTH_DB_TIMEOUT, err,
	    sizeof err) == -1 || query_ping(ms->st, err, sizeof err) == -1) {
		buf_printf(b, "database: %s\n", err);
		ms->st = store_close(ms->st);
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	if (spool_probe(conf->spool_dir, conf->spool_max_bytes, err,
	    sizeof err) == -1) {
		buf_printf(b, "%s\n", err);
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	if (status == MHD_HTTP_OK)
		buf_puts(b, "ok\n");
	return status;
}

/* mhandler - the listener's access handler: answered at once, from the
 * headers (a body, if any, is not read: the connection then closes) */
static enum MHD_Result
mhandler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *size, void **con_cls)
{
	struct metrics_srv	*ms = cls;
	struct MHD_Response	*r;
	struct buf		 b = BUF_INIT;
	const char		*type = "text/plain; charset=utf-8";
	unsigned		 status = MHD_HTTP_OK;
	enum MHD_Result		 ret;
	unsigned char		*text;
	size_t			 len;

	(void)version, (void)data, (void)size, (void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		buf_puts(&b, "only GET\n");
	} else if (strcmp(url, "/metrics") == 0) {
		page_metrics(ms, &b);
		type = "text/plain; version=0.0.4; charset=utf-8";
	} else if (strcmp(url, "/healthz") == 0)
		status = page_health(ms, &b);
	else {
		status = MHD_HTTP_NOT_FOUND;
		buf_puts(&b, "not found: /metrics or /healthz\n");
	}
	text = buf_steal(&b, &len);
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* metrics_start - see metrics.h */
int
metrics_start(struct server *s, struct listener *l, char *err, size_t errlen)
{
	struct metrics_srv	*ms = xcalloc(1, sizeof *ms);

	atomic_store(&m.started, (long long)time(NULL));
	if (atomic_load(&m.loaded) == 0 && s->cert_pem != NULL)
		atomic_store(&m.loaded, (long long)time(NULL));
	ms->s = s;
	ms->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL, mhandler, ms,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)l->fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
	    MHD_OPTION_END);
	if (ms->daemon == NULL) {
		free(ms);
		return seterr(err, errlen, "cannot start the metrics listener "
		    "on %s", l->spec);
	}
	l->daemon = ms->daemon;
	s->metrics = ms;
	return 0;
}

/* metrics_stop - see metrics.h */
void
metrics_stop(struct server *s)
{
	struct metrics_srv	*ms = s->metrics;

	if (ms == NULL)
		return;
	/* quiesced first: the socket stays serve.c's to close */
	(void)MHD_quiesce_daemon(ms->daemon);
	MHD_stop_daemon(ms->daemon);
	if (s->mls != NULL)
		s->mls->daemon = NULL;
	ms->st = store_close(ms->st);
	query_metrics_free(&ms->db);
	free(ms);
	s->metrics = NULL;
}
