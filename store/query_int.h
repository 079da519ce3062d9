/*
 * query_int.h - what the files of the query layer share (query.c,
 * query_site.c, query_digest.c)
 *
 * COUNTED_CTE is the counting rules (README "How it counts", query.c):
 * every query that shows a figure starts with it, so that "tlsrpt
 * summary", the pages and the digest can never disagree.  It takes four
 * parameters: $1 the configured domains (text[], {} = all), $2 and $3 the
 * first and last day (date, NULL = open), $4 one domain (text, NULL =
 * all), and ends in "mine": the counted policies of our domains, one row
 * each, with
 *	report_id, idx	the policy
 *	domain		its group
 *	dane_mx, home	a DANE MX group of the home domain home
 *	org, day	the report's organization-name and day
 *	conflicted	the report got a differing copy
 *	kind		1 sts, 2 tlsa, 0 any other type
 *	ok, bad		its session counts
 *	cdom		the domain it counts for
 * A query appends ", name AS (...) SELECT ...".
 */
#ifndef TLSRPT_QUERY_INT_H
#define TLSRPT_QUERY_INT_H

#include <stddef.h>

#include "buf.h"

#include "query.h"
#include "query_site.h"

/* domain d is one of $1 (or a subdomain of one); $1 = {} means all */
#define OURS(d)								\
	"(cardinality($1::text[]) = 0 OR EXISTS ("			\
	"SELECT 1 FROM unnest($1::text[]) AS c(d) WHERE " d " = c.d "	\
	"OR right(" d ", length(c.d) + 1) = '.' || c.d))"

/* The bigint maximum: sums are numeric, shown capped (query.c). */
#define CAP(x)	"least(" x ", 9223372036854775807)::bigint"

/*
 * COUNTED_FROM(from, where) - the CTE over the reports and policies of
 * "from" (aliases r and p), with more conditions on them in "where".  Two
 * sources: every report of the days (ALL_REPORTS), or only those that can
 * count for the one domain $4 (ONE_DOMAIN): a policy of group $4, or $4
 * as their home domain (their DANE MX groups count for it; a NULL home
 * domain makes the group the home).  Whole groups stay together (a group
 * is one report and one domain), so the counting is the same; but one
 * domain's page reads its own reports by index (policy_domain,
 * report_home_day) instead of every report of the period.  Two texts and
 * not one with "$4 IS NULL OR r.id IN (...)": PostgreSQL plans a sublink
 * under an OR as a filter on every report of the period, not as a join
 * (380 ms against 5 ms for one domain of a year of 1,000 domains).
 */
#define ALL_REPORTS	"report r JOIN policy p ON p.report_id = r.id"
#define ONE_DOMAIN							\
	"(SELECT report_id FROM policy WHERE domain = $4::text"		\
	" UNION SELECT id FROM report WHERE home_domain = $4::text) k"	\
	" JOIN report r ON r.id = k.report_id"				\
	" JOIN policy p ON p.report_id = r.id"

#define COUNTED_FROM(from, where)					\
	"WITH pol AS ("							\
	" SELECT p.report_id, p.idx, p.domain, p.dane_mx,"		\
	"  coalesce(r.home_domain, p.domain) AS home,"			\
	"  r.organization_name AS org, r.day,"				\
	"  r.conflicts + r.conflicts_dropped > 0 AS conflicted,"	\
	"  CASE p.policy_type WHEN 'sts' THEN 1 WHEN 'tlsa' THEN 2"	\
	"   ELSE 0 END AS kind,"					\
	"  p.total_successful AS ok, p.total_failure AS bad"		\
	" FROM " from							\
	" WHERE r.verdict = 'accepted'"					\
	"  AND ($2::date IS NULL OR r.day >= $2::date)"			\
	"  AND ($3::date IS NULL OR r.day <= $3::date)" where		\
	"), typed AS ("							\
	" SELECT report_id, domain,"					\
	"  coalesce(sum(ok::numeric + bad) FILTER (WHERE kind = 1), -1)"	\
	"   AS sts,"							\
	"  coalesce(sum(ok::numeric + bad) FILTER (WHERE kind = 2), -1)"	\
	"   AS tlsa"							\
	" FROM pol GROUP BY report_id, domain"				\
	"), counted AS ("						\
	" SELECT pol.*,"						\
	"  CASE WHEN pol.dane_mx THEN pol.home ELSE pol.domain END AS cdom"\
	" FROM pol JOIN typed t"					\
	"  ON t.report_id = pol.report_id AND t.domain = pol.domain"	\
	" WHERE pol.kind = 0"						\
	"  OR (pol.kind = 1 AND t.sts >= t.tlsa)"			\
	"  OR (pol.kind = 2 AND t.tlsa > t.sts)"			\
	"), mine AS ("							\
	" SELECT * FROM counted WHERE " OURS("cdom")			\
	"  AND ($4::text IS NULL OR cdom = $4::text)"			\
	")"

#define COUNTED_CTE	COUNTED_FROM(ALL_REPORTS, "")
#define COUNTED_ONE	COUNTED_FROM(ONE_DOMAIN, "")

/* BOTH(Q) - the texts of query Q (a macro of the CTE) for every domain
 * and for one, as query_run_table() picks them */
#define BOTH(Q)		{ Q(COUNTED_CTE), Q(COUNTED_ONE) }

/* The failure details of the counted policies: "mine" joined, as fd */
#define MINE_DETAILS							\
	" mine c JOIN failure_detail fd"				\
	"  ON fd.report_id = c.report_id AND fd.policy_idx = c.idx"

/* A report page's stamp: changes whenever what its page shows can (a
 * reparse sets parsed_at; a conflicting copy counts; the mail intake's
 * supersede changes transport, source and authentication) */
#define REPORT_STAMP(r)							\
	"md5(concat_ws('|', " r ".id, " r ".parsed_at, " r ".conflicts, "	\
	r ".conflicts_dropped, " r ".transport, " r ".source, "		\
	r ".authenticated, " r ".proof, " r ".arrival_flags))"

/* GROW - one more zeroed element at the end of array v of n; its address */
#define GROW(v, n)							\
	((v) = xreallocarray((v), (n) + 1, sizeof *(v)),		\
	memset(&(v)[(n)], 0, sizeof *(v)), &(v)[(n)++])

struct store;

/* query_params - $1..$4 of q into param (doms holds the array literal
 * of $1: buf_free it after the statement) */
void	query_params(const struct summary_query *q, struct buf *doms,
	    const char *param[4]);

/*
 * query_run_table - run sql[0] (every domain) or sql[1] (q->domain set)
 * with the parameters of q ($1..$4, as COUNTED_FROM wants them) and arg
 * as $5 (text; NULL allowed) into *out
 * (query_site.h).  what names the query in err.  Returns 0, or -1 with
 * err (out empty).
 */
int	query_run_table(struct store *, const char *const sql[2],
	    const struct summary_query *q, const char *arg,
	    struct qtable *out, const char *what, char *err, size_t errlen);

#endif
