/*
 * query_metrics.h - what the database knows, for serve's /metrics
 *
 * "tlsrpt ingest-mail" is one process per mail: its counters die with
 * it.  /metrics (ingest/metrics.c) shows instead what the database holds:
 * reports by transport and verdict, the quarantine, and the last time
 * each reporting organisation was heard from.  Reading only.
 *
 * Ownership: query_metrics() fills a struct db_metrics that owns its
 * strings and arrays; query_metrics_free() releases them.
 */
#ifndef TLSRPT_QUERY_METRICS_H
#define TLSRPT_QUERY_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct db_count {
	char		*transport;	/* file, https, mail, ... */
	char		*verdict;	/* accepted, foreign */
	int64_t		 reports;
};

struct db_reporter {
	char		*organization;	/* as sent: hostile text */
	int64_t		 last;		/* unix seconds, latest received_at */
	int64_t		 reports;
};

struct db_metrics {
	struct db_count	*counts;	/* sorted by transport, verdict */
	size_t		 n_counts;
	struct db_reporter *reporters;	/* sorted by organization */
	size_t		 n_reporters;
	int64_t		 reporters_total; /* organisations, all of them */
	int64_t		 quarantine_entries;
	int64_t		 quarantine_bytes;
	int64_t		 conflicts;	/* differing copies kept */
};

/*
 * query_metrics - the figures above into *out; of the reporters only the
 * max_reporters with the most accepted reports (anyone can POST a report
 * with any organisation name: a flood of new names must neither add
 * series without end nor push the real senders out).  Returns 0, or -1 with err (out
 * is then empty).
 */
int	query_metrics(struct store *, size_t max_reporters,
	    struct db_metrics *out, char *err, size_t errlen);

/* query_metrics_free - accepts NULL, returns NULL; the struct is left
 * empty */
struct db_metrics *query_metrics_free(struct db_metrics *);

/* query_ping - 0 when the database answers a query, -1 with err */
int	query_ping(struct store *, char *err, size_t errlen);

#endif
