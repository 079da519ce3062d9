/*
 * store.h - PostgreSQL: write decoded reports, read them back for reparse
 *
 * store/ only stores: it never decodes a report and decides nothing about
 * one.  The intake (ingest/intake.h) decodes, decides ours or foreign and
 * the home domain, and hands the store decoded reports; the summary and
 * every other figure are read through the query layer (query.h).
 *
 * One struct store wraps one PGconn (not thread-safe: one per thread).
 * store_batch() stores many reports in one transaction with COPY, and each
 * report is wholly stored or not at all (the transaction is all-or-nothing;
 * a batch that fails in the database for its data is retried one report
 * per savepoint, so one bad report never takes others with it).
 *
 * Deduplication (R24): organization-name + report-id + date-range start
 * (the string as sent, byte-exact) and the proof (the registrable DKIM d=
 * domain, or none) stored again is a duplicate: no new rows.  A proven
 * copy supersedes an unauthenticated one of the same key (keeping its
 * id); copies proven by different domains are different reports; an
 * unauthenticated copy of a proven report is a duplicate or a
 * conflicting copy of it (sql/006_proof.sql, proven.c).
 *
 * Errors: functions return 0, or -1 with one line in err; they never log.
 * *temp is set to 1 when the failure is the database being unreachable or
 * gone (the caller spools or exits 75), 0 for other failures.
 */
#ifndef TLSRPT_STORE_H
#define TLSRPT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "util.h"

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

/* store_stale_reports - how many stored reports were decoded before the
 * current rules (no home domain, migration 003; no content digest, 005:
 * "tlsrpt reparse" gives them both) */
int	store_stale_reports(struct store *, int64_t *n, char *err,
	    size_t errlen);

/* What store_purge() deleted (or, dry run, would delete). */
struct store_purge {
	int64_t	 reports, policies, details, conflicts, messages;
	int64_t	 quarantined;
	size_t	 batches;		/* transactions that deleted rows */
};

/* store_purge - delete the reports whose day is before cutoff
 * ("YYYY-MM-DD", UTC) with all their rows, and the quarantine entries
 * received before it, in transactions of at most batch rows each;
 * dry_run: count, delete nothing.  0, or -1 with err (what was deleted
 * before the error stays deleted and is counted in *out). */
int	store_purge(struct store *, const char *cutoff, size_t batch,
	    int dry_run, struct store_purge *out, char *err, size_t errlen);

enum store_verdict {
	STORE_PENDING = 0,	/* not yet decided */
	STORE_STORED,		/* written: a new report (or its rows rewritten) */
	STORE_SUPERSEDED,	/* this proven copy replaced the unauthenticated
				 * copy stored before (id: the report, kept) */
	STORE_DUPLICATE,	/* stored before with the same content (or kept
				 * before as a conflicting copy): nothing written */
	STORE_CONFLICT,		/* stored before with other content: this copy
				 * kept beside it, never counted (id: the report) */
	STORE_CONFLICT_OVER,	/* the same, but the report has its
				 * max_conflicts copies: counted, not kept */
	STORE_RETRY,		/* a conflicting copy the database failed to keep:
				 * nothing of it written, try later (err) */
	STORE_FAILED,		/* the database refused this report (err) */
};

/* A mailed copy's message and the DKIM gate's result on it. */
struct store_mail {
	const unsigned char	*message_gz;	/* the whole message, gzip;
						 * NULL: not kept */
	size_t			 message_gzlen;
	const char		*dkim;		/* the gate's result */
	const char		*message_id;	/* may be NULL */
	const char		*mail_from;	/* may be NULL */
};

/* One report to store.  The inputs are borrowed from the caller and only
 * read during the call. */
struct store_item {
	const struct report	*report;	/* decoded, domains assigned */
	const unsigned char	*raw;		/* bytes as received (gzip or JSON) */
	size_t			 rawlen;
	const char		*transport;	/* "file", "https", "mail" */
	const char		*source;	/* file name, client IP, ...; may be NULL */
	const char		*auth;		/* how it was proven, e.g. "dkim d=...
						 * s=..."; NULL: unauthenticated */
	const char		*hint;		/* the door's home-domain hint, kept
						 * for reparse; may be NULL */
	const char		*proof;		/* the registrable domain that proved
						 * it (DKIM d=); NULL: none */
	char *const		*arrival;	/* arrival flag names (how this copy
						 * arrived); may be NULL */
	size_t			 narrival;
	const struct store_mail	*mail;		/* a mailed copy; NULL: other door */
	int			 foreign;	/* 1: none of our domains (R56) */
	/* filled in by store_batch(), store_reparse_apply(): */
	enum store_verdict	 verdict;
	int64_t			 id;		/* report row id; in for reparse */
	char			 err[ERRLEN];	/* when STORE_FAILED */
};

/* store_set_max_conflicts - conflicting copies kept per report (default
 * 8: max_conflicts_per_report) */
void	store_set_max_conflicts(struct store *, size_t);

/*
 * store_batch - store n items.  Returns 0 when every item got a verdict
 * (STORED, SUPERSEDED, DUPLICATE, CONFLICT, CONFLICT_OVER, RETRY or
 * FAILED), -1 when
 * the database could not be used at all (connection lost, statement
 * timeout, ...): then no item of the batch is stored and *temp says
 * whether it is worth trying later.
 */
int	store_batch(struct store *, struct store_item *items, size_t n,
	    int *temp, char *err, size_t errlen);

/*
 * store_replace - by hand ("tlsrpt quarantine release ID --replace"):
 * make the conflicting copy conflict_id of report item->id the counted
 * content.  item holds that copy decoded (report, raw and origin as kept
 * with it); the report's former content becomes a conflicting copy,
 * marked replaced by hand, and the report row keeps its id.  Returns 0
 * (item->verdict STORE_SUPERSEDED), or -1 with err (*temp as above).
 */
