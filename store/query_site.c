/*
 * query_site.c - the tables of the pages (query_site.h), and the runner
 * every table query of the query layer shares
 *
 * SYNOPSIS
 *	#include "query_site.h"
 *
 *	int query_site(s, kind, &q, arg, &out, err, errlen)
 *	const char *qt(&t, row, col)
 *	struct qtable *qtable_free(&t)
 *
 * DESCRIPTION
 *	Every statement but the quarantine's and the foreign reports' starts
 *	with COUNTED_CTE (query_int.h), the counting rules of the summary,
 *	and reads "mine", the counted policies of our domains; so what a page
 *	shows per day, per MX host or per report adds up to what "tlsrpt
 *	summary" shows for the same days (tests/render.sh compares them).
 *	Failure details count only under a counted policy, as in the
 *	summary's outcomes: a Microsoft report lists the same failures
 *	under sts and tlsa, and only one of the two counts.
 *
 *	Parameters are typed in the call (text[], date, date, text, text),
 *	so a statement may leave some unused.  Every sum is numeric and
 *	shown capped at the bigint maximum (CAP), as in the summary.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"
#include "query_int.h"
#include "query_site.h"
#include "store_int.h"
#include "util.h"
#include "xmalloc.h"

#define C	" COLLATE \"C\""

/* A line of an STS policy-string: "key: value" (RFC 8461 3.2) */
#define STS_LINE(key)							\
	"(SELECT lower(m[1]) FROM unnest(pp.policy_string) l,"		\
	" regexp_match(l, '^\\s*" key "\\s*:\\s*(\\S+)', 'i') m"		\
	" WHERE m IS NOT NULL LIMIT 1)"

#define SQL_DAILY(cte)							\
	cte ", t AS ("							\
	" SELECT cdom, day, sum(ok) AS ok, sum(bad) AS bad FROM mine"	\
	" GROUP BY cdom, day"						\
	"), f AS ("							\
	" SELECT c.cdom, c.day, fd.result_type,"			\
	"  sum(fd.failed_session_count) AS n FROM" MINE_DETAILS		\
	" GROUP BY c.cdom, c.day, fd.result_type"			\
	") SELECT * FROM ("						\
	" SELECT cdom, day::text, NULL::text AS type, " CAP("ok") " AS a,"	\
	" " CAP("bad") " AS b FROM t UNION ALL"				\
	" SELECT cdom, day::text, result_type, " CAP("n") ", 0 FROM f"	\
	" WHERE n > 0) u ORDER BY cdom" C ", day, type" C " NULLS FIRST"

#define SQL_OUTCOMES(cte)							\
	cte " SELECT * FROM ("						\
	" SELECT cdom, 'success' AS outcome, min(day)::text,"		\
	" max(day)::text, count(DISTINCT org) FROM mine WHERE ok > 0"	\
	" GROUP BY cdom UNION ALL"					\
	" SELECT c.cdom, fd.result_type, min(c.day)::text,"		\
	" max(c.day)::text, count(DISTINCT c.org) FROM" MINE_DETAILS	\
	" WHERE fd.failed_session_count > 0 GROUP BY c.cdom,"		\
	" fd.result_type) u ORDER BY cdom" C ", outcome" C

#define SQL_SOURCES(cte)							\
	cte ", rep AS ("						\
	" SELECT DISTINCT m.cdom, m.org, m.day, r.transport,"		\
	"  r.authenticated, CASE WHEN r.transport = 'https'"		\
	"  THEN r.source END AS src, r.conflicts, r.conflicts_dropped"	\
	"  , r.id FROM mine m JOIN report r ON r.id = m.report_id"	\
	"), way AS ("							\
	" SELECT cdom, org, transport, authenticated, src,"		\
	"  count(*) AS n, row_number() OVER (PARTITION BY cdom, org"	\
	"  ORDER BY count(*) DESC, transport, authenticated, src) AS rn"	\
	" FROM rep GROUP BY cdom, org, transport, authenticated, src"	\
	") SELECT * FROM ("						\
	" SELECT 0 AS kind, cdom, org, max(day)::text, sum(conflicts),"	\
	" " CAP("sum(conflicts_dropped)") ", NULL, NULL, NULL, 0 AS rn"	\
	" FROM rep GROUP BY cdom, org UNION ALL"			\
	" SELECT 1, cdom, org, NULL, n, 0, transport, authenticated,"	\
	" src, rn FROM way WHERE rn <= 5"				\
	") u ORDER BY cdom" C ", org" C ", kind, rn"

