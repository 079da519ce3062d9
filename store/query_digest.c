/*
 * query_digest.c - the tables only the daily digest needs (query_site.h)
 *
 * SYNOPSIS
 *	#include "query_site.h"
 *
 *	int query_digest(s, kind, &q, arg, &out, err, errlen)
 *
 * DESCRIPTION
 *	The digest reads most of its figures through query_summary() and
 *	query_site() for the day and the windows before it (render/digest.c
 *	says which); these two are its own: on how many days each reporter
 *	reported a domain (the "reporter went quiet" alert), and the reports
 *	that arrived after the digest of their day had gone out (listed as
 *	late in the next one).  Both start with the counting rules
 *	(COUNTED_CTE), so "a report of the domain" means the same as in the
 *	summary.
 */
#include <stdlib.h>
#include <string.h>

#include "query_int.h"
#include "query_site.h"

#define SQL_REPORTER_DAYS(cte)						\
	cte " SELECT cdom, org, count(DISTINCT day) FROM mine"		\
	" GROUP BY cdom, org ORDER BY cdom COLLATE \"C\","		\
	" org COLLATE \"C\""

/* Received within one day from $5: the previous digest went out at $5,
 * this one goes out a day later.  The condition stands in "pol", so
 * only those reports are joined to their policies, not the 30 days. */
#define RECEIVED							\
	" AND r.received_at >= $5::timestamptz"				\
	" AND r.received_at < $5::timestamptz + interval '1 day'"

static const char *const digest_sql[][2] = {
	[QD_REPORTER_DAYS] = BOTH(SQL_REPORTER_DAYS),
	[QD_LATE] = { COUNTED_FROM(ALL_REPORTS, RECEIVED)
	    " SELECT * FROM (SELECT DISTINCT m.cdom, r.day::text AS day,"
	    " r.organization_name AS org, r.report_id AS rid,"
	    " to_char(r.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')"
	    " FROM mine m JOIN report r ON r.id = m.report_id) u"
	    " ORDER BY cdom COLLATE \"C\", day, org COLLATE \"C\","
	    " rid COLLATE \"C\"", NULL },
};

static const char *const digest_what[] = {
	[QD_REPORTER_DAYS] = "reporter days",
	[QD_LATE] = "late reports",
};

/* query_digest - see query_site.h */
int
query_digest(struct store *s, enum query_digest_kind kind,
    const struct summary_query *q, const char *arg, struct qtable *out,
    char *err, size_t errlen)
{
	return query_run_table(s, digest_sql[kind], q, arg, out,
	    digest_what[kind], err, errlen);
}
