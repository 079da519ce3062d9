/*
 * store.h - PostgreSQL access: schema, batched atomic storage, reparse
 *
 * One struct store wraps one PGconn (not thread-safe: one per thread).
 * store_batch() stores many reports in one transaction with COPY, and each
 * report is wholly stored or not at all (the transaction is all-or-nothing;
 * a batch that fails in the database is retried one report per
 * transaction, so one bad report never takes others with it).
 *
 * Deduplication (R24): organization-name + report-id + date-range start
 * (the string as sent, byte-exact) stored again is a duplicate: no new rows.
 *
 * Errors: functions return 0, or -1 with one line in err.  *temp is set to 1
 * when the failure is the database being unreachable or gone (the caller
 * exits 75 / spools), 0 for other failures.
 */
#ifndef TLSRPT_STORE_H
#define TLSRPT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

struct store;

/* store_open - connect with a libpq conninfo (NULL/"" = libpq defaults).
 * Returns NULL with err when the server cannot be reached. */
struct store *store_open(const char *conninfo, const char *appname,
	    char *err, size_t errlen);
/* store_set_timeout - cancel any statement of this session that runs
 * longer than seconds (a hung database then fails like a lost one) */
int	store_set_timeout(struct store *, unsigned seconds, char *err,
	    size_t errlen);

/* store_close - disconnect and free; accepts NULL, returns NULL */
struct store *store_close(struct store *);

/* store_migrate - apply the missing sql/NNN_*.sql migrations (embedded in
 * the binary) in one transaction and record the version; idempotent.
 * *applied gets how many were applied. */
int	store_migrate(struct store *, int *applied, char *err, size_t errlen);

/* store_schema_ok - 0 when the schema is present and current; -1 with a
 * message naming "tlsrpt db migrate" otherwise (the caller exits 78). */
int	store_schema_ok(struct store *, char *err, size_t errlen);

enum store_verdict {
	STORE_PENDING = 0,	/* not yet decided (internal) */
	STORE_STORED,		/* new report, counted */
	STORE_FOREIGN,		/* new report, but no policy of our domains (R56) */
	STORE_DUPLICATE,	/* already stored: nothing written */
	STORE_FAILED,		/* the database refused this report (err in item) */
};

/* One report to store.  Everything is borrowed from the caller and only
 * read during store_batch(). */
struct store_item {
	const struct report	*report;	/* parsed, domains assigned */
	const unsigned char	*raw;		/* bytes as received (gzip or JSON) */
	size_t			 rawlen;
	const char		*transport;	/* "file", "https", "mail" */
	const char		*source;	/* file name, client IP, ...; may be NULL */
	/* filled in by store_batch(): */
	enum store_verdict	 verdict;
	int64_t			 id;		/* report row id (stored/foreign/duplicate) */
	char			 err[160];	/* when STORE_FAILED */
};

/*
 * store_batch - store n items; domains/n_domains decide what is ours
 * (n_domains == 0: everything; a policy counts when its effective domain
 * equals a listed domain or is a subdomain of one).  Returns 0 when every
 * item got a verdict (STORED/FOREIGN/DUPLICATE/FAILED), -1 when the database
 * could not be used at all (connection lost): then no item of the batch is
 * stored and *temp = 1.
 */
int	store_batch(struct store *, struct store_item *items, size_t n,
	    char *const *domains, size_t n_domains, int *temp,
	    char *err, size_t errlen);

/*
 * store_reparse - rebuild every report's normalised rows from its stored
 * raw bytes with the current parser and decide ours/foreign again.  Reports
 * whose raw bytes no longer parse keep their old rows and are counted in
 * *failed (and logged with log_warnx).  One transaction per batch.
 */
int	store_reparse(struct store *, size_t max_json, char *const *domains,
	    size_t n_domains, size_t *reparsed, size_t *failed,
	    char *err, size_t errlen);

/*
 * store_quarantine - keep the raw bytes of a report we could not accept
 * (answered 400, or no longer parsing), with the reason, so that a parser
 * fix can recover it with "tlsrpt reparse".  The same bytes (sha256) are
 * kept once.  The table is bounded: after the insert, the oldest rows are
 * dropped until all raw bytes together fit max_bytes.  Returns 0, or -1
 * with err (*temp = 1 when the database is unreachable).
 */
int	store_quarantine(struct store *, const char *transport,
	    const char *source, const char *reason, const unsigned char *raw,
	    size_t rawlen, size_t max_bytes, int *temp, char *err,
	    size_t errlen);

/* Summary (see render/summary.h for the output) */
struct summary_query {
	const char	*domain;	/* only this domain (exact), or NULL */
	const char	*from;		/* YYYY-MM-DD inclusive UTC day, or NULL */
	const char	*to;		/* YYYY-MM-DD inclusive, or NULL */
	char *const	*domains;	/* configured domains (n == 0: all) */
	size_t		 n_domains;
};

struct summary_outcome {
	char		*outcome;	/* "success" or a result-type */
	int64_t		 sessions;
};

struct summary_source {
	char		*organization;
	int64_t		 reports;
	int64_t		 successful;
	int64_t		 failed;
};

struct summary_domain {
	char		*domain;
	int64_t		 reports;
	int64_t		 successful;
	int64_t		 failed;
	struct summary_outcome *outcomes;	/* success first, then by sessions desc */
	size_t		 n_outcomes;
	struct summary_source *sources;		/* sorted by organization */
	size_t		 n_sources;
};

struct summary {
	char		*from;		/* copies of the query, or NULL */
	char		*to;
	struct summary_domain *domains;	/* sorted by domain */
	size_t		 n_domains;
};

/* store_summary - compute the summary (semantics in README / issue 2) into
 * *out (owned by the caller: summary_free) */
int	store_summary(struct store *, const struct summary_query *,
	    struct summary *out, char *err, size_t errlen);
void	summary_free(struct summary *);

#endif