#define SQL_HOSTS(cte)							\
	cte ", d AS ("							\
	" SELECT c.cdom, c.org, fd.* FROM" MINE_DETAILS			\
	" WHERE fd.failed_session_count > 0"				\
	"), h AS ("							\
	" SELECT 0 AS kind, cdom,"					\
	"  coalesce(receiving_mx_hostname, '') AS name,"		\
	"  sum(failed_session_count) AS n, string_agg(DISTINCT"		\
	"  result_type, ', ' ORDER BY result_type) AS types,"		\
	"  count(DISTINCT org) AS reporters FROM d GROUP BY cdom, 3"	\
	" UNION ALL"							\
	" SELECT 1, cdom, coalesce(sending_mta_ip_raw, ''),"		\
	"  sum(failed_session_count), string_agg(DISTINCT"		\
	"  result_type, ', ' ORDER BY result_type),"			\
	"  count(DISTINCT org) FROM d GROUP BY cdom, 3"			\
	"), r AS ("							\
	" SELECT *, row_number() OVER (PARTITION BY cdom, kind"		\
	"  ORDER BY n DESC, name" C ") AS rn,"				\
	"  count(*) OVER (PARTITION BY cdom, kind) AS total FROM h"	\
	") SELECT kind, cdom, name, " CAP("n") ", types, reporters, total"	\
	" FROM r WHERE rn <= 50 ORDER BY cdom" C ", kind, rn"

#define SQL_POLICIES(cte)							\
	cte ", p AS ("							\
	" SELECT c.cdom, pp.policy_type, pp.domain, pp.dane_mx,"	\
	"  array_to_json(pp.policy_string)::text AS ps,"		\
	"  array_to_json(pp.mx_host)::text AS mx,"			\
	"  " STS_LINE("mode") " AS mode,"				\
	"  " STS_LINE("max_age") " AS max_age,"				\
	"  (SELECT string_agg(m[1], ' ') FROM unnest(pp.policy_string) l,"	\
	"   regexp_match(l, '^\\s*mx\\s*:\\s*(\\S+)', 'i') m) AS mxp,"	\
	"  c.report_id, c.day, c.org"					\
	" FROM mine c JOIN policy pp"					\
	"  ON pp.report_id = c.report_id AND pp.idx = c.idx"		\
	"), g AS ("							\
	" SELECT cdom, policy_type, domain, dane_mx, ps, mx, mode,"	\
	"  max_age, mxp, count(DISTINCT report_id) AS n, max(day) AS last,"	\
	"  count(DISTINCT org) AS reporters, row_number() OVER"		\
	"  (PARTITION BY cdom ORDER BY max(day) DESC,"			\
	"  count(DISTINCT report_id) DESC, policy_type, ps) AS rn"	\
	" FROM p GROUP BY cdom, policy_type, domain, dane_mx, ps, mx,"	\
	"  mode, max_age, mxp"						\
	") SELECT cdom, policy_type, domain, dane_mx, ps, mx, mode,"	\
	" max_age, mxp, n, last::text, reporters FROM g WHERE rn <= 30"	\
	" ORDER BY cdom" C ", rn"

