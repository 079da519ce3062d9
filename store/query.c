/*
 * query.c - the query layer: the summary, and the counting rules with it
 *
 * SYNOPSIS
 *	#include "query.h"
 *
 *	int query_summary(s, &q, &out, err, errlen)
 *	void query_summary_free(&out)
 *
 * DESCRIPTION
 *	A report's policies group by policy-domain (report_domain.c gives
 *	each policy its group, policy.domain, and marks the groups that
 *	are DANE MX hosts of the report's home domain, policy.dane_mx).
 *	Within one report and group, the sts policies together and the
 *	tlsa policies together are two views of the same sessions
 *	(Microsoft lists them under both), so only the type with the larger
 *	total counts (sts on a tie); any other type adds.  A group counts
 *	for its own domain, a DANE MX group for the home domain, next to
 *	the home domain's own groups: Postfix applies one policy per
 *	session, so those sessions are disjoint.
 *
 *	The rules are the statement head COUNTED_FROM (query_int.h), which
 *	the pages' and the digest's tables (query_site.c, query_digest.c)
 *	start with too.  One statement, so one snapshot, returning four kinds
 *	of rows sorted the way struct summary wants them: 0 = the domain, 1 = a
 *	result-type, 2 = an organisation, 3 = a DANE MX host.  Every sum is
 *	taken in numeric, which no number of stored reports can overflow
 *	(adding two bigints of one report already could: 2^63 - 1 successful
 *	sessions and 1 failed broke every summary), and shown capped at the
 *	bigint maximum: the counts come from senders, and a few huge fakes
 *	must not break the summary.  A policy of no group (a policy-domain
 *	that is no host name: domain NULL) counts for no one: the join of
 *	"counted" drops it, since NULL equals nothing.
 *
 *	Reports decoded before migration 003 have no home domain (NULL)
 *	until "tlsrpt reparse": their groups count for their own domains.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "query.h"
#include "query_int.h"
#include "store_int.h"
#include "util.h"
#include "xmalloc.h"

#define SUMMARY_SQL(cte)						\
	cte ", dom AS ("					\
	" SELECT cdom, count(DISTINCT report_id) AS reports,"		\
	"  sum(ok) AS ok, sum(bad) AS bad,"				\
	"  count(DISTINCT report_id) FILTER (WHERE conflicted) AS conflicted"\
	" FROM mine GROUP BY cdom"					\
	"), outc AS ("							\
	" SELECT c.cdom, f.result_type,"				\
	"  sum(f.failed_session_count) AS sessions"			\
	" FROM mine c JOIN failure_detail f"				\
	"  ON f.report_id = c.report_id AND f.policy_idx = c.idx"	\
	" GROUP BY c.cdom, f.result_type"				\
	"), src AS ("							\
	" SELECT cdom, org, count(DISTINCT report_id) AS reports,"	\
	"  sum(ok) AS ok, sum(bad) AS bad FROM mine GROUP BY cdom, org"	\
	"), mx AS ("							\
	" SELECT cdom, domain AS host, count(DISTINCT report_id) AS reports,"\
	"  sum(ok) AS ok, sum(bad) AS bad FROM mine WHERE dane_mx"	\
	" GROUP BY cdom, domain"					\
	") "								\
	"SELECT kind, cdom, name, reports,"				\
	" " CAP("ok") ", " CAP("bad") ", conflicted FROM ("	\
	" SELECT 0 AS kind, cdom, NULL::text AS name, reports, ok, bad,"\
	"  0::numeric AS ord, conflicted FROM dom"			\
	" UNION ALL"							\
	" SELECT 1, cdom, result_type, 0, sessions, 0, -sessions, 0"	\
	"  FROM outc WHERE sessions > 0"				\
	" UNION ALL"							\
	" SELECT 2, cdom, org, reports, ok, bad, 0, 0 FROM src"		\
	" UNION ALL"							\
	" SELECT 3, cdom, host, reports, ok, bad, 0, 0 FROM mx"		\
	") u ORDER BY cdom COLLATE \"C\", kind, ord, name COLLATE \"C\""

static const char *const summary_sql[2] = BOTH(SUMMARY_SQL);

/* query_summary - see query.h; the SQL above does the counting */
int
query_summary(struct store *s, const struct summary_query *q,
    struct summary *out, char *err, size_t errlen)
{
	struct buf		 doms = BUF_INIT;
	struct summary_domain	*d = NULL;
	struct summary_outcome	*o;
	struct summary_row	*row;
	PGresult		*res;
	const char		*param[4], *dom;
	int			 k, kind;

	memset(out, 0, sizeof *out);
	query_params(q, &doms, param);
	res = PQexecParams(s->conn, summary_sql[q->domain != NULL], 4, NULL,
	    param, NULL, NULL, 0);
	buf_free(&doms);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, "summary", err, errlen);
	out->from = q->from ? xstrdup(q->from) : NULL;
	out->to = q->to ? xstrdup(q->to) : NULL;
	for (k = 0; k < PQntuples(res); k++) {
		kind = (int)parse_i64(PQgetvalue(res, k, 0));
		dom = PQgetvalue(res, k, 1);
		if (kind == 0) {
			/* every domain's kind-0 row comes first (sorted) */
			d = GROW(out->domains, out->n_domains);
			d->domain = xstrdup(dom);
			d->reports = parse_i64(PQgetvalue(res, k, 3));
			d->successful = parse_i64(PQgetvalue(res, k, 4));
			d->failed = parse_i64(PQgetvalue(res, k, 5));
			d->conflicted = parse_i64(PQgetvalue(res, k, 6));
			o = GROW(d->outcomes, d->n_outcomes);
			o->outcome = xstrdup("success");
			o->sessions = d->successful;
			continue;
		}
		if (d == NULL || strcmp(d->domain, dom) != 0) {
			PQclear(res);
			query_summary_free(out);
			return seterr(err, errlen, "summary: rows out of order");
		}
		if (kind == 1) {
			o = GROW(d->outcomes, d->n_outcomes);
			o->outcome = xstrdup(PQgetvalue(res, k, 2));
			o->sessions = parse_i64(PQgetvalue(res, k, 4));
		} else {
			row = kind == 2 ? GROW(d->sources, d->n_sources) :
			    GROW(d->dane_mx, d->n_dane_mx);
			row->name = xstrdup(PQgetvalue(res, k, 2));
			row->reports = parse_i64(PQgetvalue(res, k, 3));
			row->successful = parse_i64(PQgetvalue(res, k, 4));
			row->failed = parse_i64(PQgetvalue(res, k, 5));
		}
	}
	PQclear(res);
	return 0;
}

/* rows_free - an array of summary rows */
static void
rows_free(struct summary_row *rows, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(rows[i].name);
	free(rows);
}

/* query_summary_free - see query.h */
struct summary *
query_summary_free(struct summary *sum)
{
	struct summary_domain	*d;
	size_t			 i, j;

	if (sum == NULL)
		return NULL;
	for (i = 0; i < sum->n_domains; i++) {
		d = &sum->domains[i];
		free(d->domain);
		for (j = 0; j < d->n_outcomes; j++)
			free(d->outcomes[j].outcome);
		free(d->outcomes);
		rows_free(d->sources, d->n_sources);
		rows_free(d->dane_mx, d->n_dane_mx);
	}
	free(sum->domains);
	free(sum->from);
	free(sum->to);
	memset(sum, 0, sizeof *sum);
	return NULL;
}