int	store_replace(struct store *, struct store_item *item,
	    int64_t conflict_id, int *temp, char *err, size_t errlen);

/* How the quarantine is bounded (store_quarantine; all borrowed). */
struct store_qbound {
	const char	*share;		/* the source the body counts against
					 * (intake_share); NULL: "" */
	size_t		 share_max;	/* bytes one source holds; 0: no bound */
	size_t		 max_bytes;	/* bytes of all; 0: no bound */
};

/*
 * store_quarantine - keep the raw bytes of a report we could not accept
 * (answered 400, or no longer parsing), with the reason, so that a parser
 * fix can recover it with "tlsrpt reparse"; a mail (raw: the whole
 * message) with the gate's result from mail (NULL for other doors).  The
 * same bytes (sha256) are kept once.  The table is bounded (bound; NULL:
 * not at all): after the insert, the oldest bodies of the same share are
 * dropped until that share fits share_max, then bodies of the share that
 * holds most (oldest first) until all fit max_bytes; the body just
 * received stays whatever its size.  Returns 0, or -1 with err (*temp = 1
 * when the database is unreachable).
 */
int	store_quarantine(struct store *, const char *transport,
	    const char *source, const char *reason, const unsigned char *raw,
	    size_t rawlen, const struct store_mail *mail,
	    const struct store_qbound *bound, int *temp, char *err,
	    size_t errlen);

/*
 * What "tlsrpt quarantine" shows and releases: a quarantined body (kind
 * 'q': an HTTPS body answered 400, a mail not proven or malformed) or a
 * conflicting copy of a report (kind 'c').  Strings are borrowed from the
 * result (store_kept_free); NULL when absent.
 */
struct store_kept {
	char			 kind;		/* 'q' or 'c' */
	int64_t			 id;
	int64_t			 report;	/* 'c': the report it conflicts with */
	const char		*received;	/* timestamp, UTC */
	const char		*transport;
	const char		*source;
	const char		*reason;	/* 'q': why; 'c': "conflicting copy
						 * of ORG REPORT-ID" */
	const char		*dkim;		/* the gate's result (mail) */
	const char		*message_id;	/* 'q' mail */
	const char		*mail_from;	/* 'q' mail */
	const char		*auth;		/* 'c' */
	const char		*hint;		/* 'c' */
	const char		*proof;		/* 'c' */
	const unsigned char	*raw;		/* store_kept_get only */
	size_t			 rawlen;
	const unsigned char	*message_gz;	/* 'c' mailed: store_kept_get */
	size_t			 message_gzlen;
};

struct store_kept_list {
	struct store_kept	*rows;
	size_t			 n;
	void			*res[2];	/* private */
};

/* store_kept_list - every quarantined body and conflicting copy, newest
 * first, without their bytes (rawlen holds the size).  0 or -1 with err. */
int	store_kept_list(struct store *, struct store_kept_list *, char *err,
	    size_t errlen);

/* store_kept_get - one of them with its bytes into list->rows[0] (n is 0
 * when there is no such row).  0 or -1 with err. */
int	store_kept_get(struct store *, char kind, int64_t id,
	    struct store_kept_list *, char *err, size_t errlen);

/* store_kept_free - release a list; accepts an empty one, returns NULL */
struct store_kept_list *store_kept_free(struct store_kept_list *);

/* store_quarantine_delete - drop the quarantined bodies ids[0..n) (they
 * became reports); ids already gone are no error */
int	store_quarantine_delete(struct store *, const int64_t *ids, size_t n,
	    char *err, size_t errlen);

/*
 * Reading stored bodies back (reparse).  Everything in a page is borrowed
 * from it and valid until store_page_free().
 */
enum store_table {
	STORE_T_REPORT,		/* report.raw, locked until the rewrite */
	STORE_T_QUARANTINE,	/* quarantine.raw, not locked */
};

struct store_raw {
	int64_t			 id;		/* report.id or quarantine.id */
	const unsigned char	*raw;
	size_t			 rawlen;
	const char		*transport;
	const char		*source;	/* or NULL */
	const char		*hint;		/* report.domain_hint, or NULL */
	const char		*auth;		/* report.authenticated, or NULL */
};

struct store_page {
	struct store_raw	*rows;
	size_t			 n;		/* 0: nothing after "after" */
	void			*res;		/* private */
};

/*
 * store_page_read - the next page of table in id order after id "after"
 * into *page (at most 500 rows or 64 MiB of raw bytes, but always one).
 * For STORE_T_REPORT it opens a transaction holding the rows locked that
 * store_reparse_apply() ends: call it for every page read, with n == 0
 * when nothing is to be rewritten.  Returns 0, or -1 with err (nothing
 * left open).
 */
int	store_page_read(struct store *, enum store_table, int64_t after,
	    struct store_page *page, char *err, size_t errlen);

/* store_page_free - release a page; accepts an empty one, returns NULL */
struct store_page *store_page_free(struct store_page *);

/*
 * store_reparse_apply - inside the transaction of store_page_read(
 * STORE_T_REPORT): replace the rows of the reports items[0..n) (id,
 * report and foreign set): their verdict, home domain, times, flags,
 * policies and failure details; the dedup key, raw bytes, transport,
 * source, authentication and hint stay.  Each item ends STORE_STORED, or
 * STORE_FAILED with err when the database refuses its rows (it keeps the
 * old ones).  Then commits.  Returns 0, or -1 with err when the database
 * failed (everything rolled back; *temp as above).
 */
int	store_reparse_apply(struct store *, struct store_item *items,
	    size_t n, int *temp, char *err, size_t errlen);

#endif