#define SQL_REPORTS(cte)							\
	cte ", rr AS ("							\
	" SELECT cdom, report_id, sum(ok) AS ok, sum(bad) AS bad"	\
	" FROM mine GROUP BY cdom, report_id"				\
	") SELECT rr.cdom, r.id, r.day::text, r.organization_name,"	\
	" r.report_id, " CAP("rr.ok") ", " CAP("rr.bad") ", r.transport,"	\
	" r.authenticated, r.source, array_to_json(r.flags)::text,"	\
	" r.conflicts, r.conflicts_dropped, " REPORT_STAMP("r") ","	\
	" r.received_at::text"						\
	" FROM rr JOIN report r ON r.id = rr.report_id"			\
	" ORDER BY rr.cdom" C ", r.day DESC, r.organization_name" C	\
	", r.id"

static const char *const site_sql[][2] = {
	[QS_DAILY] = BOTH(SQL_DAILY),
	[QS_OUTCOMES] = BOTH(SQL_OUTCOMES),
	[QS_SOURCES] = BOTH(SQL_SOURCES),
	[QS_HOSTS] = BOTH(SQL_HOSTS),
	[QS_POLICIES] = BOTH(SQL_POLICIES),
	[QS_REPORTS] = BOTH(SQL_REPORTS),
	[QS_QUARANTINE] = { "SELECT reason, count(*) AS n,"
	    " max(received_at AT TIME ZONE 'UTC')::date::text FROM quarantine"
	    " WHERE ($2::date IS NULL OR received_at >= $2::date::timestamp"
	    "  AT TIME ZONE 'UTC')"
	    " AND ($3::date IS NULL OR received_at < ($3::date + 1)::timestamp"
	    "  AT TIME ZONE 'UTC')"
	    " GROUP BY reason ORDER BY n DESC, reason" C " LIMIT 50", NULL },
	[QS_FOREIGN] = { "SELECT coalesce(home_domain, '(unknown)') AS home,"
	    " count(*) AS n,"
	    " max(day)::text FROM report WHERE verdict = 'foreign'"
	    " AND ($2::date IS NULL OR day >= $2::date)"
	    " AND ($3::date IS NULL OR day <= $3::date)"
	    " GROUP BY 1 ORDER BY n DESC, coalesce(home_domain, '(unknown)')" C
	    " LIMIT 50", NULL },
	[QS_REPORT] = { "SELECT id, organization_name, report_id, start_raw,"
	    " end_raw, to_char(start_time AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), to_char(end_time AT TIME ZONE"
	    " 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), day::text,"
	    " contact_info, verdict, transport, source, authenticated,"
	    " home_domain, domain_hint, array_to_json(flags)::text,"
	    " encode(raw, 'hex'), conflicts, conflicts_dropped,"
	    " to_char(received_at AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD HH24:MI:SS'), to_char(parsed_at AT TIME ZONE 'UTC',"
	    " 'YYYY-MM-DD HH24:MI:SS'), " REPORT_STAMP("report") ","
	    " proof, array_to_json(arrival_flags)::text, (SELECT m.dkim FROM"
	    " report_message m WHERE m.report_id = report.id)"
	    " FROM report WHERE id = ANY($5::bigint[]) ORDER BY id", NULL },
	[QS_REPORT_POLICIES] = { "SELECT report_id, idx, policy_type,"
	    " policy_domain, domain, dane_mx,"
	    " array_to_json(policy_string)::text,"
	    " array_to_json(mx_host)::text, total_successful, total_failure"
	    " FROM policy WHERE report_id = ANY($5::bigint[])"
	    " ORDER BY report_id, idx", NULL },
	[QS_REPORT_DETAILS] = { "SELECT report_id, policy_idx, result_type,"
	    " sending_mta_ip_raw, receiving_mx_hostname, receiving_mx_helo,"
	    " receiving_ip_raw, failed_session_count, additional_information,"
	    " failure_reason_code FROM failure_detail"
	    " WHERE report_id = ANY($5::bigint[])"
	    " ORDER BY report_id, policy_idx, idx", NULL },
	[QS_REPORT_CONFLICTS] = { "SELECT report_id, to_char(received_at AT"
	    " TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), transport, source,"
	    " authenticated FROM report_conflict"
	    " WHERE report_id = ANY($5::bigint[]) ORDER BY report_id, id", NULL },
};

