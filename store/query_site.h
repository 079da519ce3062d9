/*
 * query_site.h - the query layer's tables for the pages and the digest
 *
 * Besides the summary (query.h), the pages and the digest show figures
 * that the summary has no place for: per day, per MX host, per sending
 * IP, the policies seen, the reports themselves.  Each comes from one
 * statement that starts with the counting rules of the summary
 * (query_int.h COUNTED_CTE) and takes the same struct summary_query, so
 * a page and "tlsrpt summary" never disagree.  Results are plain tables
 * of strings (struct qtable) with the columns listed below; render/
 * never sees libpq.  Reading only.
 *
 * Ownership: query_site() and the digest queries fill a struct qtable
 * that owns its cells; qtable_free() releases it.  Every result is
 * sorted by domain first (byte order), so a caller walks it alongside
 * the summary's domains.
 */
#ifndef TLSRPT_QUERY_SITE_H
#define TLSRPT_QUERY_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"

struct store;

/* A result: nrows rows of ncols cells, a NULL cell for SQL NULL. */
struct qtable {
	size_t	  nrows, ncols;
	char	**cell;			/* row-major; one allocation each */
};

/* qt - the cell (NULL for SQL NULL or out of range) */
const char *qt(const struct qtable *, size_t row, size_t col);
/* qt_i64 - the cell as a number (0 for NULL) */
int64_t	qt_i64(const struct qtable *, size_t row, size_t col);
/* qt_range - rows [*lo, *hi) whose column col equals key, starting the
 * search at *lo (the rows are sorted by col: walk forward); 0 if none */
int	qt_range(const struct qtable *, size_t col, const char *key,
	    size_t *lo, size_t *hi);
/* qtable_free - release; accepts NULL, returns NULL */
struct qtable *qtable_free(struct qtable *);

enum query_site_kind {
	/* per domain and day: the totals (type NULL: a = successful,
	 * b = failed), then each result-type with failures (a = failed
	 * sessions); sorted domain, day, type (NULL first) */
	QS_DAILY,
	/* per domain and outcome ("success" or a result-type with
	 * failures): first and last day seen, distinct reporters */
	QS_OUTCOMES,
	/* per domain and organization: kind 0 = last day, conflicting
	 * copies kept (a), dropped (b); kind 1 = one way it arrived (at
	 * most 5 per organization, most reports first): transport, auth,
	 * source (HTTPS only: the client address), a = its reports */
	QS_SOURCES,
	/* per domain: kind 0 = receiving MX host, kind 1 = sending IP, the
	 * 50 with most failed sessions each: name ("" when not given),
	 * sessions, result-types, distinct reporters, how many in all */
	QS_HOSTS,
	/* per domain: the counted policies seen (30 most recent): type,
	 * group, dane_mx (t/f), policy-string (JSON array), mx-host (JSON
	 * array), STS mode, max_age, mx patterns, reports, last day,
	 * reporters */
	QS_POLICIES,
	/* per domain: its reports, newest first: id, day, organization,
	 * report-id, successful, failed (counted for this domain),
	 * transport, auth, source, flags (JSON array), conflicts kept,
	 * dropped, stamp, received_at */
	QS_REPORTS,
	/* not per domain: quarantined bodies received in the period by
	 * reason: reason, count, last day */
	QS_QUARANTINE,
	/* not per domain: foreign reports of the period by home domain:
	 * home domain, count, last day */
	QS_FOREIGN,
	/* the reports whose ids are arg (a bigint[] literal) */
	QS_REPORT,		/* see enum qs_report */
	QS_REPORT_POLICIES,	/* id, idx, type, policy-domain, group,
				 * dane_mx, policy-string, mx-host (JSON),
				 * successful, failed */
	QS_REPORT_DETAILS,	/* id, policy idx, result-type, sending IP,
				 * MX host name, HELO, receiving IP, failed
				 * sessions, additional-information,
				 * failure-reason-code */
	QS_REPORT_CONFLICTS,	/* id, received_at, transport, source, auth */
};

/* The columns of QS_REPORTS (shared with QS_REPORT's first ones). */
enum qs_reports {
	QR_DOM, QR_ID, QR_DAY, QR_ORG, QR_RID, QR_OK, QR_BAD, QR_TRANSPORT,
	QR_AUTH, QR_SOURCE, QR_FLAGS, QR_CONFLICTS, QR_DROPPED, QR_STAMP,
	QR_RECEIVED
};

/* The columns of QS_REPORT. */
enum qs_report {
	QP_ID, QP_ORG, QP_RID, QP_START, QP_END, QP_START_UTC, QP_END_UTC,
	QP_DAY, QP_CONTACT,
	QP_VERDICT, QP_TRANSPORT, QP_SOURCE, QP_AUTH, QP_HOME, QP_HINT,
	QP_FLAGS, QP_RAW, QP_CONFLICTS, QP_DROPPED, QP_RECEIVED, QP_PARSED,
	QP_STAMP, QP_PROOF, QP_ARRIVAL, QP_DKIM
};

/*
 * query_site - one table of kind for the domains, days and domain of q
 * (as query_summary reads them); arg: the report ids for QS_REPORT*
 * ("{1,2,3}"), else NULL.  Returns 0, or -1 with err.
 */
int	query_site(struct store *, enum query_site_kind,
	    const struct summary_query *q, const char *arg,
	    struct qtable *out, char *err, size_t errlen);

enum query_digest_kind {
	/* per domain and organization: on how many days of the period it
	 * reported the domain (days) */
	QD_REPORTER_DAYS,
	/* per domain: the reports of the period received from arg
	 * (timestamptz) for one day: domain, day, organization, report-id,
	 * received_at; the digest lists them as late */
	QD_LATE,
};

/* query_digest - one table of kind, as query_site */
int	query_digest(struct store *, enum query_digest_kind,
	    const struct summary_query *q, const char *arg,
	    struct qtable *out, char *err, size_t errlen);

#endif
