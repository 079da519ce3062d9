/*
 * metrics.h - serve's counters, /metrics (Prometheus text) and /healthz
 *
 * The counters are process-wide and lock-free (C11 atomics): the few
 * places where an outcome is decided bump them from any thread (http.c
 * when a request ends, committer.c around each commit, serve.c for the
 * spool drain and the reloads).  metrics_render() writes them, with the
 * gauges the caller measured, in the Prometheus text exposition format
 * (version 0.0.4); it is a pure function of its inputs, for the tests.
 *
 * metrics_start() serves GET /metrics and GET /healthz on the bound
 * "listen_metrics" socket (plain HTTP, one thread of its own, no TLS:
 * meant for the loopback or a private network).  What the database knows
 * (query_metrics.h) is read on that thread with a connection of its own
 * and kept METRICS_DB_SECONDS, so a scraper cannot load the database.
 */
#ifndef TLSRPT_METRICS_H
#define TLSRPT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "intake.h"

struct buf;
struct db_metrics;
struct listener;
struct server;

/* What the database answers is kept this long (seconds); after a failed
 * attempt the next one waits METRICS_DB_RETRY. */
#define METRICS_DB_SECONDS	30
#define METRICS_DB_RETRY	5
/* Reporting organisations shown, those with the most reports. */
#define METRICS_REPORTERS	100
#define METRICS_REPORTERS_TEXT	"100"

/* The counters; any thread. */
void	metrics_request(unsigned status);	/* 0: ended without answer */
void	metrics_report(enum intake_verdict);	/* an HTTPS report's verdict */
void	metrics_db_error(void);			/* a batch or replay failed */
void	metrics_commit(size_t reports, double seconds);	/* one batch */
void	metrics_replayed(size_t reports);	/* moved from the spool */
void	metrics_reload(int ok);			/* a SIGHUP's outcome */

/* What the caller measured for one rendering. */
struct metrics_gauges {
	int64_t			 now;		/* unix seconds */
	long			 spool_entries;	/* -1: unreadable */
	int64_t			 spool_oldest;	/* unix seconds; 0: none */
	unsigned		 connections;	/* HTTP(S), all daemons */
	size_t			 inflight_bytes;
	const struct db_metrics	*db;		/* NULL: never read */
	int			 db_up;		/* the last attempt worked */
	int64_t			 db_read_at;	/* unix seconds of db */
};

/* metrics_render - everything as Prometheus text, appended to b */
void	metrics_render(struct buf *b, const struct metrics_gauges *);

/* metrics_label - s as a label value (escaped, bytes outside printable
 * ASCII as %XX, '%' too, so distinct names stay distinct; at most
 * 128 bytes of s) appended to b without quotes */
void	metrics_label(struct buf *b, const char *s);

/*
 * metrics_start - serve /metrics and /healthz on l (bound, plain);
 * metrics_stop - stop it and close its database connection.  Both from
 * the main thread; stop accepts a server without one.
 */
int	metrics_start(struct server *, struct listener *l, char *err,
	    size_t errlen);
void	metrics_stop(struct server *);

#endif