static const char *const site_what[] = {
	[QS_DAILY] = "daily", [QS_OUTCOMES] = "outcomes",
	[QS_SOURCES] = "sources", [QS_HOSTS] = "hosts",
	[QS_POLICIES] = "policies", [QS_REPORTS] = "reports",
	[QS_QUARANTINE] = "quarantine", [QS_FOREIGN] = "foreign",
	[QS_REPORT] = "report", [QS_REPORT_POLICIES] = "report policies",
	[QS_REPORT_DETAILS] = "report details",
	[QS_REPORT_CONFLICTS] = "report conflicts",
};

/* The parameter types: text[], date, date, text, text (pg_type oids) */
static const Oid param_types[5] = { 1009, 1082, 1082, 25, 25 };

/* query_params - see query_int.h */
void
query_params(const struct summary_query *q, struct buf *doms,
    const char *param[4])
{
	array_param(doms, q->domains, q->n_domains);
	param[0] = (const char *)doms->data;
	param[1] = q->from;
	param[2] = q->to;
	param[3] = q->domain;
}

/* query_run_table - see query_int.h */
int
query_run_table(struct store *s, const char *const sql[2],
    const struct summary_query *q, const char *arg, struct qtable *out,
    const char *what, char *err, size_t errlen)
{
	struct buf	 doms = BUF_INIT;
	PGresult	*res;
	const char	*param[5];
	size_t		 r, c;

	memset(out, 0, sizeof *out);
	query_params(q, &doms, param);
	param[4] = arg;
	res = PQexecParams(s->conn, q->domain != NULL && sql[1] != NULL ?
	    sql[1] : sql[0], 5, param_types, param, NULL, NULL, 0);
	buf_free(&doms);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return db_fail(s, res, what, err, errlen);
	out->nrows = (size_t)PQntuples(res);
	out->ncols = (size_t)PQnfields(res);
	out->cell = xcalloc(out->nrows * out->ncols + 1, sizeof *out->cell);
	for (r = 0; r < out->nrows; r++)
		for (c = 0; c < out->ncols; c++)
			if (!PQgetisnull(res, (int)r, (int)c))
				out->cell[r * out->ncols + c] = xstrdup(
				    PQgetvalue(res, (int)r, (int)c));
	PQclear(res);
	return 0;
}

/* query_site - see query_site.h */
int
query_site(struct store *s, enum query_site_kind kind,
    const struct summary_query *q, const char *arg, struct qtable *out,
    char *err, size_t errlen)
{
	return query_run_table(s, site_sql[kind], q, arg, out,
	    site_what[kind], err, errlen);
}

/* qt - see query_site.h */
const char *
qt(const struct qtable *t, size_t row, size_t col)
{
	if (row >= t->nrows || col >= t->ncols)
		return NULL;
	return t->cell[row * t->ncols + col];
}

/* qt_i64 - see query_site.h */
int64_t
qt_i64(const struct qtable *t, size_t row, size_t col)
{
	const char	*v = qt(t, row, col);

	return v ? parse_i64(v) : 0;
}

/* qt_range - see query_site.h */
int
qt_range(const struct qtable *t, size_t col, const char *key, size_t *lo,
    size_t *hi)
{
	const char	*v;
	size_t		 r = *lo;

	/* rows sorted by col in byte order: skip the smaller keys */
	while (r < t->nrows && (v = qt(t, r, col)) != NULL &&
	    strcmp(v, key) < 0)
		r++;
	*lo = r;
	while (r < t->nrows && (v = qt(t, r, col)) != NULL &&
	    strcmp(v, key) == 0)
		r++;
	*hi = r;
	return *hi > *lo;
}

/* qtable_free - see query_site.h */
struct qtable *
qtable_free(struct qtable *t)
{
	size_t	 i;

	if (t == NULL)
		return NULL;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cell[i]);
	free(t->cell);
	memset(t, 0, sizeof *t);
	return NULL;
}
